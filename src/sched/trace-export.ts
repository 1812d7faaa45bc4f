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

export function toChromeTrace(events: readonly TraceEvent[]): ChromeTrace {
  const out: ChromeEvent[] = [];
  const cpus = new Set<number>();
  for (const e of events) {
    if (e.type === 'run') {
      cpus.add(e.cpu);
      out.push({ name: e.task, cat: 'run', ph: 'X', pid: 0, tid: e.cpu, ts: e.start / US, dur: (e.end - e.start) / US, args: { work: e.work } });
    } else if (e.type === 'idle') {
      cpus.add(e.cpu);
      out.push({ name: 'idle', cat: 'idle', ph: 'X', pid: 0, tid: e.cpu, ts: e.start / US, dur: (e.end - e.start) / US });
    } else if (e.type === 'state') {
      out.push({ name: `${e.task}: ${e.state}`, cat: 'state', ph: 'i', s: 'g', pid: 0, tid: 0, ts: e.at / US, args: { task: e.task, state: e.state } });
    } else {
      out.push({ name: `${e.mailbox}: ${e.op}`, cat: 'message', ph: 'i', s: 'g', pid: 0, tid: 0, ts: e.at / US,
        args: { mailbox: e.mailbox, op: e.op, slot: e.slot, kind: e.kind } });
    }
  }
  const meta: ChromeEvent[] = [{ name: 'process_name', ph: 'M', pid: 0, tid: 0, ts: 0, args: { name: 'tsvisor host' } }];
  for (const c of [...cpus].sort((a, b) => a - b)) meta.push({ name: 'thread_name', ph: 'M', pid: 0, tid: c, ts: 0, args: { name: `cpu ${c}` } });
  return { traceEvents: [...meta, ...out], displayTimeUnit: 'ns' };
}

/** The scheduler events of a Chrome trace written by toChromeTrace (other events are ignored). */
export function fromChromeTrace(trace: unknown): TraceEvent[] {
  const list = (trace as { traceEvents?: unknown }).traceEvents;
  if (!Array.isArray(list)) throw new Error('not a Chrome trace: no traceEvents array');
  const out: TraceEvent[] = [];
  for (const raw of list as ChromeEvent[]) {
    const start = Math.round(raw.ts * US);
    if (raw.ph === 'X' && raw.cat === 'run') {
      out.push({ type: 'run', cpu: raw.tid, task: raw.name, start, end: start + Math.round((raw.dur ?? 0) * US), work: Number(raw.args?.['work'] ?? 0) });
    } else if (raw.ph === 'X' && raw.cat === 'idle') {
      out.push({ type: 'idle', cpu: raw.tid, start, end: start + Math.round((raw.dur ?? 0) * US) });
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

/** A stable colour per task name. */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360}, 60%, 62%)`;
}

/** An SVG timeline: one lane per host CPU, a box per run (hover for details), idle left blank. */
export function toSvg(events: readonly TraceEvent[], width = 1200): string {
  const runs = events.filter((e): e is Extract<TraceEvent, { type: 'run' }> => e.type === 'run');
  const cpus = [...new Set(events.flatMap((e) => (e.type === 'run' || e.type === 'idle' ? [e.cpu] : [])))].sort((a, b) => a - b);
  const t0 = Math.min(...events.map((e) => (e.type === 'run' || e.type === 'idle' ? e.start : e.at)), 0);
  const t1 = Math.max(...events.map((e) => (e.type === 'run' || e.type === 'idle' ? e.end : e.at)), t0 + 1);
  const left = 60, lane = 28, top = 24;
  const plot = width - left - 10;
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * plot;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + lane * cpus.length + 20}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="14">${escapeXml(`virtual time ${t0 / 1e6} ms – ${t1 / 1e6} ms`)}</text>`,
  ];
  cpus.forEach((cpu, i) => {
    const y = top + i * lane;
    parts.push(`<text x="4" y="${y + 17}">cpu ${cpu}</text>`, `<line x1="${left}" y1="${y + lane - 2}" x2="${left + plot}" y2="${y + lane - 2}" stroke="#ddd"/>`);
    for (const r of runs.filter((e) => e.cpu === cpu)) {
      const w = Math.max(0.5, x(r.end) - x(r.start));
      const label = w > 7 * r.task.length ? `<text x="${x(r.start) + 2}" y="${y + 16}" clip-path="none">${escapeXml(r.task)}</text>` : '';
      parts.push(`<g><title>${escapeXml(`${r.task} on cpu ${cpu}: ${r.start}–${r.end} ns, ${r.work} work`)}</title>` +
        `<rect x="${x(r.start).toFixed(2)}" y="${y + 2}" width="${w.toFixed(2)}" height="${lane - 6}" fill="${colour(r.task)}"/>${label}</g>`);
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
