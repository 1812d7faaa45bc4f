/**
 * Just enough of the WebAssembly binary format to build the modules of the wasm tier: one imported memory, imported
 * functions, and functions whose bodies are written opcode by opcode into a growing byte buffer.
 */

export const enum ValType {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
}

/** The opcodes the translator uses (WebAssembly core 1.0 numbering). */
export const enum Op {
  Block = 0x02, Loop = 0x03, If = 0x04, Else = 0x05, End = 0x0b, Br = 0x0c, BrIf = 0x0d, Return = 0x0f, Call = 0x10,
  CallIndirect = 0x11,
  Drop = 0x1a, Select = 0x1b,
  LocalGet = 0x20, LocalSet = 0x21, LocalTee = 0x22,
  I32Load = 0x28, I64Load = 0x29, F32Load = 0x2a, F64Load = 0x2b, F32Store = 0x38, F64Store = 0x39,
  I64Load8S = 0x30, I64Load8U = 0x31, I64Load16S = 0x32, I64Load16U = 0x33, I64Load32S = 0x34, I64Load32U = 0x35,
  I32Store = 0x36, I64Store = 0x37, I64Store8 = 0x3c, I64Store16 = 0x3d, I64Store32 = 0x3e,
  I32Const = 0x41, I64Const = 0x42, F32Const = 0x43, F64Const = 0x44,
  I32Eqz = 0x45, I32Eq = 0x46, I32Ne = 0x47, I32LtU = 0x49, I32GtS = 0x4a,
  I64Eqz = 0x50, I64Eq = 0x51, I64Ne = 0x52, I64LtS = 0x53, I64LtU = 0x54, I64GeS = 0x59, I64GeU = 0x5a,
  I32Add = 0x6a, I32Sub = 0x6b, I32Mul = 0x6c, I32DivS = 0x6d, I32DivU = 0x6e, I32RemS = 0x6f, I32RemU = 0x70,
  I32And = 0x71, I32Or = 0x72, I32Xor = 0x73, I32Shl = 0x74, I32ShrS = 0x75, I32ShrU = 0x76,
  I64Add = 0x7c, I64Sub = 0x7d, I64Mul = 0x7e, I64DivS = 0x7f, I64DivU = 0x80, I64RemS = 0x81, I64RemU = 0x82,
  I64And = 0x83, I64Or = 0x84, I64Xor = 0x85, I64Shl = 0x86, I64ShrS = 0x87, I64ShrU = 0x88,
  I32WrapI64 = 0xa7, I64ExtendI32S = 0xac, I64ExtendI32U = 0xad,
  F32Eq = 0x5b, F32Lt = 0x5d, F32Gt = 0x5e, F32Le = 0x5f, F64Eq = 0x61, F64Lt = 0x63, F64Gt = 0x64, F64Le = 0x65, F64Ge = 0x66,
  F32DemoteF64 = 0xb6, F64PromoteF32 = 0xbb,
  F32Abs = 0x8b, F32Add = 0x92, F32Sub = 0x93, F32Mul = 0x94, F32Div = 0x95,
  F64Abs = 0x99, F64Sqrt = 0x9f, F64Add = 0xa0, F64Sub = 0xa1, F64Mul = 0xa2, F64Div = 0xa3,
}

/** Scratch for the bytes of float constants. */
const FLOAT_BYTES = new Uint8Array(8);
const FLOAT = new DataView(FLOAT_BYTES.buffer);

/** The empty block type (a block, loop or if that takes and leaves nothing on the stack). */
export const VOID = 0x40;

/** A growable byte buffer with the encodings the format uses. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(bs: Uint8Array | readonly number[]): this {
    if (this.length + bs.length > this.buf.length) this.grow(bs.length);
    this.buf.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  private grow(more: number): void {
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.length + more));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  /** Unsigned LEB128 (n >= 0, below 2^32). */
  u32(n: number): this {
    let v = n >>> 0;
    do {
      const low = v & 0x7f;
      v >>>= 7;
      this.byte(v !== 0 ? low | 0x80 : low);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of an int32. */
  s32(n: number): this {
    let v = n | 0;
    for (;;) {
      const low = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (low & 0x40) === 0) || (v === -1 && (low & 0x40) !== 0)) return this.byte(low);
      this.byte(low | 0x80);
    }
  }

  /** Signed LEB128 of the int64 with words (hi:lo). */
  s64(lo: number, hi: number): this {
    // Sign-extended 32-bit values are the common case.
    if ((lo >> 31) === (hi | 0)) return this.s32(lo);
    let l = lo >>> 0, h = hi | 0;
    for (;;) {
      const low = l & 0x7f;
      // Arithmetic shift of the 64-bit value right by 7.
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>= 7;
      const done = (h === 0 && l === 0 && (low & 0x40) === 0) || (h === -1 && l === 0xffffffff && (low & 0x40) !== 0);
      if (done) return this.byte(low);
      this.byte(low | 0x80);
    }
  }

  name(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
    return this;
  }

  /** Append `other` prefixed with its length (a section's or a function body's size). */
  sized(other: Bytes): this {
    this.u32(other.length);
    return this.bytes(other.view());
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** A function body under construction: its locals, then its code. */
export class FunctionBody {
  readonly code = new Bytes();
  private readonly locals: ValType[] = [];

  constructor(private readonly params: number) {}

  /** A new local of type `t`: its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params + this.locals.length - 1;
  }

  op(o: Op): this { this.code.byte(o); return this; }
  get(i: number): this { this.code.byte(Op.LocalGet).u32(i); return this; }
  set(i: number): this { this.code.byte(Op.LocalSet).u32(i); return this; }
  tee(i: number): this { this.code.byte(Op.LocalTee).u32(i); return this; }
  i32(n: number): this { this.code.byte(Op.I32Const).s32(n); return this; }
  i64(lo: number, hi = lo >> 31): this { this.code.byte(Op.I64Const).s64(lo, hi); return this; }
  f32(v: number): this { FLOAT.setFloat32(0, v, true); this.code.byte(Op.F32Const).bytes(FLOAT_BYTES.subarray(0, 4)); return this; }
  f64(v: number): this { FLOAT.setFloat64(0, v, true); this.code.byte(Op.F64Const).bytes(FLOAT_BYTES); return this; }
  /** A load or store with its alignment hint (log2 bytes) and constant offset. */
  mem(o: Op, align: number, offset: number): this { this.code.byte(o).u32(align).u32(offset); return this; }
  call(f: number): this { this.code.byte(Op.Call).u32(f); return this; }
  /** Call the function at the index on the stack in table 0, of type index `type`. */
  callIndirect(type: number): this { this.code.byte(Op.CallIndirect).u32(type).byte(0); return this; }
  begin(o: Op.Block | Op.Loop | Op.If): this { this.code.byte(o).byte(VOID); return this; }
  br(o: Op.Br | Op.BrIf, depth: number): this { this.code.byte(o).u32(depth); return this; }

  /** The body as the code section holds it: locals (run-length encoded), code, end. */
  encode(): Bytes {
    const out = new Bytes();
    const runs: [ValType, number][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[0] === t) last[1]++;
      else runs.push([t, 1]);
    }
    out.u32(runs.length);
    for (const [t, n] of runs) out.u32(n).byte(t);
    out.bytes(this.code.view()).byte(Op.End);
    return out;
  }
}

export interface FunctionType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** What a module imports besides functions: a memory `e.m` of exactly `pages` pages, and/or a funcref table `e.t`. */
export interface ModuleImports {
  readonly memory?: { readonly pages: number; readonly shared: boolean };
  readonly table?: boolean;
  readonly functions: readonly { name: string; type: FunctionType }[];
  /** Types the module's code names by index (call_indirect): they come first, from index 0. */
  readonly types?: readonly FunctionType[];
}

/**
 * A module with `imports`, defining functions each exported under its own name. Function indices count the imported
 * functions first; type indices follow the order types are first used: imported functions', then defined ones'.
 */
export function encodeModule(
  imports: ModuleImports, functions: readonly { name: string; type: FunctionType; body: FunctionBody }[],
): Uint8Array {
  const types: FunctionType[] = [];
  const typeIndex = (t: FunctionType): number => {
    const at = types.findIndex((u) => u.params.join() === t.params.join() && u.results.join() === t.results.join());
    if (at >= 0) return at;
    types.push(t);
    return types.length - 1;
  };
  for (const t of imports.types ?? []) typeIndex(t);
  const importTypes = imports.functions.map((i) => typeIndex(i.type));
  const functionTypes = functions.map((f) => typeIndex(f.type));

  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: Bytes): void => { out.byte(id).sized(body); };

  const typeSec = new Bytes().u32(types.length);
  for (const t of types) {
    typeSec.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  }
  section(1, typeSec);

  const importSec = new Bytes().u32(imports.functions.length + (imports.memory ? 1 : 0) + (imports.table ? 1 : 0));
  const memory = imports.memory;
  // The memory: exactly its current size (min = max), shared when the guest's RAM is.
  if (memory) importSec.name('e').name('m').byte(0x02).byte(memory.shared ? 0x03 : 0x01).u32(memory.pages).u32(memory.pages);
  // A growable table of functions (funcref, minimum 0).
  if (imports.table) importSec.name('e').name('t').byte(0x01).byte(0x70).byte(0x00).u32(0);
  imports.functions.forEach((imp, k) => { importSec.name('e').name(imp.name).byte(0x00).u32(importTypes[k]!); });
  section(2, importSec);

  const funcSec = new Bytes().u32(functions.length);
  for (const t of functionTypes) funcSec.u32(t);
  section(3, funcSec);

  const exportSec = new Bytes().u32(functions.length);
  functions.forEach((f, k) => { exportSec.name(f.name).byte(0x00).u32(imports.functions.length + k); });
  section(7, exportSec);

  const codeSec = new Bytes().u32(functions.length);
  for (const f of functions) codeSec.sized(f.body.encode());
  section(10, codeSec);
  return out.view().slice();
}
