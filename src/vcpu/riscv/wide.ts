/**
 * 64-bit arithmetic on values for the code templates (codegen.ts), which keep registers in locals and so cannot
 * use alu.ts's register-file functions on their hot paths.
 */

/** The high word of the unsigned 64-bit product of the 32-bit words `a` and `b` (as an int32). */
export function mulhu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p01 = a0 * b1, p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}
