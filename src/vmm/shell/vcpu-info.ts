/** `vcpu dumpreg` and `vcpu dumpstat` in Xvisor's layouts. */
import type { Hart } from '../../vcpu/riscv/hart.js';
import { STATE_NAMES } from '../../vcpu/state.js';
import type { Vcpu } from '../vcpu.js';

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

const hex64 = (hi: number, lo: number): string => `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
/** Xvisor's register cell: the name right-aligned in 11 columns, `=`, the value. */
const cell = (name: string, value: string): string => `${name.padStart(11)}=${value}`;

/** Registers two a line, as Xvisor's RISC-V `arch_vcpu_regs_dump` prints them, then the supervisor CSRs. */
export function dumpRegisters(h: Hart): string[] {
  const lines = [`${cell('pc', `0x${h.pcHex()}`)} ${cell('mode', h.mode === 1 ? 'S' : 'U')}`];
  const cells = ABI.map((name, i) => cell(name, hex64(h.x[2 * i + 1] ?? 0, h.x[2 * i] ?? 0)));
  for (let i = 0; i < cells.length; i += 2) lines.push(cells.slice(i, i + 2).join(' '));
  lines.push(`${cell('sepc', hex64(h.sepcHi, h.sepcLo))} ${cell('scause', hex64(h.scauseHi, h.scauseLo))}`);
  lines.push(`${cell('stval', hex64(h.stvalHi, h.stvalLo))} ${cell('stvec', hex64(h.stvecHi, h.stvecLo))}`);
  lines.push(`${cell('satp', hex64(h.satpHi, h.satpLo))} ${cell('sie', `0x${h.sie.toString(16)}`)} ${cell('sip', `0x${h.sip().toString(16)}`)}`);
  return lines;
}

/** Xvisor's `h:mm:ss:mmm` for a time in ns. */
export function hhmmssms(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const h = Math.floor(ms / 3_600_000), m = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}:${String(ms % 1000).padStart(3, '0')}`;
}

export interface VcpuStat {
  readonly vcpu: Vcpu;
  readonly priority: number;
  readonly hostCpu: number;
  readonly times: { ready: number; running: number; paused: number; halted: number; reset: number };
}

/** `vcpu dumpstat`: state, priority, host CPU, time in each state (virtual), resets, then what the hart retired. */
export function dumpStat(s: VcpuStat): string[] {
  const v = s.vcpu;
  const t = s.times;
  const total = t.ready + t.running + t.paused + t.halted;
  const lines = [
    `Name             : ${v.name}`, `State            : ${STATE_NAMES[v.state.state]}`,
    `Priority         : ${s.priority}`, `Host CPU         : ${s.hostCpu}`, '',
    `Ready Time       : ${hhmmssms(t.ready)}`, `Running Time     : ${hhmmssms(t.running)}`,
    `Paused Time      : ${hhmmssms(t.paused)}`, `Halted Time      : ${hhmmssms(t.halted)}`,
    `Total Time       : ${hhmmssms(total)}`, '',
    `Reset Count      : ${v.state.resetCount}`, `Last Reset Since : ${hhmmssms(total + t.reset)}`, '',
    `Instructions     : ${v.hart.icount}`,
  ];
  if (v.haltReason) lines.push(`Halt Reason      : ${v.haltReason}`);
  return lines;
}
