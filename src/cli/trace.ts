/** `tsvisor trace <trace.json> [-o timeline.svg]`: render a scheduler trace (Chrome trace-event JSON) as an SVG timeline. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fromChromeTrace, toSvg } from '../sched/trace-export.js';

/** Exit status: 0 written, 1 not a trace, 2 the file could not be read. */
export function runTrace(file: string, flags: { output?: string; width: string }): number {
  let svg: string;
  try {
    svg = toSvg(fromChromeTrace(JSON.parse(readFileSync(file, 'utf8'))), Number(flags.width) || 1200);
  } catch (e) {
    process.stderr.write(`tsvisor trace: ${file}: ${(e as Error).message}\n`);
    return (e as NodeJS.ErrnoException).code ? 2 : 1;
  }
  if (flags.output) writeFileSync(flags.output, svg);
  else process.stdout.write(svg);
  return 0;
}
