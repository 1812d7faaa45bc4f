/** `tsvisor trace <trace.json> [-o timeline.svg]`: render a scheduler trace (Chrome trace-event JSON) as an SVG timeline. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { fromChromeTrace, toSvg } from '../sched/trace-export.js';

export function traceCommand(): Command {
  return new Command('trace')
    .description('render a scheduler trace (Chrome trace-event JSON, as Perfetto opens) as an SVG timeline, one lane per host CPU')
    .argument('<trace.json>', 'the trace file')
    .option('-o, --output <file>', 'write the SVG here (default: standard output)')
    .option('--width <pixels>', 'width of the timeline', '1200')
    .action((file: string, flags: { output?: string; width: string }) => {
      let svg: string;
      try {
        svg = toSvg(fromChromeTrace(JSON.parse(readFileSync(file, 'utf8'))), Number(flags.width) || 1200);
      } catch (e) {
        process.stderr.write(`tsvisor trace: ${file}: ${(e as Error).message}\n`);
        process.exitCode = (e as NodeJS.ErrnoException).code ? 2 : 1;
        return;
      }
      if (flags.output) writeFileSync(flags.output, svg);
      else process.stdout.write(svg);
    });
}
