/** Trace export: Chrome trace-event JSON round trip, SVG lanes, and the `tsvisor trace` command. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, type TraceEvent } from '../../src/sched/scheduler.js';
import { PrrPolicy } from '../../src/sched/policies/prr.js';
import { Supervisor } from '../../src/sched/supervisor.js';
import { fromChromeTrace, toChromeTrace, toSvg } from '../../src/sched/trace-export.js';
import { CLI, tsvisor } from '../support/cli.js';

function sampleTrace() {
  const cpus = [{ id: 0, core: 0 }, { id: 1, core: 0 }];
  const s = new Scheduler({ cpus, policy: new PrrPolicy(cpus), trace: true });
  const sup = new Supervisor();
  for (let i = 0; i < 3; i++) {
    const t = sup.createOrphan(`task${i}`, (budget) => ({ work: Math.min(budget, 700_000), next: 'yield' }), 3);
    t.timeSlice = 1_000_000;
    s.wake(t, 0);
  }
  s.runUntil(5_000_000);
  return s.trace;
}

describe('trace export', () => {
  it('writes Chrome trace events (one thread per host CPU) that read back as the same events', () => {
    const events = sampleTrace();
    const chrome = toChromeTrace(events);
    expect(chrome.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!['name'])).toEqual(['cpu 0', 'cpu 1']);
    const run = chrome.traceEvents.find((e) => e.ph === 'X' && e.cat === 'run')!;
    expect(run).toMatchObject({ pid: 1, ts: 0, dur: 700 });
    expect(chrome.traceEvents.every((e) => e.pid !== 0)).toBe(true);
    expect(fromChromeTrace(JSON.parse(JSON.stringify(chrome)))).toEqual(events);
    expect(() => fromChromeTrace({})).toThrow(/traceEvents/);
  });

  it('renders an SVG with a lane per CPU and a box per run', () => {
    const events = sampleTrace();
    const svg = toSvg(events);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('>cpu 0<');
    expect(svg).toContain('>cpu 1<');
    expect((svg.match(/<g><title>/g) ?? []).length).toBe(events.filter((e) => e.type === 'run').length);
    expect(svg).toContain('>host tasks<'); // the legend: these tasks belong to no guest
  });

  it('gives each guest a process (a thread per VCPU) in the trace, and a colour and legend entry in the SVG', () => {
    const events: TraceEvent[] = [
      { type: 'run', cpu: 0, task: 'guest0/vcpu0', start: 0, end: 1_000_000, work: 10 },
      { type: 'run', cpu: 1, task: 'guest1/vcpu0', start: 0, end: 1_000_000, work: 10 },
      { type: 'run', cpu: 0, task: 'guest0/vcpu1', start: 1_000_000, end: 2_000_000, work: 10 },
      { type: 'state', task: 'guest1/vcpu0', at: 1_500_000, state: 'PAUSED' },
    ];
    const chrome = toChromeTrace(events);
    const names = chrome.traceEvents.filter((e) => e.ph === 'M').map((e) => `${e.pid}/${e.tid} ${e.name} ${String(e.args!['name'])}`);
    expect(names).toEqual(['1/0 process_name tsvisor host', '1/1 thread_name cpu 0', '1/2 thread_name cpu 1',
      '2/0 process_name guest0', '2/1 thread_name guest0/vcpu0', '2/2 thread_name guest0/vcpu1',
      '3/0 process_name guest1', '3/1 thread_name guest1/vcpu0']);
    expect(fromChromeTrace(JSON.parse(JSON.stringify(chrome)))).toEqual(events);
    const svg = toSvg(events);
    const fills = (task: string) => [...svg.matchAll(new RegExp(`<title>${task} on[^<]*</title><rect [^>]*fill="([^"]+)"`, 'g'))].map((m) => m[1]);
    expect(fills('guest0/vcpu0')).toEqual(fills('guest0/vcpu1'));
    expect(fills('guest0/vcpu0')).not.toEqual(fills('guest1/vcpu0'));
    expect(svg).toContain('>guest0<');
    expect(svg).toContain('>guest1<');
  });

  it('tsvisor trace renders a trace file to SVG', async () => {
    if (!existsSync(CLI)) return; // npm test builds dist first
    const dir = mkdtempSync(join(tmpdir(), 'tsvisor-trace-'));
    try {
      writeFileSync(join(dir, 't.json'), JSON.stringify(toChromeTrace(sampleTrace())));
      const ok = await tsvisor(['trace', join(dir, 't.json'), '-o', join(dir, 't.svg')]);
      expect(ok.status).toBe(0);
      expect(readFileSync(join(dir, 't.svg'), 'utf8')).toContain('>cpu 1<');
      const missing = await tsvisor(['trace', join(dir, 'nope.json')]);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain('nope.json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
