/**
 * The management shell, with Xvisor's commands and output formats (REFERENCE.md §8): guest, vcpu, vserial, vfs,
 * host, help, version, echo. Each command line gives output lines; a board's /chosen/bootcmd runs through it.
 * Paths in vfs commands are relative to the board file's folder.
 */
import { dirname, resolve } from 'node:path';
import { DiagnosticSink } from '../dts/diagnostics.js';
import { compileData } from '../dts/compile.js';
import { PropValue } from '../dts/data.js';
import { nodeToDts, propertyToDts } from '../dts/print.js';
import { fillPaths, Node, Property } from '../dts/tree.js';
import { getNodeByPath } from '../dts/lookup.js';
import { cloneNode, guestFdtLoad, overrideValue } from './config/guest-load.js';
import { words } from './config/boot-loads.js';
import { MAX_DEVICE_TREE_BYTES, MAX_SCRIPT_BYTES, readHostFile } from './host-file.js';
import type { Hypervisor } from './hypervisor.js';
import { STATE_NAMES, VcpuState } from '../vcpu/state.js';

const RULE = '-'.repeat(79);
const pad = (s: string | number, n: number): string => String(s).padEnd(n);

export const VERSION_TEXT = 'tsvisor 0.1.0 (an Xvisor-style hypervisor for RISC-V guests, in TypeScript)';

/** `vfs run` scripts may run scripts this deep (a script that runs itself stops here with an error). */
export const MAX_SCRIPT_DEPTH = 8;
/** Most commands one top-level command may run through nested scripts and load lists. */
export const MAX_SCRIPT_COMMANDS = 100_000;
/** Most nodes the live board tree may grow to through `devtree node copy` (each copy could double it). */
export const MAX_BOARD_NODES = 100_000;
/** Most bytes `guest dumpmem` shows at once (a longer length is refused). */
export const MAX_DUMP_BYTES = 4096;

/**
 * A number in the DTS/Xvisor syntax (C's strtoull base 0): decimal, 0x hex or 0-prefixed octal, no sign, no
 * fraction, at most 2^53 - 1 (exact in a JavaScript number). Returns the value or an error text.
 */
export function parseNumber(text: string | undefined, what: string): number | string {
  if (text === undefined || text === '') return `missing ${what}`;
  const t = text.trim();
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = t.length > 2 + 14 ? Infinity : parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) v = t.length > 19 ? Infinity : parseInt(t.slice(1), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(t)) v = t.length > 16 ? Infinity : Number(t);
  else return `invalid ${what} "${text}" (a decimal, 0x hex or 0 octal number)`;
  if (!Number.isSafeInteger(v)) return `${what} "${text}" is out of range (at most 2^53 - 1)`;
  return v;
}

export interface ShellResult {
  readonly lines: string[];
  readonly ok: boolean;
}

export class Shell {
  /** Scripts being run now (`vfs run` nesting). */
  private depth = 0;
  /** Commands left for the current top-level command (nested scripts and load lists included). */
  private budget = MAX_SCRIPT_COMMANDS;

  constructor(private readonly hv: Hypervisor, private readonly boardPath: string) {}

  /** Run one command line. Never throws: every failure is an error line. */
  execute(line: string): ShellResult {
    if (this.depth === 0) this.budget = MAX_SCRIPT_COMMANDS;
    if (--this.budget < 0) return fail([`vfs: more than ${MAX_SCRIPT_COMMANDS} commands from scripts in one command`]);
    let w: string[];
    try {
      w = words(line.trim());
    } catch (e) {
      return fail([`Invalid command line: ${(e as Error).message}`]);
    }
    if (w.length === 0 || w[0]!.startsWith('#')) return { lines: [], ok: true };
    const [cmd, sub, ...rest] = w as [string, string | undefined, ...string[]];
    try {
      switch (cmd) {
        case 'help': return ok(HELP);
        case 'version': return ok([VERSION_TEXT]);
        case 'echo': return ok([w.slice(1).join(' ')]);
        case 'host': return this.host(sub);
        case 'guest': return this.guest(sub, rest);
        case 'vcpu': return this.vcpu(sub, rest);
        case 'vserial': return this.vserial(sub, rest);
        case 'vfs': return this.vfs(sub, rest);
        case 'devtree': return this.devtree(sub, rest);
      }
      return fail([`Unknown command: ${cmd} (try help)`]);
    } catch (e) {
      return fail([`${cmd}: ${e instanceof Error ? e.message : String(e)}`]);
    }
  }

  private host(sub: string | undefined): ShellResult {
    const h = this.hv.host;
    if (sub === 'info' || sub === 'cpu' || sub === 'ram') {
      const ram = h.memory.reduce((n, b) => n + b.size, 0);
      return ok([
        `CPU count        : ${h.cpus.length}`,
        `CPU ISA          : ${h.cpus[0]?.isa ?? '-'}`,
        `Timebase         : ${h.timebaseFrequency} Hz`,
        `RAM              : ${ram / 2 ** 20} MiB in ${new Set(h.memory.map((b) => b.numaNode)).size} NUMA node(s)`,
        `RAM free         : ${this.hv.freeBytes() / 2 ** 20} MiB (after claims)`,
        `Scheduler        : ${h.vmm.scheduler}`,
      ]);
    }
    return fail(['Usage: host info']);
  }

  private guest(sub: string | undefined, args: string[]): ShellResult {
    const hv = this.hv;
    if (sub === 'list') {
      const lines = [RULE, ` ${pad('ID', 7)}${pad('Name', 18)}${pad('VCPUs', 8)}Device Path`, RULE];
      [...hv.guests.values()].forEach((g, i) => lines.push(` ${pad(i, 7)}${pad(g.name, 18)}${pad(g.instance.vcpus.length, 8)}/guests/${g.name}`));
      lines.push(RULE);
      return ok(lines);
    }
    const name = args[0];
    if (!name) return fail([`Usage: guest ${sub ?? '<command>'} <guest_name>`]);
    if (sub === 'region_list' || sub === 'dumpmem') {
      const g = hv.guests.get(name);
      if (!g) return fail([`${name}: no such guest`]);
      if (sub === 'region_list') {
        const lines = [RULE, ` ${pad('Name', 18)}${pad('Guest Phys', 20)}${pad('Size', 14)}${pad('Type', 10)}Device`, RULE];
        for (const r of g.config.regions) {
          lines.push(` ${pad(r.name.split('/')[1]!, 18)}${pad(`0x${r.gpa.toString(16).padStart(16, '0')}`, 20)}${pad(`0x${r.size.toString(16)}`, 14)}` +
            `${pad(r.manifest, 10)}${r.deviceType}${r.compatible[0] ? ` (${r.compatible[0]})` : ''}`);
        }
        lines.push(RULE);
        return ok(lines);
      }
      const gpa = parseNumber(args[1], 'guest physical address');
      if (typeof gpa === 'string') return fail([`${name}: ${gpa}`, 'Usage: guest dumpmem <guest_name> <guest_phys_addr> [<length>]']);
      const length = args[2] === undefined ? 64 : parseNumber(args[2], 'length');
      if (typeof length === 'string') return fail([`${name}: ${length}`, 'Usage: guest dumpmem <guest_name> <guest_phys_addr> [<length>]']);
      if (length > MAX_DUMP_BYTES) return fail([`${name}: length ${length} is more than the ${MAX_DUMP_BYTES} bytes dumpmem shows at once`]);
      const bytes = g.instance.aspace.bus.read(gpa, length);
      if (!bytes) return fail([`${name}: 0x${gpa.toString(16)}+0x${length.toString(16)} is not RAM or ROM`]);
      const lines: string[] = [];
      for (let i = 0; i < bytes.length; i += 16) {
        const row = [...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        lines.push(`0x${(gpa + i).toString(16).padStart(16, '0')}: ${row}`);
      }
      return ok(lines);
    }
    const ops: Record<string, (n: string) => { ok: boolean; message: string }> = {
      create: (n) => hv.createGuest(n), destroy: (n) => hv.destroyGuest(n), reset: (n) => hv.resetGuest(n),
      kick: (n) => hv.kickGuest(n), pause: (n) => hv.pauseGuest(n), resume: (n) => hv.resumeGuest(n), halt: (n) => hv.haltGuest(n),
    };
    const op = sub ? ops[sub] : undefined;
    if (op) {
      const r = op(name);
      return { lines: [r.message], ok: r.ok };
    }
    return fail([`Unknown guest command: ${sub ?? ''}`]);
  }

  private vcpu(sub: string | undefined, args: string[] = []): ShellResult {
    const requests: Record<string, VcpuState> = {
      reset: VcpuState.Reset, kick: VcpuState.Ready, resume: VcpuState.Ready, pause: VcpuState.Paused, halt: VcpuState.Halted,
    };
    const parsed = parseNumber(args[0], 'VCPU id');
    const id = typeof parsed === 'number' ? parsed : NaN;
    if (sub && requests[sub] !== undefined) {
      if (typeof parsed === 'string') return fail([`vcpu: ${parsed}`, `Usage: vcpu ${sub} <vcpu_id>`]);
      const r = this.hv.vcpuRequest(id, sub, requests[sub]!);
      return { lines: [r.message], ok: r.ok };
    }
    if (sub === 'dumpreg' || sub === 'dumpstat') {
      const found = Number.isInteger(id) ? this.hv.vcpuById(id) : undefined;
      if (!found) return fail([`Failed to find vcpu ${args[0] ?? ''}`]);
      const { vcpu } = found;
      const h = vcpu.hart;
      if (sub === 'dumpstat') {
        const lines = [`Name             : ${vcpu.name}`, `State            : ${STATE_NAMES[vcpu.state.state]}`,
          `Reset count      : ${vcpu.state.resetCount}`, `Instructions     : ${h.icount}`];
        for (const [state, t] of Object.entries(vcpu.state.times)) lines.push(`${pad(`${STATE_NAMES[Number(state) as VcpuState]} time`, 17)}: ${t} ns`);
        if (vcpu.haltReason) lines.push(`Halt reason      : ${vcpu.haltReason}`);
        return ok(lines);
      }
      const x = (i: number): string => `0x${(h.x[2 * i + 1]! >>> 0).toString(16).padStart(8, '0')}${(h.x[2 * i]! >>> 0).toString(16).padStart(8, '0')}`;
      const lines = [`pc: 0x${h.pcHex()}  mode: ${h.mode === 1 ? 'S' : 'U'}`];
      for (let i = 0; i < 32; i += 4) lines.push([0, 1, 2, 3].map((k) => `${pad(ABI[i + k]!, 4)}${x(i + k)}`).join('  '));
      const csr = (n: string, hi: number, lo: number): string => `${n}: 0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
      lines.push([csr('sepc', h.sepcHi, h.sepcLo), csr('scause', h.scauseHi, h.scauseLo), csr('stval', h.stvalHi, h.stvalLo)].join('  '));
      lines.push([csr('stvec', h.stvecHi, h.stvecLo), csr('satp', h.satpHi, h.satpLo), `sie: 0x${h.sie.toString(16)}`, `sip: 0x${h.sip().toString(16)}`].join('  '));
      return ok(lines);
    }
    if (sub === 'list' || sub === 'normal_list' || sub === 'orphan_list') {
      const kind = sub === 'list' ? 'all' : sub === 'normal_list' ? 'normal' : 'orphan';
      const lines = [RULE, ` ${pad('ID', 7)}${pad('CPU', 7)}${pad('Prio', 8)}${pad('State', 11)}${pad('Name', 18)}Affinity`, RULE];
      for (const r of this.hv.vcpuRows(kind)) {
        lines.push(` ${pad(r.id, 7)}${pad(r.cpu, 7)}${pad(r.priority, 8)}${pad(r.state, 11)}${pad(r.name, 18)}${r.affinity}`);
      }
      lines.push(RULE);
      return ok(lines);
    }
    return fail(['Usage: vcpu list|normal_list|orphan_list']);
  }

  private vserial(sub: string | undefined, args: string[] = []): ShellResult {
    if (sub === 'dump') {
      const name = args[0];
      const text = name ? this.hv.consoleHistory(name) : undefined;
      if (text === undefined) return fail([`Failed to find vserial ${name ?? ''}`]);
      return ok(text.split('\n'));
    }
    if (sub === 'list') {
      const names = [...this.hv.guests.values()].flatMap((g) => [...g.instance.vserials(), `${g.name}/sbi`]);
      return ok([RULE, ' Name', RULE, ...names.map((n) => ` ${n}`), RULE]);
    }
    return fail(['Usage: vserial list']);
  }

  /** `devtree attr show|get|set|del` and `devtree node show|dump|add|copy|del` on the live board tree. */
  private devtree(sub: string | undefined, args: string[]): ShellResult {
    const root = this.hv.board.root;
    const [op, path, name, type, ...value] = args;
    const node = path ? getNodeByPath(root, path) : undefined;
    if (sub !== 'attr' && sub !== 'node') return fail(['Usage: devtree attr|node <op> <path> ...']);
    if (!path || !node) return fail([`devtree: no node ${path ?? '(missing path)'}`]);
    if (sub === 'attr') {
      const prop = name ? node.getProp(name) : undefined;
      switch (op) {
        case 'show': return ok(node.props.filter((p) => !p.deleted).map((p) => propertyToDts(p)));
        case 'get': return prop ? ok([propertyToDts(prop)]) : fail([`devtree: ${path} has no attribute ${name ?? ''}`]);
        case 'del':
          if (!prop) return fail([`devtree: ${path} has no attribute ${name ?? ''}`]);
          prop.deleted = true;
          return ok([]);
        case 'set': {
          if (!name || !type) break;
          const bytes = overrideValue(type, value.join(' '));
          if (typeof bytes === 'string') return fail([`devtree: ${bytes}`]);
          if (prop) prop.value = new PropValue(bytes);
          else node.addProp(new Property(name, new PropValue(bytes)));
          return ok([]);
        }
      }
      return fail(['Usage: devtree attr show|get|set|del <path> [<attr> [<type> <value>]]']);
    }
    switch (op) {
      case 'show': return ok(node.children.filter((c) => !c.deleted).map((c) => c.name));
      case 'dump': return ok(nodeToDts(node).trimEnd().split('\n'));
      case 'add':
      case 'copy': {
        if (!name) break;
        let child: Node;
        if (op === 'copy') {
          const src = getNodeByPath(root, name);
          if (!src) return fail([`devtree: no node ${name}`]);
          const total = countNodes(root) + countNodes(src);
          if (total > MAX_BOARD_NODES) return fail([`devtree: copying ${name} would make the board tree ${total} nodes, more than ${MAX_BOARD_NODES}`]);
          child = cloneNode(src);
        } else child = new Node(name);
        if (node.getChild(child.name)) return fail([`devtree: ${path} already has ${child.name}`]);
        child.parent = node;
        node.children.push(child);
        fillPaths(root);
        return ok([]);
      }
      case 'del':
        if (node === root) return fail(['devtree: cannot delete /']);
        node.deleted = true;
        return ok([]);
    }
    return fail(['Usage: devtree node show|dump|add|copy|del <path> [<name>|<source path>]']);
  }

  private vfs(sub: string | undefined, args: string[]): ShellResult {
    const base = dirname(this.boardPath);
    if (sub === 'guest_fdt_load') {
      const [name, file, countText, ...overrides] = args;
      if (!name || !file || countText === undefined) return fail(['Usage: vfs guest_fdt_load <guest_name> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...']);
      const count = parseNumber(countText, 'VCPU count');
      if (typeof count === 'string') return fail([`${name}: ${count}`]);
      const path = resolve(base, file);
      const read = readHostFile(path, MAX_DEVICE_TREE_BYTES, 'device tree');
      if (!read.ok) return fail([`${name}: ${read.error}`]);
      const compiled = compileData(read.data, path);
      const sink = new DiagnosticSink();
      sink.items.push(...compiled.diagnostics);
      if (!compiled.tree || !compiled.ok) {
        const first = sink.items.find((d) => d.severity === 'error');
        return fail([`${name}: ${path} has errors${first ? `: ${first.message}` : ''}`]);
      }
      const r = guestFdtLoad(this.hv.board, name, compiled.tree, count, overrides);
      return r.ok ? ok([`${name}: Loaded ${file}`]) : fail([`${name}: ${r.error}`]);
    }
    if (sub === 'guest_load') {
      const [name, gpa, file] = args;
      if (!name || gpa === undefined || !file) return fail(['Usage: vfs guest_load <guest_name> <guest_phys_addr> <file>']);
      return this.guestLoad(name, gpa, resolve(base, file), file);
    }
    if (sub === 'guest_load_list') {
      const [name, list] = args;
      if (!name || !list) return fail(['Usage: vfs guest_load_list <guest_name> <list_file>']);
      if (!this.hv.guests.has(name)) return fail([`${name}: no such guest`]);
      const listPath = resolve(base, list);
      const read = readHostFile(listPath, MAX_SCRIPT_BYTES, 'load list');
      if (!read.ok) return fail([`${name}: ${read.error}`]);
      const lines: string[] = [];
      for (const entry of read.data.toString('latin1').split('\n')) {
        const [gpa, file] = entry.trim().split(/\s+/);
        if (!gpa || gpa.startsWith('#') || !file) continue;
        if (--this.budget < 0) return fail([...lines, `vfs: more than ${MAX_SCRIPT_COMMANDS} commands from scripts in one command`]);
        const r = this.guestLoad(name, gpa, resolve(dirname(listPath), file), file);
        lines.push(...r.lines);
        if (!r.ok) return fail(lines);
      }
      return ok(lines);
    }
    if (sub === 'run') {
      const [script] = args;
      if (!script) return fail(['Usage: vfs run <script>']);
      if (this.depth >= MAX_SCRIPT_DEPTH) return fail([`vfs run ${script}: scripts nested more than ${MAX_SCRIPT_DEPTH} deep (does a script run itself?)`]);
      const read = readHostFile(resolve(base, script), MAX_SCRIPT_BYTES, 'script');
      if (!read.ok) return fail([`vfs run: ${read.error}`]);
      const lines: string[] = [];
      this.depth++;
      try {
        for (const cmd of read.data.toString('latin1').split('\n')) {
          const r = this.execute(cmd);
          lines.push(...r.lines);
          if (!r.ok) return fail(lines); // a script stops at its first failing line
        }
      } finally {
        this.depth--;
      }
      return ok(lines);
    }
    return fail(['Usage: vfs guest_fdt_load|guest_load|guest_load_list|run ...']);
  }

  /**
   * `vfs guest_load`: the address must be RAM or ROM of the guest and the file a regular file no larger than what
   * is left of that region from the address (checked before it is read). An ELF file loads at its own addresses.
   */
  private guestLoad(name: string, gpaText: string, path: string, shown: string): ShellResult {
    const g = this.hv.guests.get(name);
    if (!g) return fail([`${name}: no such guest`]);
    const gpa = parseNumber(gpaText, 'guest physical address');
    if (typeof gpa === 'string') return fail([`${name}: ${gpa}`]);
    const region = g.config.regions.find((r) => r.size > 0 && (r.manifest === 'real' || r.manifest === 'alias') && r.memory !== undefined &&
      gpa >= r.gpa && gpa < r.gpa + r.size);
    const room = region ? region.gpa + region.size - gpa : 0;
    if (!region || g.instance.aspace.bus.offsetOf(gpa) < 0) return fail([`${name}: 0x${gpa.toString(16)} is not RAM or ROM of the guest`]);
    const read = readHostFile(path, room, 'image');
    if (!read.ok) return fail([`${name}: ${read.error.replace(/ limit$/, ` left in ${region.name.split('/').pop() ?? 'the region'} from 0x${gpa.toString(16)}`)}`]);
    try {
      g.instance.loadImage(read.data, gpa);
    } catch (e) {
      return fail([`${name}: ${shown}: ${e instanceof Error ? e.message : String(e)}`]);
    }
    return ok([`${name}: Loaded 0x${gpa.toString(16).padStart(16, '0')} with ${read.data.length} bytes`]);
  }
}

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

/** Nodes of a subtree (iteratively: trees may be deep). */
function countNodes(n: Node): number {
  let count = 0;
  const stack = [n];
  for (let x = stack.pop(); x; x = stack.pop()) {
    count++;
    for (const c of x.children) stack.push(c);
  }
  return count;
}

const ok = (lines: string[]): ShellResult => ({ lines, ok: true });
const fail = (lines: string[]): ShellResult => ({ lines, ok: false });

const HELP = [
  'guest list|create|destroy|reset|kick|pause|resume|halt|region_list <guest_name>',
  'guest dumpmem <guest_name> <guest_phys_addr> [<length>]   (at most 4096 bytes)',
  'vcpu list|normal_list|orphan_list',
  'vcpu reset|kick|pause|resume|halt|dumpreg|dumpstat <vcpu_id>',
  'vserial dump <name>',
  'vserial list',
  'vserial bind <name>      (tsvisor boot: stdin goes to the guest console; ESC x q leaves)',
  'vfs guest_fdt_load <guest> <dtb> <vcpu_count> [<alias>,<attr>,<type>,<value>]...',
  'vfs guest_load <guest> <guest_phys_addr> <file>',
  'vfs guest_load_list <guest> <list_file>',
  'vfs run <script>                  (scripts nest at most 8 deep)',
  'devtree attr show|get|set|del <path> [<attr> [<type> <value>]]',
  'devtree node show|dump|add|copy|del <path> [<name>|<source path>]',
  'host info',
  'version',
  'echo <text>',
  'help',
];
