/**
 * The GDB stub of one guest: GDB's remote protocol over any byte transport, in all-stop mode, one thread per VCPU.
 * Registers (GPRs, pc, FPRs, CSRs and `priv` through a target description), memory through the guest's page tables
 * as the selected VCPU sees them, software and hardware breakpoints, write/read/access watchpoints, single-step,
 * continue, vCont and Ctrl-C; as QEMU's `-s -S`, but driving the runtime's own run loop (see serve.ts).
 *
 * When any VCPU stops (breakpoint, watchpoint, step, Ctrl-C), every VCPU stops: the run loop is not advanced until
 * GDB resumes. While GDB resumes only some threads (vCont with a step for one and nothing for the rest), the others
 * are held: their tasks park and are woken when they are let go.
 */
import { DebugPoints, HartDebug, WatchKind, type DebugStop } from '../../vcpu/riscv/debug.js';
import type { Vcpu } from '../vcpu.js';
import type { VcpuDebugger } from '../vcpu-loop.js';
import { STATE_NAMES } from '../../vcpu/state.js';
import { frame, fromHex, RspReader, textToHex, toHex, unescapeBinary, MAX_PACKET } from './rsp.js';
import { readGeneralRegisters, readRegister, TARGET_XML, writeGeneralRegisters, writeRegister } from './registers.js';

/** What the stub needs of the running guest. */
export interface GdbTarget {
  readonly vcpus: readonly Vcpu[];
  /** Put a VCPU that parked while held back on its run queue. */
  wake(vcpu: number): void;
  /** Make the run loop return after the VCPU running now (every VCPU stops). */
  interrupt(): void;
  /** End the run (GDB's kill). */
  kill(): void;
}

const SIGINT = 2;
const SIGTRAP = 5;
/** Most bytes one m/M/X packet moves (the reply is hex: twice this fits PacketSize). */
const MAX_MEMORY = (MAX_PACKET - 16) >> 1;
const WATCH_NAMES: Record<WatchKind, string> = { [WatchKind.Write]: 'watch', [WatchKind.Read]: 'rwatch', [WatchKind.Access]: 'awatch' };

/** A hex address of up to 64 bits as (lo, hi) words, or undefined. */
function parseAddress(text: string): { lo: number; hi: number } | undefined {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  const t = text.padStart(16, '0');
  return { lo: parseInt(t.slice(8), 16) | 0, hi: parseInt(t.slice(0, 8), 16) | 0 };
}

const hexAddress = (lo: number, hi: number): string =>
  (hi >>> 0 ? (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0') : (lo >>> 0).toString(16));

export class GdbStub implements VcpuDebugger {
  readonly points = new DebugPoints();
  private readonly debugs: HartDebug[];
  private readonly reader = new RspReader();
  private send: ((bytes: Buffer) => void) | undefined;
  private noAck = false;
  private swbreak = false;
  /** Stopped: the run loop must not advance. */
  private stoppedNow: boolean;
  /** GDB waits for a stop reply (it resumed the guest). */
  private replyPending = false;
  private lastStop: string;
  /** Thread (VCPU index) for register and memory access (Hg), and the one that stopped last. */
  private current = 0;
  private readonly held = new Set<number>();
  private readonly parked = new Set<number>();
  private waiters: (() => void)[] = [];

  /** `stopped`: start with every VCPU stopped before its first instruction (QEMU's -S). */
  constructor(private readonly target: GdbTarget, stopped: boolean) {
    this.debugs = target.vcpus.map(() => new HartDebug(this.points));
    this.stoppedNow = stopped;
    this.lastStop = this.threadStop(SIGTRAP, 0, '');
  }

  /** Whether the guest is stopped for the debugger. */
  get isStopped(): boolean {
    return this.stoppedNow;
  }

  /** Resolves when the guest may run (at once when it may). */
  untilRunning(): Promise<void> {
    if (!this.stoppedNow) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A debugger connected: the guest stops (as QEMU stops the VM when GDB attaches). */
  connect(send: (bytes: Buffer) => void): void {
    this.send = send;
    this.noAck = false;
    this.replyPending = false;
    if (!this.stoppedNow) this.stopAll(SIGINT);
  }

  /** The debugger went away without detaching: forget its breakpoints and let the guest run. */
  disconnect(): void {
    this.send = undefined;
    this.points.clear();
    this.resume(new Map(), 'c');
  }

  /** The run ended: tell GDB the process exited with `status` (unless GDB ended it). */
  exited(status: number): void {
    if (this.send && !this.killed) this.reply(`W${(status & 0xff).toString(16).padStart(2, '0')}`);
  }

  /** Bytes from the debugger. */
  receive(bytes: Uint8Array): void {
    for (const e of this.reader.push(bytes)) {
      if (e.kind === 'interrupt') {
        if (!this.stoppedNow) this.stopAll(SIGINT);
        continue;
      }
      if (!this.noAck) this.send?.(Buffer.from(e.kind === 'bad' ? '-' : '+'));
      if (e.kind === 'packet') this.handle(e.payload);
    }
  }

  // ---- VcpuDebugger: the run loop's side ----------------------------------------------------------------------

  holds(v: Vcpu): boolean {
    return this.held.has(v.index);
  }

  park(v: Vcpu): void {
    this.parked.add(v.index);
  }

  // ---- Protocol --------------------------------------------------------------------------------------------------

  private reply(payload: string | Uint8Array): void {
    this.send?.(frame(payload));
  }

  private threadStop(signal: number, vcpu: number, extra: string): string {
    return `T${signal.toString(16).padStart(2, '0')}${extra}thread:${(vcpu + 1).toString(16)};`;
  }

  /** Stop every VCPU, reporting `signal` on the current thread (Ctrl-C, attach). */
  private stopAll(signal: number): void {
    this.enterStop(this.threadStop(signal, this.current, ''));
  }

  private enterStop(reply: string): void {
    this.stoppedNow = true;
    for (const d of this.debugs) { d.stepping = false; d.stop = undefined; }
    this.attachDebugs();
    this.lastStop = reply;
    if (this.replyPending) {
      this.replyPending = false;
      this.reply(reply);
    }
  }

  private handle(payload: Buffer): void {
    const text = payload.toString('latin1');
    const r = (s: string | Uint8Array): void => this.reply(s);
    switch (text[0]) {
      case '?': return r(this.lastStop);
      case 'g': return r(toHex(readGeneralRegisters(this.hart())));
      case 'G': {
        const bytes = fromHex(text.slice(1));
        return r(bytes && writeGeneralRegisters(this.hart(), bytes) ? 'OK' : 'E01');
      }
      case 'p': {
        const value = readRegister(this.hart(), parseInt(text.slice(1), 16));
        return r(value ? toHex(value) : 'E01');
      }
      case 'P': {
        const [, reg, value] = /^P([0-9a-fA-F]+)=([0-9a-fA-F]*)$/.exec(text) ?? [];
        const bytes = value === undefined ? undefined : fromHex(value);
        return r(reg !== undefined && bytes && writeRegister(this.hart(), parseInt(reg, 16), bytes) ? 'OK' : 'E01');
      }
      case 'm': return r(this.readMemory(text.slice(1)));
      case 'M': {
        const colon = text.indexOf(':');
        const data = colon < 0 ? undefined : fromHex(text.slice(colon + 1));
        return r(data ? this.writeMemory(text.slice(1, colon), data) : 'E01');
      }
      case 'X': {
        const colon = payload.indexOf(0x3a);
        if (colon < 0) return r('E01');
        return r(this.writeMemory(text.slice(1, colon), unescapeBinary(payload.subarray(colon + 1))));
      }
      case 'H': {
        const id = parseInt(text.slice(2), 16);
        if (text[1] === 'g' && id > 0) {
          if (id > this.target.vcpus.length) return r('E01');
          this.current = id - 1;
        }
        return r('OK');
      }
      case 'T': {
        const id = parseInt(text.slice(1), 16);
        return r(id >= 1 && id <= this.target.vcpus.length ? 'OK' : 'E01');
      }
      case 'c': case 's': case 'C': case 'S': {
        // Legacy resume of the current thread ('s': only it runs); an address argument sets its pc first.
        const step = text[0] === 's' || text[0] === 'S';
        const arg = text[0] === 'c' || text[0] === 's' ? text.slice(1) : text.slice(1).split(';')[1] ?? '';
        if (arg) {
          const a = parseAddress(arg);
          if (!a) return r('E01');
          this.hart().pcLo = a.lo & -2; this.hart().pcHi = a.hi;
        }
        return this.resume(new Map([[this.current, step ? 's' : 'c']]), step ? undefined : 'c');
      }
      case 'v': return this.handleV(text);
      case 'Z': case 'z': return r(this.breakpoint(text));
      case 'D': {
        r('OK');
        this.points.clear();
        this.resume(new Map(), 'c');
        this.replyPending = false;
        return;
      }
      case 'k': return this.kill();
      case 'q': case 'Q': return r(this.query(text));
      default: return r('');
    }
  }

  private killed = false;

  private kill(): void {
    this.killed = true;
    this.target.kill();
    this.stoppedNow = false;
    this.wakeWaiters();
  }

  private handleV(text: string): void {
    if (text === 'vCont?') return this.reply('vCont;c;C;s;S;t');
    if (text.startsWith('vKill')) {
      this.reply('OK');
      return this.kill();
    }
    if (!text.startsWith('vCont;')) return this.reply('');
    // Actions apply to their thread, or (without one) to every thread no earlier action named.
    const actions = new Map<number, 'c' | 's'>();
    let others: 'c' | 's' | undefined;
    for (const part of text.slice(6).split(';')) {
      const [act = '', thread] = part.split(':');
      const letter = act.charAt(0);
      const kind = letter === 's' || letter === 'S' ? 's' : letter === 'c' || letter === 'C' ? 'c' : undefined;
      if (letter === 't') continue; // stop: nothing runs it
      if (kind === undefined) return this.reply('E01');
      if (thread === undefined || thread === '-1' || thread.endsWith('.-1')) { others ??= kind; continue; }
      const id = parseInt(thread.slice(thread.lastIndexOf('.') + 1), 16); // p<pid>.<tid> or <tid>
      if (!(id >= 1 && id <= this.target.vcpus.length)) return this.reply('E01');
      if (!actions.has(id - 1)) actions.set(id - 1, kind);
    }
    this.resume(actions, others);
  }

  /** Resume: each VCPU continues or steps as `actions` says, else as `others` says, else stays held. */
  private resume(actions: ReadonlyMap<number, 'c' | 's'>, others: 'c' | 's' | undefined): void {
    this.held.clear();
    this.target.vcpus.forEach((v, i) => {
      const action = actions.get(i) ?? others;
      const d = this.debugOf(i);
      d.stop = undefined;
      d.stepping = false;
      if (action === undefined) this.held.add(i);
      else if (action === 's') d.beginStep(v.hart.icount, v.hart.pcLo, v.hart.pcHi);
    });
    this.attachDebugs();
    for (const i of [...this.parked]) {
      if (this.held.has(i)) continue;
      this.parked.delete(i);
      this.target.wake(i);
    }
    if (this.send) this.replyPending = true;
    this.stoppedNow = false;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** A hart carries its debug state only while it can stop (a breakpoint, a watchpoint, a step): else it runs free. */
  private attachDebugs(): void {
    const armed = !this.points.empty;
    this.target.vcpus.forEach((v, i) => {
      const d = this.debugOf(i);
      v.hart.debug = armed || d.stepping ? d : undefined;
    });
  }

  /** The run loop: VCPU `v`'s hart stopped (`Exit.Debug`). */
  stopped(v: Vcpu): void {
    const stop: DebugStop | undefined = this.debugOf(v.index).stop;
    this.current = v.index;
    let extra = '';
    if (stop?.kind === 'breakpoint' && this.swbreak) extra = 'swbreak:;';
    else if (stop?.kind === 'watch') extra = `${WATCH_NAMES[stop.watch]}:${hexAddress(stop.addrLo, stop.addrHi)};`;
    this.target.interrupt();
    this.enterStop(this.threadStop(SIGTRAP, v.index, extra));
  }

  private hart(): Vcpu['hart'] {
    const v = this.target.vcpus[this.current];
    if (!v) throw new Error(`gdb stub: no VCPU ${this.current}`);
    return v.hart;
  }

  /** VCPU `i`'s debug state (one per VCPU, made with the stub). */
  private debugOf(i: number): HartDebug {
    const d = this.debugs[i];
    if (!d) throw new Error(`gdb stub: no VCPU ${i}`);
    return d;
  }

  private parseRange(text: string): { lo: number; hi: number; len: number } | undefined {
    const [addr, len] = text.split(',');
    const a = parseAddress(addr ?? '');
    const n = /^[0-9a-fA-F]{1,8}$/.test(len ?? '') ? parseInt(len!, 16) : NaN;
    return a && n >= 0 ? { ...a, len: n } : undefined;
  }

  /** Read memory as the current VCPU sees it; a read that stops at unmapped memory returns what it read. */
  private readMemory(args: string): string {
    const range = this.parseRange(args);
    if (!range) return 'E01';
    const h = this.hart();
    const out: number[] = [];
    let { lo, hi } = range;
    const len = Math.min(range.len, MAX_MEMORY);
    while (out.length < len) {
      const offset = h.debugOffset(lo, hi);
      if (offset < 0) break;
      const n = Math.min(len - out.length, 4096 - (lo & 4095));
      out.push(...h.mem8.subarray(offset, offset + n));
      const next = (lo + n) | 0;
      if ((next >>> 0) < (lo >>> 0)) hi = (hi + 1) | 0;
      lo = next;
    }
    return out.length === 0 && len > 0 ? 'E14' : toHex(Uint8Array.from(out));
  }

  /** Write memory (RAM or ROM) as the current VCPU sees it; code translated from it is dropped. */
  private writeMemory(args: string, data: Buffer): string {
    const range = this.parseRange(args);
    if (!range || range.len !== data.length) return 'E01';
    const h = this.hart();
    let { lo, hi } = range;
    // Every page first, so that a write to partly unmapped memory changes nothing.
    const chunks: { offset: number; from: number; n: number }[] = [];
    for (let done = 0; done < data.length;) {
      const offset = h.debugOffset(lo, hi);
      if (offset < 0) return 'E14';
      const n = Math.min(data.length - done, 4096 - (lo & 4095));
      chunks.push({ offset, from: done, n });
      done += n;
      const next = (lo + n) | 0;
      if ((next >>> 0) < (lo >>> 0)) hi = (hi + 1) | 0;
      lo = next;
    }
    for (const c of chunks) {
      h.mem8.set(data.subarray(c.from, c.from + c.n), c.offset);
      h.code.invalidateRange(c.offset, c.n);
      h.bus.dirty[c.offset >>> 12] = 1;
    }
    return 'OK';
  }

  /** Z/z packets: 0 software and 1 hardware breakpoints (the same here), 2..4 watchpoints. */
  private breakpoint(text: string): string {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})/.exec(text);
    if (!m) return 'E01';
    const [, z, typeText, address = '', lenText = ''] = m;
    const insert = z === 'Z';
    const type = Number(typeText);
    const a = parseAddress(address);
    if (!a) return 'E01';
    const len = parseInt(lenText, 16);
    if (type <= 1) {
      if (insert) this.points.addBreakpoint(a.lo, a.hi);
      else this.points.removeBreakpoint(a.lo, a.hi);
    } else {
      if (len === 0) return 'E01';
      if (insert) this.points.addWatchpoint(a.lo, a.hi, len, type as WatchKind);
      else this.points.removeWatchpoint(a.lo, a.hi, len, type as WatchKind);
    }
    this.attachDebugs();
    return 'OK';
  }

  private query(text: string): string {
    if (text.startsWith('qSupported')) {
      this.swbreak = text.includes('swbreak+');
      return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+`;
    }
    if (text === 'QStartNoAckMode') {
      this.noAck = true;
      return 'OK';
    }
    if (text.startsWith('qXfer:features:read:target.xml:')) {
      const [off, len] = text.slice('qXfer:features:read:target.xml:'.length).split(',').map((s) => parseInt(s, 16));
      if (!(off! >= 0 && len! > 0)) return 'E01';
      const part = TARGET_XML.slice(off, off! + Math.min(len!, MAX_MEMORY));
      return (off! + part.length >= TARGET_XML.length ? 'l' : 'm') + part;
    }
    if (text === 'qAttached' || text.startsWith('qAttached:')) return '1';
    if (text === 'qC') return `QC${(this.current + 1).toString(16)}`;
    if (text === 'qfThreadInfo') return 'm' + this.target.vcpus.map((_, i) => (i + 1).toString(16)).join(',');
    if (text === 'qsThreadInfo') return 'l';
    if (text.startsWith('qThreadExtraInfo,')) {
      const v = this.target.vcpus[parseInt(text.slice(17), 16) - 1];
      return v ? textToHex(`${v.name} (${STATE_NAMES[v.state.state]})`) : 'E01';
    }
    if (text === 'qSymbol::') return 'OK';
    return '';
  }
}
