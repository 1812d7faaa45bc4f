/** Encodings shared by the translator and the hart's slow paths. */

/** Memory access kinds for loads and stores: size in the low bits, plus flags. */
export const Kind = {
  SizeMask: 15,
  Unsigned: 16,
  Float: 32,
} as const;

/** Atomic operations, as passed to `Hart.amo`. */
export const Amo = {
  Lr: 0, Sc: 1, Swap: 2, Add: 3, Xor: 4, And: 5, Or: 6, Min: 7, Max: 8, MinU: 9, MaxU: 10,
} as const;

