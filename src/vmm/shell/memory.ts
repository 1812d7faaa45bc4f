/**
 * `memory dump8|dump16|dump32|modify8|modify16|modify32|copy` in Xvisor's formats. Xvisor's take host physical
 * addresses; tsvisor's host RAM is not modelled byte by byte (guests own their memory), so here the addresses are a
 * named guest's physical addresses, read and written as the guest sees them (little-endian). Only RAM and ROM are
 * touched: a device region is refused, since reading a device register can change the device (a UART's receive
 * FIFO, a status that clears on read). Writes go to RAM only, as the guest's stores would.
 */
import type { RegionConfig } from '../config/types.js';
import { parseNumber } from './number.js';
import { fail, hex16, ok, type ShellResult } from './result.js';

/** Most bytes one `memory dump*` shows (a longer one is refused), as `guest dumpmem`. */
export const MAX_MEMORY_DUMP_BYTES = 4096;

/** What the memory commands need of a guest. */
export interface GuestMemory {
  readonly name: string;
  readonly regions: readonly RegionConfig[];
  /** RAM or ROM bytes (a view: not to be kept), or undefined when the range is not inside one RAM/ROM region. */
  read(gpa: number, length: number): Uint8Array | undefined;
  /** Write RAM or ROM (pages marked written, translated code dropped); false when the range is not memory. */
  write(gpa: number, data: Uint8Array): boolean;
}

const WIDTHS: Readonly<Record<string, 1 | 2 | 4>> = { dump8: 1, dump16: 2, dump32: 4, modify8: 1, modify16: 2, modify32: 4 };

const hex = (v: number): string => `0x${v.toString(16)}`;
const regionName = (r: RegionConfig): string => r.name.split('/').pop() ?? r.name;

/** Why `length` bytes from `gpa` cannot be read (or, with `write`, written) by the memory commands; undefined if they can. */
function refusal(g: GuestMemory, gpa: number, length: number, write: boolean): string | undefined {
  const r = g.regions.find((x) => x.size > 0 && gpa >= x.gpa && gpa - x.gpa < x.size);
  if (!r) return `${g.name}: no region holds ${hex16(gpa)}`;
  const memory = (r.manifest === 'real' || r.manifest === 'alias') && r.memory !== undefined && r.addressType === 'memory';
  if (!memory) {
    return `${g.name}: ${hex16(gpa)} is in device region ${regionName(r)} (${r.deviceType}): memory reads and writes RAM and ROM only ` +
      '(reading a device register could change the device)';
  }
  if (gpa + length > r.gpa + r.size) return `${g.name}: ${hex(gpa)}+${hex(length)} goes past the end of region ${regionName(r)} (${hex(r.gpa + r.size)})`;
  if (write && r.memory?.readOnly) return `${g.name}: ${hex16(gpa)} is in ROM region ${regionName(r)}: memory writes RAM only (vfs guest_load loads ROM)`;
  if (!g.read(gpa, length)) return `${g.name}: ${hex(gpa)}+${hex(length)} is not RAM or ROM of the guest`;
  return undefined;
}

/** A value of `bytes` bytes at `at` of `data`, little-endian, as the guest loads it. */
function load(data: Uint8Array, at: number, bytes: 1 | 2 | 4): number {
  const view = new DataView(data.buffer, data.byteOffset + at, bytes);
  return bytes === 1 ? view.getUint8(0) : bytes === 2 ? view.getUint16(0, true) : view.getUint32(0, true);
}

/**
 * `memory dump<bits> <guest> <addr> <count>`: Xvisor's header line, then rows of 16 bytes, each `%016x:` and the
 * values in hex of their width. The address is aligned down to the width, as Xvisor does.
 */
function dump(g: GuestMemory, sub: string, width: 1 | 2 | 4, addrText: string | undefined, countText: string | undefined): ShellResult {
  const usage = `Usage: memory ${sub} <guest_name> <guest_phys_addr> <count>`;
  const addr = parseNumber(addrText, 'guest physical address');
  if (typeof addr === 'string') return fail([`${g.name}: ${addr}`, usage]);
  const count = parseNumber(countText, 'count');
  if (typeof count === 'string') return fail([`${g.name}: ${count}`, usage]);
  if (count === 0) return fail([`${g.name}: count must be at least 1`, usage]);
  if (count * width > MAX_MEMORY_DUMP_BYTES) {
    return fail([`${g.name}: ${count} values of ${width} bytes are more than the ${MAX_MEMORY_DUMP_BYTES} bytes memory ${sub} shows at once`]);
  }
  const start = addr - (addr % width);
  const length = count * width;
  const why = refusal(g, start, length, false);
  if (why) return fail([why]);
  const data = g.read(start, length);
  if (!data) return fail([`${g.name}: ${hex(start)}+${hex(length)} is not RAM or ROM of the guest`]);
  const lines = [`Guest ${g.name} physical memory ${hex16(start)} - ${hex16(start + length)}:`];
  for (let row = 0; row < length; row += 16) {
    const cells: string[] = [];
    for (let at = row; at < Math.min(row + 16, length); at += width) cells.push(load(data, at, width).toString(16).padStart(2 * width, '0'));
    lines.push(`${(start + row).toString(16).padStart(16, '0')}: ${cells.join(' ')}`);
  }
  return ok(lines);
}

/** `memory modify<bits> <guest> <addr> <value>...`: the values stored in turn from the (aligned) address. */
function modify(g: GuestMemory, sub: string, width: 1 | 2 | 4, addrText: string | undefined, valueTexts: readonly string[]): ShellResult {
  const usage = `Usage: memory ${sub} <guest_name> <guest_phys_addr> <value> [<value>...]`;
  const addr = parseNumber(addrText, 'guest physical address');
  if (typeof addr === 'string') return fail([`${g.name}: ${addr}`, usage]);
  if (valueTexts.length === 0) return fail([`${g.name}: no value to write`, usage]);
  const max = 2 ** (8 * width) - 1;
  const data = new Uint8Array(valueTexts.length * width);
  const view = new DataView(data.buffer);
  for (const [i, text] of valueTexts.entries()) {
    const v = parseNumber(text, 'value');
    if (typeof v === 'string') return fail([`${g.name}: ${v}`, usage]);
    if (v > max) return fail([`${g.name}: value ${text} does not fit ${8 * width} bits`]);
    if (width === 1) view.setUint8(i, v);
    else if (width === 2) view.setUint16(2 * i, v, true);
    else view.setUint32(4 * i, v, true);
  }
  const start = addr - (addr % width);
  const why = refusal(g, start, data.length, true);
  if (why) return fail([why]);
  if (!g.write(start, data)) return fail([`${g.name}: ${hex(start)}+${hex(data.length)} is not RAM of the guest`]);
  return ok([]);
}

/** `memory copy <guest> <dest> <src> <byte_count>`: as memmove (the ranges may overlap); Xvisor's `Copied` line. */
function copy(g: GuestMemory, args: readonly string[]): ShellResult {
  const usage = 'Usage: memory copy <guest_name> <dest_guest_phys_addr> <src_guest_phys_addr> <byte_count>';
  if (args.length !== 3) return fail([usage]);
  const d = parseNumber(args[0], 'destination address');
  if (typeof d === 'string') return fail([`${g.name}: ${d}`, usage]);
  const s = parseNumber(args[1], 'source address');
  if (typeof s === 'string') return fail([`${g.name}: ${s}`, usage]);
  const n = parseNumber(args[2], 'byte count');
  if (typeof n === 'string') return fail([`${g.name}: ${n}`, usage]);
  const why = refusal(g, s, n, false) ?? refusal(g, d, n, true);
  if (why) return fail([why]);
  const data = g.read(s, n);
  if (!data || !g.write(d, data.slice())) return fail([`${g.name}: the copy is not inside RAM or ROM of the guest`]);
  return ok([`Copied ${n} (0x${n.toString(16)}) bytes.`]);
}

/** The `memory` command: `sub` is dump8..modify32 or copy, `args` starts with the guest's name. */
export function memoryCommand(sub: string | undefined, args: readonly string[], find: (name: string) => GuestMemory | undefined): ShellResult {
  const width = sub === undefined ? undefined : WIDTHS[sub];
  if (sub === undefined || (width === undefined && sub !== 'copy')) {
    return fail(['Usage: memory dump8|dump16|dump32 <guest_name> <guest_phys_addr> <count>', '       memory modify8|modify16|modify32 <guest_name> <guest_phys_addr> <value>...',
      '       memory copy <guest_name> <dest_guest_phys_addr> <src_guest_phys_addr> <byte_count>', '(help memory)']);
  }
  const [name, ...rest] = args;
  if (name === undefined) return fail([`Usage: memory ${sub} <guest_name> ...`]);
  const g = find(name);
  if (!g) return fail([`${name}: no such guest`]);
  if (sub === 'copy' || width === undefined) return copy(g, rest);
  if (sub.startsWith('dump')) {
    if (rest.length !== 2) return fail([`Usage: memory ${sub} <guest_name> <guest_phys_addr> <count>`]);
    return dump(g, sub, width, rest[0], rest[1]);
  }
  return modify(g, sub, width, rest[0], rest.slice(1));
}
