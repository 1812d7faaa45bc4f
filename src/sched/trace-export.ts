/**
 * Scheduler traces out: Chrome trace-event JSON (opens in Perfetto / chrome://tracing; one thread per host CPU)
 * and an SVG timeline with one lane per host CPU. Reading the JSON back gives the same events.
 */
import type { TraceEvent } from './scheduler.js';

interface ChromeEvent {
  name: string;
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  cat?: string;
  s?: 'g';
  args?: Record<string, string | number>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns';
}

const US = 1000; // trace-event timestamps are microseconds; virtual time is ns

/** Trace-event process ids: the host's CPUs, then one process per guest (ids are not 0, as viewers expect). */
const HOST_PID = 1;

/** The guest a task belongs to (`guest0/vcpu1` → `guest0`); tasks of no guest (orphans, managers) are the host's. */
export function guestOf(task: string): string | undefined {
  const slash = task.indexOf('/');
  return slash > 0 ? task.slice(0, slash) : undefined;
}

/**
 * Chrome trace-event JSON. Process 1 is the host, a thread per host CPU (tid = CPU + 1) with every run and idle
 * slice; then a process per guest, a thread per VCPU, with the same runs seen from the guest. Names come as
 * metadata events, so Perfetto shows "cpu 0", "guest0", "guest0/vcpu1".
 */
export function toChromeTrace(events: readonly TraceEvent[]): ChromeTrace {
  const out: ChromeEvent[] = [];
  const cpus = new Set<number>();
  const guests = new Map<string, { pid: number; threads: Map<string, number> }>();
  const guestThread = (task: string): { pid: number; tid: number } | undefined => {
    const g = guestOf(task);
    if (g === undefined) return undefined;
    let entry = guests.get(g);
    if (!entry) guests.set(g, (entry = { pid: HOST_PID + 1 + guests.size, threads: new Map() }));
    let tid = entry.threads.get(task);
    if (tid === undefined) entry.threads.set(task, (tid = entry.threads.size + 1));
    return { pid: entry.pid, tid };
  };
  for (const e of events) {
    if (e.type === 'run') {
      cpus.add(e.cpu);
      const ts = e.start / US, dur = (e.end - e.start) / US;
      out.push({ name: e.task, cat: 'run', ph: 'X', pid: HOST_PID, tid: e.cpu + 1, ts, dur, args: { work: e.work } });
      const at = guestThread(e.task);
      if (at) out.push({ name: `cpu ${e.cpu}`, cat: 'vcpu', ph: 'X', pid: at.pid, tid: at.tid, ts, dur, args: { work: e.work } });
    } else if (e.type === 'idle') {
      cpus.add(e.cpu);
      out.push({ name: 'idle', cat: 'idle', ph: 'X', pid: HOST_PID, tid: e.cpu + 1, ts: e.start / US, dur: (e.end - e.start) / US });
    } else if (e.type === 'state') {
      const at = guestThread(e.task) ?? { pid: HOST_PID, tid: 0 };
      out.push({ name: `${e.task}: ${e.state}`, cat: 'state', ph: 'i', s: 'g', pid: at.pid, tid: at.tid, ts: e.at / US, args: { task: e.task, state: e.state } });
    } else {
      out.push({ name: `${e.mailbox}: ${e.op}`, cat: 'message', ph: 'i', s: 'g', pid: HOST_PID, tid: 0, ts: e.at / US,
        args: { mailbox: e.mailbox, op: e.op, slot: e.slot, kind: e.kind } });
    }
  }
  const meta: ChromeEvent[] = [{ name: 'process_name', ph: 'M', pid: HOST_PID, tid: 0, ts: 0, args: { name: 'tsvisor host' } }];
  for (const c of [...cpus].sort((a, b) => a - b)) meta.push({ name: 'thread_name', ph: 'M', pid: HOST_PID, tid: c + 1, ts: 0, args: { name: `cpu ${c}` } });
  for (const [name, g] of guests) {
    meta.push({ name: 'process_name', ph: 'M', pid: g.pid, tid: 0, ts: 0, args: { name } });
    for (const [task, tid] of g.threads) meta.push({ name: 'thread_name', ph: 'M', pid: g.pid, tid, ts: 0, args: { name: task } });
  }
  return { traceEvents: [...meta, ...out], displayTimeUnit: 'ns' };
}

/**
 * The scheduler events of a Chrome trace written by toChromeTrace (other events, and the per-guest copies of runs,
 * are ignored). Traces from before host CPUs had process 1 (process 0, tid = CPU) read too.
 */
export function fromChromeTrace(trace: unknown): TraceEvent[] {
  const list = (trace as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(list)) throw new Error('not a Chrome trace: no traceEvents array');
  const out: TraceEvent[] = [];
  for (const raw of list as ChromeEvent[]) {
    const start = Math.round(raw.ts * US);
    const cpu = raw.pid === 0 ? raw.tid : raw.tid - 1;
    if (raw.ph === 'X' && raw.cat === 'run') {
      out.push({ type: 'run', cpu, task: raw.name, start, end: start + Math.round((raw.dur ?? 0) * US), work: Number(raw.args?.['work'] ?? 0) });
    } else if (raw.ph === 'X' && raw.cat === 'idle') {
      out.push({ type: 'idle', cpu, start, end: start + Math.round((raw.dur ?? 0) * US) });
    } else if (raw.ph === 'i' && raw.cat === 'state') {
      out.push({ type: 'state', task: String(raw.args?.['task'] ?? ''), at: start, state: String(raw.args?.['state'] ?? '') });
    } else if (raw.ph === 'i' && raw.cat === 'message') {
      out.push({ type: 'message', mailbox: String(raw.args?.['mailbox'] ?? ''), at: start, op: String(raw.args?.['op'] ?? ''),
        slot: Number(raw.args?.['slot'] ?? 0), kind: Number(raw.args?.['kind'] ?? 0) });
    }
  }
  return out;
}

const escapeXml = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Colours of the guests in order of appearance: hues far apart, then the same hues darker. */
export function guestColours(names: readonly string[]): Map<string, string> {
  const hues = [210, 30, 130, 280, 0, 60, 180, 330];
  return new Map(names.map((n, i) => [n, `hsl(${hues[i % hues.length]}, 65%, ${i < hues.length ? 60 : 40}%)`]));
}
export const HOST_COLOUR = 'hsl(0, 0%, 70%)';

/**
 * An SVG timeline: one lane per host CPU, a box per run (hover for details) in its guest's colour, idle left blank,
 * and a legend of the guests.
 */
export function toSvg(events: readonly TraceEvent[], width = 1200): string {
  const runs = events.filter((e): e is Extract<TraceEvent, { type: 'run' }> => e.type === 'run');
  const cpus = [...new Set(events.flatMap((e) => (e.type === 'run' || e.type === 'idle' ? [e.cpu] : [])))].sort((a, b) => a - b);
  const t0 = Math.min(...events.map((e) => (e.type === 'run' || e.type === 'idle' ? e.start : e.at)), 0);
  const t1 = Math.max(...events.map((e) => (e.type === 'run' || e.type === 'idle' ? e.end : e.at)), t0 + 1);
  const left = 60, lane = 28, top = 24;
  const plot = width - left - 10;
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * plot;
  // One colour per guest (its VCPUs share it), grey for the host's own tasks; the legend below the lanes.
  const guests = [...new Set(runs.flatMap((r) => { const g = guestOf(r.task); return g === undefined ? [] : [g]; }))];
  const colours = guestColours(guests);
  const colourOf = (task: string): string => colours.get(guestOf(task) ?? '') ?? HOST_COLOUR;
  const hostTasks = runs.some((r) => guestOf(r.task) === undefined);
  const legend = [...guests.map((g) => [g, colours.get(g)!] as const), ...(hostTasks ? [['host tasks', HOST_COLOUR] as const] : [])];
  const legendTop = top + lane * cpus.length + 8;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${legendTop + 18 * Math.max(1, Math.ceil(legend.length / 6)) + 8}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="14">${escapeXml(`virtual time ${t0 / 1e6} ms – ${t1 / 1e6} ms`)}</text>`,
  ];
  legend.forEach(([name, fill], i) => {
    const lx = left + (i % 6) * 150, ly = legendTop + Math.floor(i / 6) * 18;
    parts.push(`<g class="legend"><rect x="${lx}" y="${ly}" width="12" height="12" fill="${fill}"/><text x="${lx + 16}" y="${ly + 10}">${escapeXml(name)}</text></g>`);
  });
  cpus.forEach((cpu, i) => {
    const y = top + i * lane;
    parts.push(`<text x="4" y="${y + 17}">cpu ${cpu}</text>`, `<line x1="${left}" y1="${y + lane - 2}" x2="${left + plot}" y2="${y + lane - 2}" stroke="#ddd"/>`);
    for (const r of runs.filter((e) => e.cpu === cpu)) {
      const w = Math.max(0.5, x(r.end) - x(r.start));
      const label = w > 7 * r.task.length ? `<text x="${x(r.start) + 2}" y="${y + 16}" clip-path="none">${escapeXml(r.task)}</text>` : '';
      parts.push(`<g><title>${escapeXml(`${r.task} on cpu ${cpu}: ${r.start}–${r.end} ns, ${r.work} work`)}</title>` +
        `<rect x="${x(r.start).toFixed(2)}" y="${y + 2}" width="${w.toFixed(2)}" height="${lane - 6}" fill="${colourOf(r.task)}"/>${label}</g>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
