/**
 * The host a board file describes: CPUs with their hart ids, ISA and topology (/cpus/cpu-map), memory banks by
 * NUMA node, reserved ranges, /chosen and /vmm.
 */
import type { DiagnosticSink } from '../../dts/diagnostics.js';
import type { DeviceTree, Node } from '../../dts/tree.js';
import { PropReader, hex } from './props.js';
import { parseIsa } from './isa.js';
import type { HostConfig, HostCpu, MemoryBank, ReservedRange, ScheduleConfig, VmmSettings } from './types.js';

const live = (n: Node): Node[] => n.children.filter((c) => !c.deleted);

/** Cells of `#address-cells`/`#size-cells` of a node (defaults as in the devicetree spec: 2 and 1). */
function cells(node: Node | undefined, sink: DiagnosticSink): { address: number; size: number } {
  if (!node) return { address: 2, size: 1 };
  const r = new PropReader(node, sink, node.fullpath || '/');
  return { address: r.u32('#address-cells') ?? 2, size: r.u32('#size-cells') ?? 1 };
}

/**
 * A node's `reg` as (base, size) pairs, by its parent's cell counts. Pass `c` when reading several siblings, so a
 * malformed `#address-cells` is reported once.
 */
export function readReg(node: Node, sink: DiagnosticSink, what: string,
  c = cells(node.parent, sink)): { base: number; size: number }[] | undefined {
  const p = node.getProp('reg');
  const r = new PropReader(node, sink, what);
  if (!p) { r.missing('reg'); return undefined; }
  const entry = 4 * (c.address + c.size);
  if (entry === 0 || p.value.length === 0 || p.value.length % entry !== 0) {
    r.error('attribute_type', `'reg' must hold (address, size) pairs of ${c.address} + ${c.size} cells`, p);
    return undefined;
  }
  const read = (off: number, n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 4294967296 + p.value.readU32(off + 4 * i);
    return v;
  };
  const out: { base: number; size: number }[] = [];
  for (let off = 0; off < p.value.length; off += entry) {
    out.push({ base: read(off, c.address), size: read(off + 4 * c.address, c.size) });
  }
  return out;
}

function phandleIndex(root: Node): Map<number, Node> {
  const map = new Map<number, Node>();
  const visit = (n: Node): void => {
    const p = n.getProp('phandle') ?? n.getProp('linux,phandle');
    if (p && p.value.length === 4) map.set(p.value.readU32(0), n);
    else if (n.phandle) map.set(n.phandle, n);
    for (const c of live(n)) visit(c);
  };
  visit(root);
  return map;
}

export function buildHost(tree: DeviceTree, sink: DiagnosticSink): HostConfig {
  const root = tree.root;
  const cpus = readCpus(root, sink);
  const timebase = root.getChild('cpus');
  const timebaseFrequency = timebase ? new PropReader(timebase, sink, '/cpus').u32('timebase-frequency', true) ?? 0 : 0;
  if (timebase && timebaseFrequency === 0 && timebase.getProp('timebase-frequency')?.value.length === 4) {
    sink.error('timebase', '/cpus: timebase-frequency must not be 0', timebase.getProp('timebase-frequency')!.src);
  }
  readTopology(root, cpus, sink);
  return {
    timebaseFrequency,
    cpus,
    memory: readMemory(root, sink),
    reserved: readReserved(tree, sink),
    ...readChosen(root, sink),
    vmm: readVmm(root, cpus, sink),
  };
}

function readCpus(root: Node, sink: DiagnosticSink): HostCpu[] {
  const node = root.getChild('cpus');
  if (!node) {
    sink.error('missing_node', 'the board has no /cpus node: the host needs at least one CPU', root.src);
    return [];
  }
  const out: HostCpu[] = [];
  const seen = new Map<number, Node>();
  const cpuNodes = live(node).filter((c) => c.basename === 'cpu');
  const regCells = cpuNodes.length > 0 ? cells(node, sink) : undefined;
  for (const c of cpuNodes) {
    const r = new PropReader(c, sink, `/cpus/${c.name}`);
    const type = r.string('device_type', true);
    if (type !== undefined && type !== 'cpu') r.error('device_type', `device_type must be "cpu", not "${type}"`, r.prop('device_type'));
    const reg = readReg(c, sink, `/cpus/${c.name}`, regCells);
    const isa = r.string('riscv,isa', true) ?? '';
    if (isa) {
      const parsed = parseIsa(isa);
      if (parsed.error) r.error('isa', `riscv,isa "${isa}": ${parsed.error}`, r.prop('riscv,isa'));
      else if (parsed.xlen !== 64) r.error('isa', `riscv,isa "${isa}": host CPUs must be rv64`, r.prop('riscv,isa'));
    }
    const numaNode = r.u32('numa-node-id');
    const [first] = reg ?? [];
    if (!first) continue;
    const hartId = first.base;
    const dup = seen.get(hartId);
    if (dup) {
      r.error('duplicate_hart', `hart id ${hartId} is also the id of /cpus/${dup.name}`, c.getProp('reg'));
      continue;
    }
    seen.set(hartId, c);
    out.push({ name: c.name, hartId, isa, numaNode, core: undefined, node: c });
  }
  if (out.length === 0 && cpuNodes.length > 0) sink.error('no_cpus', '/cpus: no usable cpu@N node', node.src);
  else if (out.length === 0) sink.error('no_cpus', '/cpus has no cpu@N node: the host needs at least one CPU', node.src);
  return out.sort((a, b) => a.hartId - b.hartId);
}

/** /cpus/cpu-map: which CPUs are threads of one core (sockets and clusters only group cores). */
function readTopology(root: Node, cpus: HostCpu[], sink: DiagnosticSink): void {
  const map = root.getChild('cpus')?.getChild('cpu-map');
  if (!map) return;
  const byNode = new Map(cpus.map((c) => [c.node, c]));
  const phandles = phandleIndex(root);
  const assigned = new Map<HostCpu, string>();
  const cpuOf = (n: Node, where: string): void => {
    const r = new PropReader(n, sink, where);
    const ph = r.u32('cpu', true);
    if (ph === undefined) return;
    const target = phandles.get(ph);
    const cpu = target ? byNode.get(target) : undefined;
    if (!cpu) { r.error('cpu_map', `'cpu' does not reference a cpu@N node of /cpus`, r.prop('cpu')); return; }
    const core = n.basename.startsWith('thread') ? n.parent!.fullpath || where.slice(0, where.lastIndexOf('/')) : where;
    const before = assigned.get(cpu);
    if (before) { r.error('cpu_map', `${cpu.name} is already placed at ${before}`, r.prop('cpu')); return; }
    assigned.set(cpu, where);
    (cpu as { core: string | undefined }).core = core;
  };
  const walk = (n: Node, where: string): void => {
    for (const c of live(n)) {
      const path = `${where}/${c.name}`;
      if (/^(socket|cluster)\d+$/.test(c.name)) walk(c, path);
      else if (/^core\d+$/.test(c.name)) {
        const threads = live(c).filter((t) => /^thread\d+$/.test(t.name));
        if (threads.length === 0) cpuOf(c, path);
        for (const t of threads) cpuOf(t, `${path}/${t.name}`);
      } else sink.warning('cpu_map', `${path}: unexpected node in cpu-map (expected socketN, clusterN, coreN or threadN)`, c.src);
    }
  };
  walk(map, '/cpus/cpu-map');
}

function readMemory(root: Node, sink: DiagnosticSink): MemoryBank[] {
  const out: MemoryBank[] = [];
  let regCells: { address: number; size: number } | undefined;
  let sawMemory = false; // a memory node with a bank, even one of size 0
  for (const n of live(root)) {
    const r = new PropReader(n, sink, `/${n.name}`);
    if (r.string('device_type') !== 'memory') continue;
    regCells ??= cells(root, sink);
    const reg = readReg(n, sink, `/${n.name}`, regCells);
    const numaNode = r.u32('numa-node-id') ?? 0;
    for (const bank of reg ?? []) {
      if (bank.size === 0) { sawMemory = true; r.error('memory', 'memory bank of size 0', n.getProp('reg')); continue; }
      const clash = out.find((b) => bank.base < b.base + b.size && b.base < bank.base + bank.size);
      if (clash) {
        r.error('memory_overlap', `memory ${hex(bank.base)}..${hex(bank.base + bank.size - 1)} overlaps /${clash.node.name}`, n.getProp('reg'));
        continue;
      }
      out.push({ base: bank.base, size: bank.size, numaNode, node: n });
    }
  }
  // A memory node whose banks are all of size 0 is reported as such above, not as "no memory node".
  if (out.length === 0 && !sawMemory) sink.error('no_memory', 'the board has no memory node (device_type = "memory")', root.src);
  return out.sort((a, b) => a.base - b.base);
}

function readReserved(tree: DeviceTree, sink: DiagnosticSink): ReservedRange[] {
  const out: ReservedRange[] = tree.reserves.map((r) => ({ base: Number(r.address), size: Number(r.size), node: undefined }));
  const rm = tree.root.getChild('reserved-memory');
  const withReg = rm ? live(rm).filter((n) => n.getProp('reg')) : [];
  const regCells = withReg.length > 0 ? cells(rm, sink) : undefined;
  for (const n of withReg) {
    const reg = readReg(n, sink, `/reserved-memory/${n.name}`, regCells);
    for (const r of reg ?? []) out.push({ base: r.base, size: r.size, node: n });
  }
  return out;
}

function readChosen(root: Node, sink: DiagnosticSink): { bootcmd: string[]; console: string | undefined } {
  const chosen = root.getChild('chosen');
  if (!chosen) return { bootcmd: [], console: undefined };
  const r = new PropReader(chosen, sink, '/chosen');
  const bootcmd = r.stringList('bootcmd') ?? [];
  let console: string | undefined;
  const p = chosen.getProp('console');
  if (p) {
    if (p.value.length === 4) {
      const target = phandleIndex(root).get(p.value.readU32(0));
      if (!target) r.error('console', `'console' does not reference a node`, p);
      else console = target.fullpath;
    } else console = r.string('console');
  }
  const stdout = r.string('stdout-path');
  if (stdout !== undefined) {
    const [path = ''] = stdout.split(':', 1); // what comes before the options (`/soc/serial@0:115200n8`)
    if (!path.startsWith('/') && !root.getChild('aliases')?.getProp(path)) {
      r.error('console', `stdout-path "${stdout}" names neither a node path nor an alias`, chosen.getProp('stdout-path'));
    }
    console ??= path;
  }
  return { bootcmd, console };
}

function readVmm(root: Node, cpus: readonly HostCpu[], sink: DiagnosticSink): VmmSettings {
  const vmm = root.getChild('vmm');
  const settings = {
    mtermPriority: 3, mtermTimeSlice: 10_000_000, scheduler: 'prr' as VmmSettings['scheduler'],
    schedule: undefined as ScheduleConfig | undefined, parallel: false,
  };
  if (!vmm) return settings;
  const r = new PropReader(vmm, sink, '/vmm');
  settings.parallel = r.flag('parallel');
  const prio = r.u32('mterm_priority');
  if (prio !== undefined) {
    if (prio > 7) r.error('priority', `mterm_priority ${prio} is out of range 0..7`, r.prop('mterm_priority'));
    else settings.mtermPriority = prio;
  }
  const slice = r.u64('mterm_time_slice');
  if (slice !== undefined) {
    if (slice === 0) r.error('time_slice', 'mterm_time_slice must not be 0', r.prop('mterm_time_slice'));
    else settings.mtermTimeSlice = slice;
  }
  const sched = r.string('scheduler');
  if (sched !== undefined) {
    if (sched !== 'prr' && sched !== 'table') {
      r.error('scheduler', `unknown scheduler "${sched}"`, r.prop('scheduler'), 'use "prr" (Xvisor\'s priority round-robin) or "table"');
    } else settings.scheduler = sched;
  }
  const schedule = vmm.getChild('schedule');
  if (schedule) settings.schedule = readSchedule(schedule, root, cpus, sink);
  if (settings.scheduler === 'table' && !schedule) {
    r.error('schedule', 'scheduler "table" needs a /vmm/schedule node with the table', r.prop('scheduler'));
  } else if (settings.scheduler !== 'table' && schedule) {
    sink.warning('schedule', `/vmm/schedule is ignored: the scheduler is "${settings.scheduler}"`, schedule.src, 'set scheduler = "table" to use it');
  }
  return settings;
}

/**
 * /vmm/schedule { major_frame = <ns>; <entry> { cpu = <&cpuN>; windows = "guest0", "mterm"; durations = <ns ns>; }; }
 * One entry per host core (named by any of its CPUs); windows run in order from the start of the frame.
 */
function readSchedule(node: Node, root: Node, cpus: readonly HostCpu[], sink: DiagnosticSink): ScheduleConfig | undefined {
  const r = new PropReader(node, sink, '/vmm/schedule');
  const frame = r.u64('major_frame', true);
  if (frame === 0) r.error('schedule', 'major_frame must not be 0', r.prop('major_frame'));
  const phandles = phandleIndex(root);
  const cores: ScheduleConfig['cores'][number][] = [];
  for (const entry of live(node)) {
    const e = new PropReader(entry, sink, `/vmm/schedule/${entry.name}`);
    const ph = e.u32('cpu', true);
    const targets = e.stringList('windows', true);
    const durations = e.u32List('durations', true);
    if (ph === undefined || !targets || !durations) continue;
    const cpu = cpus.find((c) => c.node === phandles.get(ph));
    if (!cpu) { e.error('schedule', "'cpu' does not reference a cpu@N node of /cpus", e.prop('cpu')); continue; }
    if (targets.length !== durations.length) {
      e.error('schedule', `${targets.length} windows but ${durations.length} durations`, e.prop('durations'));
      continue;
    }
    const core = cpu.core ?? `/cpus/${cpu.name}`;
    const twice = cores.find((c) => c.core === core);
    if (twice) { e.error('schedule', `core ${core} already has its windows in ${twice.node.name}`, e.prop('cpu')); continue; }
    if (durations.some((d) => d === 0)) e.error('schedule', 'a window of duration 0', e.prop('durations'));
    const total = durations.reduce((a, b) => a + b, 0);
    if (frame && total > frame) {
      e.error('schedule', `the windows last ${total} ns, longer than the ${frame} ns major frame`, e.prop('durations'));
    }
    cores.push({ cpu: cpu.hartId, core, windows: targets.map((target, i) => ({ target, duration: durations[i] ?? 0 })), node: entry });
  }
  return frame ? { frame, cores, node } : undefined;
}
