/**
 * The management shell, with Xvisor's commands and output formats (REFERENCE.md §8): guest, vcpu, vserial, vfs,
 * devtree, host, memory, sleep, help, version, echo. Each command line gives output lines; a board's /chosen/bootcmd runs
 * through it. What only a terminal can do (wait in virtual time, stop, bind a console) comes back as an action.
 * Paths in vfs commands are relative to the board file's folder. The command table, completion and the longer
 * formats live in ./shell/.
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
import { MAX_SNAPSHOT_BYTES } from './snapshot/format.js';
import { parseEndpoint } from './endpoint.js';
import { writeFileSync } from 'node:fs';
import type { Hypervisor } from './hypervisor.js';
import { VcpuState } from '../vcpu/state.js';
import { fail, hex16, ok, pad, RULE, type ShellResult } from './shell/result.js';
import { parseDuration, parseNumber } from './shell/number.js';
import { splitCommands } from './shell/split.js';
import { helpLines } from './shell/commands.js';
import { complete, type CompletionNames } from './shell/complete.js';
import { hostCpuInfo, hostInfo, hostRamInfo } from './shell/host.js';
import { dumpRegisters, dumpStat } from './shell/vcpu-info.js';
import { memoryCommand, type GuestMemory } from './shell/memory.js';
import { cpuLoadLines, ramLine, type CpuSample } from './shell/monitor.js';
import { PAGE_SIZE } from './claims.js';

export { parseNumber } from './shell/number.js';
export type { ShellAction, ShellResult } from './shell/result.js';
export { splitCommands } from './shell/split.js';

export const VERSION_TEXT = 'tsvisor 0.1.0 (an Xvisor-style hypervisor for RISC-V guests, in TypeScript)';

/** `vfs run` scripts may run scripts this deep (a script that runs itself stops here with an error). */
export const MAX_SCRIPT_DEPTH = 8;
/** Most commands one top-level command may run through nested scripts and load lists. */
export const MAX_SCRIPT_COMMANDS = 100_000;
/** Most nodes the live board tree may grow to through `devtree node copy` (each copy could double it). */
export const MAX_BOARD_NODES = 100_000;
/** Most bytes `guest dumpmem` shows at once (a longer length is refused). */
export const MAX_DUMP_BYTES = 4096;

export class Shell {
  /** Scripts being run now (`vfs run` nesting). */
  private depth = 0;
  /** Commands left for the current top-level command (nested scripts and load lists included). */
  private budget = MAX_SCRIPT_COMMANDS;
  /** The scheduler's clocks at the last `vcpu monitor` screen: the next one shows the load since. */
  private monitorSample: CpuSample | undefined;

  constructor(private readonly hv: Hypervisor, private readonly boardPath: string) {}

  /**
   * Run one command line (`;` separates commands: they run in turn, up to the first that fails). Never throws:
   * every failure is an error line. `sleep`, `shutdown` and `vserial bind` return an action for the terminal; on
   * a line of several commands, only the last may be one (the terminal splits lines itself, so that it can act).
   */
  execute(line: string): ShellResult {
    const commands = splitCommands(line);
    if (commands.length <= 1) return this.one(commands[0] ?? '');
    const lines: string[] = [];
    for (const [i, cmd] of commands.entries()) {
      const r = this.one(cmd);
      lines.push(...r.lines);
      if (!r.ok) return fail(lines);
      if (r.action) {
        if (i === commands.length - 1 || r.action.kind === 'shutdown') return { lines, ok: true, action: r.action };
        return fail([...lines, `${cmd}: only the last command of a line or script may wait or bind a console`]);
      }
    }
    return ok(lines);
  }

  /** Tab completion of a line (see shell/complete.ts), with this hypervisor's guests, VCPUs and vserials. */
  complete(line: string): [string[], string] {
    const hv = this.hv;
    const names: CompletionNames = {
      guests: () => [...hv.guests.keys(), ...(hv.board.root.getChild('guests')?.children.filter((c) => !c.deleted).map((c) => c.name) ?? [])],
      vcpus: () => hv.vcpuRows().map((r) => ({ id: r.id, name: r.name })),
      vserials: () => [...hv.guests.values()].flatMap((g) => g.instance.vserials()),
      treeChildren: (path) => getNodeByPath(hv.board.root, path)?.children.filter((c) => !c.deleted).map((c) => c.name) ?? [],
    };
    return complete(line, names);
  }

  /** One command (no `;`). */
  private one(line: string): ShellResult {
    if (this.depth === 0) this.budget = MAX_SCRIPT_COMMANDS;
    if (--this.budget < 0) return fail([`vfs: more than ${MAX_SCRIPT_COMMANDS} commands from scripts in one command`]);
    let w: string[];
    try {
      w = words(line.trim());
    } catch (e) {
      return fail([`Invalid command line: ${(e as Error).message}`]);
    }
    const [cmd, sub, ...rest] = w;
    if (cmd === undefined || cmd.startsWith('#')) return { lines: [], ok: true };
    try {
      switch (cmd) {
        case 'help': {
          const lines = helpLines(sub);
          return lines ? ok(lines) : fail([`help: no command ${sub ?? ''} (try help)`]);
        }
        case 'version': return ok([VERSION_TEXT]);
        case 'echo': return ok([w.slice(1).join(' ')]);
        case 'sleep': {
          const ns = parseDuration(sub);
          if (typeof ns === 'string') return fail([`sleep: ${ns}`, 'Usage: sleep <seconds>|<n>ms|<n>us']);
          return { lines: [], ok: true, action: { kind: 'sleep', ns } };
        }
        case 'shutdown':
        case 'exit': return { lines: [], ok: true, action: { kind: 'shutdown' } };
        case 'host': return this.host(sub, rest);
        case 'guest': return this.guest(sub, rest);
        case 'vcpu': return this.vcpu(sub, rest);
        case 'vserial': return this.vserial(sub, rest);
        case 'vfs': return this.vfs(sub, rest);
        case 'devtree': return this.devtree(sub, rest);
        case 'memory': {
          if (sub === 'help' && rest.length === 0) return ok(helpLines('memory') ?? []);
          return memoryCommand(sub, rest, (name) => this.guestMemory(name));
        }
      }
      return fail([`Unknown command: ${cmd} (try help)`]);
    } catch (e) {
      return fail([`${cmd}: ${e instanceof Error ? e.message : String(e)}`]);
    }
  }

  private host(sub: string | undefined, args: string[]): ShellResult {
    const hv = this.hv;
    const model = hv.board.root.getProp('model')?.value.bytes;
    if (sub === 'info' && args.length === 0) return ok(hostInfo(hv.host, hv.memory, model ? Buffer.from(model).toString('latin1').replace(/\0$/, '') : undefined));
    if (sub === 'cpu' && args[0] === 'info') return ok(hostCpuInfo(hv.host));
    if (sub === 'ram' && args[0] === 'info') return ok(hostRamInfo(hv.host, hv.memory));
    return fail(['Usage: host info|cpu info|ram info']);
  }

  private guest(sub: string | undefined, args: string[]): ShellResult {
    const hv = this.hv;
    if (sub === 'list') {
      const lines = [RULE, ` ${pad('ID', 7)}${pad('Name', 18)}${pad('VCPUs', 8)}Device Path`, RULE];
      [...hv.guests.values()].forEach((g, i) => lines.push(` ${pad(i, 7)}${pad(g.name, 18)}${pad(g.instance.vcpus.length, 8)}/guests/${g.name}`));
      lines.push(RULE);
      return ok(lines);
    }
    if (sub === 'incoming') {
      const at = args[0] === undefined || args.length > 2 ? undefined : parseEndpoint(args[0], 'port');
      if (at === undefined || typeof at === 'string') return fail([...(typeof at === 'string' ? [at] : []), 'Usage: guest incoming <[host:]port> [<guest_name>]']);
      return { lines: [], ok: true, action: { kind: 'incoming', host: at.host, port: at.port, name: args[1] } };
    }
    const name = args[0];
    if (!name) return fail([`Usage: guest ${sub ?? '<command>'} <guest_name>`]);
    if (sub === 'region_list' || sub === 'region' || sub === 'dumpmem') {
      const g = hv.guests.get(name);
      if (!g) return fail([`${name}: no such guest`]);
      const row = (r: (typeof g.config.regions)[number]): string => ` ${pad(r.name.slice(r.name.indexOf('/') + 1), 18)}${pad(hex16(r.gpa), 20)}${pad(`0x${r.size.toString(16)}`, 14)}` +
        `${pad(r.manifest, 10)}${r.deviceType}${r.compatible[0] ? ` (${r.compatible[0]})` : ''}`;
      const header = [RULE, ` ${pad('Name', 18)}${pad('Guest Phys', 20)}${pad('Size', 14)}${pad('Type', 10)}Device`, RULE];
      if (sub === 'region_list') return ok([...header, ...g.config.regions.map(row), RULE]);
      if (sub === 'region') {
        // The region holding an address, as Xvisor's guest aspace lookup finds it.
        const gpa = parseNumber(args[1], 'guest physical address');
        if (typeof gpa === 'string') return fail([`${name}: ${gpa}`, 'Usage: guest region <guest_name> <guest_phys_addr>']);
        const r = g.config.regions.find((x) => x.size > 0 && gpa >= x.gpa && gpa - x.gpa < x.size);
        return r ? ok([...header, row(r), RULE]) : fail([`${name}: no region holds ${hex16(gpa)}`]);
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
        lines.push(`${hex16(gpa + i)}: ${row}`);
      }
      return ok(lines);
    }
    if (sub === 'migrate') {
      const to = args[1] === undefined || args.length > 2 ? undefined : parseEndpoint(args[1], 'address');
      if (to === undefined || typeof to === 'string') return fail([...(typeof to === 'string' ? [to] : []), 'Usage: guest migrate <guest_name> <host:port>']);
      if (!hv.guests.has(name)) return fail([`${name}: no such guest`]);
      return { lines: [], ok: true, action: { kind: 'migrate', guest: name, host: to.host, port: to.port } };
    }
    if (sub === 'snapshot' || sub === 'restore') {
      const file = args[1];
      if (!file || args.length > 2) return fail([`Usage: guest ${sub} <guest_name> <file>`]);
      const path = resolve(dirname(this.boardPath), file);
      if (sub === 'snapshot') {
        const bytes = hv.snapshotGuest(name);
        if (!(bytes instanceof Uint8Array)) return fail([bytes.message]);
        try {
          writeFileSync(path, bytes);
        } catch (e) {
          return fail([`${name}: Failed to snapshot: cannot write ${file}: ${(e as Error).message}`]);
        }
        return ok([`${name}: Snapshot written to ${file} (${bytes.length} bytes)`]);
      }
      const read = readHostFile(path, MAX_SNAPSHOT_BYTES, 'snapshot');
      if (!read.ok) return fail([`${name}: Failed to restore: ${read.error}`]);
      const r = hv.restoreGuest(name, read.data);
      return { lines: [r.message], ok: r.ok };
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

  /** A guest's memory as the `memory` commands see it. */
  private guestMemory(name: string): GuestMemory | undefined {
    const g = this.hv.guests.get(name);
    if (!g) return undefined;
    const bus = g.instance.aspace.bus;
    const write = (gpa: number, data: Uint8Array): boolean => {
      // As a device's DMA writes: the pages are marked written (snapshots, migration), code translated from them dropped.
      if (!bus.write(gpa, data)) return false;
      g.instance.vcpus[0]?.hart.code.invalidateRange(bus.offsetOf(gpa), data.length);
      return true;
    };
    return { name, regions: g.config.regions, read: (gpa, length) => bus.read(gpa, length), write };
  }

  /**
   * What `vcpu monitor` shows, once: each host CPU's load since the previous screen (since boot for the first), host
   * RAM, and every VCPU. The terminal redraws it every second until `q`.
   */
  monitorScreen(): string[] {
    const s = this.hv.scheduler;
    const now: CpuSample = { clocks: Float64Array.from(s.clocks), idle: Float64Array.from(s.idleNs) };
    const lines = [
      ...cpuLoadLines(s.cpus.map((c) => c.id), now, this.monitorSample),
      ramLine(this.hv.memory.freePages() * PAGE_SIZE, this.hv.memory.totalPages() * PAGE_SIZE),
      ...this.vcpuTable('all'),
    ];
    this.monitorSample = now;
    return lines;
  }

  /** Xvisor's VCPU table: id, host CPU, priority, state, name and affinity. */
  private vcpuTable(kind: 'all' | 'normal' | 'orphan'): string[] {
    const lines = [RULE, ` ${pad('ID', 7)}${pad('CPU', 7)}${pad('Prio', 8)}${pad('State', 11)}${pad('Name', 18)}Affinity`, RULE];
    for (const r of this.hv.vcpuRows(kind)) {
      lines.push(` ${pad(r.id, 7)}${pad(r.cpu, 7)}${pad(r.priority, 8)}${pad(r.state, 11)}${pad(r.name, 18)}${r.affinity}`);
    }
    lines.push(RULE);
    return lines;
  }

  private vcpu(sub: string | undefined, args: string[] = []): ShellResult {
    const requests: Record<string, VcpuState> = {
      reset: VcpuState.Reset, kick: VcpuState.Ready, resume: VcpuState.Ready, pause: VcpuState.Paused, halt: VcpuState.Halted,
    };
    // A VCPU is named by its id (as Xvisor) or by its name (guest0/vcpu0), which Tab completes.
    const target = args[0];
    const request = sub === undefined ? undefined : requests[sub];
    if (sub !== undefined && request !== undefined) {
      if (target === undefined) return fail([`Usage: vcpu ${sub} <vcpu_id>`]);
      const found = this.hv.findVcpu(target);
      if (!found) {
        const parsed = parseNumber(target, 'VCPU id');
        return fail([typeof parsed === 'string' && !target.includes('/') ? `vcpu: ${parsed}` : `Failed to find vcpu ${target}`]);
      }
      const r = this.hv.vcpuRequest(found.id, sub, request);
      return { lines: [r.message], ok: r.ok };
    }
    if (sub === 'dumpreg' || sub === 'dumpstat') {
      const found = target === undefined ? undefined : this.hv.findVcpu(target);
      if (!found) return fail([`Failed to find vcpu ${target ?? ''}`]);
      if (sub === 'dumpreg') return ok(dumpRegisters(found.vcpu.hart));
      const row = this.hv.vcpuRows().find((r) => r.id === found.id);
      return ok(dumpStat({ vcpu: found.vcpu, priority: row?.priority ?? 0, hostCpu: row?.cpu ?? 0, times: this.hv.vcpuTimes(found.vcpu) }));
    }
    if (sub === 'set_affinity') {
      // Host CPUs with commas (`2,3`), or apart as Xvisor takes them (`2 3`).
      const [id, ...list] = args;
      if (id === undefined || list.length === 0) return fail(['Usage: vcpu set_affinity <vcpu_id> <host_cpu>[,<host_cpu>...]']);
      const cpus: number[] = [];
      for (const part of list.join(',').split(',')) {
        const n = parseNumber(part, 'host CPU');
        if (typeof n === 'string') return fail([`vcpu: ${n}`]);
        cpus.push(n);
      }
      const r = this.hv.setVcpuAffinity(id, cpus);
      return { lines: [r.message], ok: r.ok };
    }
    if (sub === 'set_hcpu') {
      const [id, cpuText] = args;
      if (id === undefined || cpuText === undefined || args.length > 2) return fail(['Usage: vcpu set_hcpu <vcpu_id> <host_cpu>']);
      const cpu = parseNumber(cpuText, 'host CPU');
      if (typeof cpu === 'string') return fail([`vcpu: ${cpu}`]);
      const r = this.hv.setVcpuHostCpu(id, cpu);
      return { lines: [r.message], ok: r.ok };
    }
    if (sub === 'list' || sub === 'normal_list' || sub === 'orphan_list') {
      return ok(this.vcpuTable(sub === 'list' ? 'all' : sub === 'normal_list' ? 'normal' : 'orphan'));
    }
    if (sub === 'monitor') {
      if (args.length > 0) return fail(['Usage: vcpu monitor (tsvisor has no character devices to send it to: it shows at the prompt)']);
      return { lines: [], ok: true, action: { kind: 'monitor' } };
    }
    return fail(['Usage: vcpu list|normal_list|orphan_list|monitor|reset|kick|pause|resume|halt|dumpreg|dumpstat|set_hcpu|set_affinity ... (help vcpu)']);
  }

  private vserial(sub: string | undefined, args: string[] = []): ShellResult {
    const name = args[0];
    if (sub === 'dump') {
      const text = name ? this.hv.consoleHistory(name) : undefined;
      if (text === undefined) return fail([`Failed to find vserial ${name ?? ''}`]);
      // `vserial dump <name> <bytes>`: only the last <bytes> of what it printed.
      const bytes = args[1] === undefined ? text.length : parseNumber(args[1], 'byte count');
      if (typeof bytes === 'string') return fail([`vserial: ${bytes}`, 'Usage: vserial dump <vserial_name> [<bytes>]']);
      return ok((bytes === 0 ? '' : text.slice(-bytes)).split('\n'));
    }
    if (sub === 'list') {
      const names = [...this.hv.guests.values()].flatMap((g) => g.instance.vserials());
      return ok([RULE, ' Name', RULE, ...names.map((n) => ` ${n}`), RULE]);
    }
    if (sub === 'bind') {
      const guest = name ? [...this.hv.guests.values()].find((g) => g.instance.vserials().includes(name)) : undefined;
      if (!name || !guest) return fail([`Failed to find vserial ${name ?? ''}`]);
      return { lines: [], ok: true, action: { kind: 'bind', vserial: name, guest: guest.name } };
    }
    return fail(['Usage: vserial list|dump <vserial_name> [<bytes>]|bind <vserial_name>']);
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
          // A script runs at one instant: it may stop the hypervisor, not wait or take the keyboard.
          if (r.action?.kind === 'shutdown') return { lines, ok: true, action: r.action };
          if (r.action) return fail([...lines, `vfs run ${script}: ${r.action.kind} works at the prompt, not in a script`]);
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
