/*
 * Helpers shared by the F and D tests (rvf, rvd): run one instruction on raw 64-bit register images with
 * fflags cleared just before it, and check its result bits and the fflags it raised.
 *
 * FP sources are loaded with fmv.d.x (all 64 bits, so single operands can be NaN-boxed or not) and FP results
 * are read back with fmv.x.d, so the NaN-boxing of single results is checked too. The instruction text may
 * carry a static rounding mode ("fadd.s", "rtz"); without one it uses the dynamic mode in frm.
 */
#ifndef GUESTS_FP_COMMON_H
#define GUESTS_FP_COMMON_H

#include "test.h"

#define NX 0x01
#define UF 0x02
#define OF 0x04
#define DZ 0x08
#define NV 0x10

#define RNE 0
#define RTZ 1
#define RDN 2
#define RUP 3
#define RMM 4

/* a NaN-boxed single */
#define BOX(x) (0xffffffff00000000ull | (uint32_t)(x))

#define FP_CLOBBER "ft0", "ft1", "ft2", "ft3", "memory"

/* FP <- op(FP, FP[, FP]) */
#define FOP1(insn, a) ({ uint64_t r_; __asm__ volatile( \
    "fmv.d.x ft0, %1\n\tcsrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft3" \
    : "=r"(r_) : "r"((uint64_t)(a)) : FP_CLOBBER); r_; })
#define FOP2(insn, a, b) ({ uint64_t r_; __asm__ volatile( \
    "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tcsrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft3" \
    : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : FP_CLOBBER); r_; })
#define FOP3(insn, a, b, c) ({ uint64_t r_; __asm__ volatile( \
    "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft2, %3\n\tcsrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft3" \
    : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c)) : FP_CLOBBER); r_; })
/* X <- op(FP[, FP]) */
#define XOP1(insn, a) ({ uint64_t r_; __asm__ volatile( \
    "fmv.d.x ft0, %1\n\tcsrw fflags, zero\n\t" insn \
    : "=&r"(r_) : "r"((uint64_t)(a)) : FP_CLOBBER); r_; })
#define XOP2(insn, a, b) ({ uint64_t r_; __asm__ volatile( \
    "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tcsrw fflags, zero\n\t" insn \
    : "=&r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)) : FP_CLOBBER); r_; })
/* FP <- op(X) */
#define FOPX(insn, a) ({ uint64_t r_; __asm__ volatile( \
    "csrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft3" \
    : "=r"(r_) : "r"((uint64_t)(a)) : FP_CLOBBER); r_; })

/* Operand templates: the FP result goes to ft3, sources are ft0, ft1, ft2 (or %1 for an integer). */
#define R2(op) op " ft3, ft0, ft1"
#define R2M(op, rm) op " ft3, ft0, ft1, " rm
#define R1(op) op " ft3, ft0"
#define R1M(op, rm) op " ft3, ft0, " rm
#define R3(op) op " ft3, ft0, ft1, ft2"
#define R3M(op, rm) op " ft3, ft0, ft1, ft2, " rm
#define X1(op) op " %0, ft0"
#define X1M(op, rm) op " %0, ft0, " rm
#define X2(op) op " %0, ft0, ft1"
#define FX(op) op " ft3, %1"
#define FXM(op, rm) op " ft3, %1, " rm

static inline uint64_t fflags_now(void) { return CSR_READ(fflags); }
static inline void set_frm(unsigned rm) { __asm__ volatile("fsrm %0" :: "r"((uint64_t)rm)); }

/* One check of a result and one of its flags: "<name>" and "<name> flags". */
#define CHECK_FP(name, expr, want, want_flags) do { \
    uint64_t got_ = (expr); uint64_t fl_ = fflags_now(); \
    CHECK_EQ(name, got_, want); CHECK_EQ(name " flags", fl_, want_flags); \
} while (0)

#endif
