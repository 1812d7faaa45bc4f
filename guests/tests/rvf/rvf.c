/*
 * RV64F: single-precision arithmetic in every rounding mode (static and dynamic), the five exception flags as
 * read from fflags and fcsr, frm/fsrm/fsflags, NaN-boxing (flw, fmv.w.x and arithmetic results seen through
 * fmv.x.d; improperly boxed operands read as the canonical NaN), canonical NaNs, fclass, conversions to and
 * from integers (saturation, sign extension of 32-bit results), fmin/fmax, compares, fused multiply-add,
 * flw/fsw.
 */
#include "../fp_common.h"

#define ONE     0x3f800000u
#define TWO     0x40000000u
#define THREE   0x40400000u
#define HALF    0x3f000000u
#define MAXF    0x7f7fffffu
#define MINN    0x00800000u   /* 2^-126 */
#define MINSUB  0x00000001u   /* 2^-149 */
#define INF     0x7f800000u
#define NINF    0xff800000u
#define QNAN    0x7fc00000u   /* canonical */
#define SNAN    0x7f800001u
#define NZERO   0x80000000u

static void arith(void)
{
    CHECK_FP("add exact", FOP2(R2("fadd.s"), BOX(0x3fc00000), BOX(0x40100000)), BOX(0x40700000), 0);
    CHECK_FP("sub exact", FOP2(R2("fsub.s"), BOX(ONE), BOX(THREE)), BOX(0xc0000000), 0);
    CHECK_FP("mul exact", FOP2(R2("fmul.s"), BOX(THREE), BOX(HALF)), BOX(0x3fc00000), 0);
    CHECK_FP("add inexact", FOP2(R2("fadd.s"), BOX(ONE), BOX(0x33800000)), BOX(ONE), NX); /* 1 + 2^-24: tie */
    CHECK_FP("add x-x rne", FOP2(R2("fsub.s"), BOX(THREE), BOX(THREE)), BOX(0), 0);
    CHECK_FP("add x-x rdn", FOP2(R2M("fsub.s", "rdn"), BOX(THREE), BOX(THREE)), BOX(NZERO), 0);

    /* 1/3 in every static rounding mode */
    CHECK_FP("div rne", FOP2(R2M("fdiv.s", "rne"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaab), NX);
    CHECK_FP("div rtz", FOP2(R2M("fdiv.s", "rtz"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaaa), NX);
    CHECK_FP("div rdn", FOP2(R2M("fdiv.s", "rdn"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaaa), NX);
    CHECK_FP("div rup", FOP2(R2M("fdiv.s", "rup"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaab), NX);
    CHECK_FP("div rmm", FOP2(R2M("fdiv.s", "rmm"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaab), NX);
    /* -1/3 through the dynamic mode */
    set_frm(RDN);
    CHECK_FP("div dyn rdn", FOP2(R2("fdiv.s"), BOX(0xbf800000), BOX(THREE)), BOX(0xbeaaaaab), NX);
    set_frm(RUP);
    CHECK_FP("div dyn rup", FOP2(R2("fdiv.s"), BOX(0xbf800000), BOX(THREE)), BOX(0xbeaaaaaa), NX);
    CHECK_FP("div static beats frm", FOP2(R2M("fdiv.s", "rtz"), BOX(ONE), BOX(THREE)), BOX(0x3eaaaaaa), NX);
    set_frm(RNE);

    /* ties: 1 + 3*2^-24 lies halfway between 1 + 2^-23 and 1 + 2^-22 */
    CHECK_FP("tie rne", FOP2(R2M("fadd.s", "rne"), BOX(ONE), BOX(0x34400000)), BOX(0x3f800002), NX);
    CHECK_FP("tie rmm", FOP2(R2M("fadd.s", "rmm"), BOX(ONE), BOX(0x34400000)), BOX(0x3f800002), NX);
    CHECK_FP("tie even rne", FOP2(R2M("fadd.s", "rne"), BOX(ONE), BOX(0x33800000)), BOX(ONE), NX);
    CHECK_FP("tie even rmm", FOP2(R2M("fadd.s", "rmm"), BOX(ONE), BOX(0x33800000)), BOX(0x3f800001), NX);

    CHECK_FP("sqrt 4", FOP1(R1("fsqrt.s"), BOX(0x40800000)), BOX(TWO), 0);
    CHECK_FP("sqrt 2 rne", FOP1(R1M("fsqrt.s", "rne"), BOX(TWO)), BOX(0x3fb504f3), NX);
    CHECK_FP("sqrt 2 rup", FOP1(R1M("fsqrt.s", "rup"), BOX(TWO)), BOX(0x3fb504f4), NX);
    CHECK_FP("sqrt -0", FOP1(R1("fsqrt.s"), BOX(NZERO)), BOX(NZERO), 0);
    CHECK_FP("sqrt -1", FOP1(R1("fsqrt.s"), BOX(0xbf800000)), BOX(QNAN), NV);
}

static void exceptions(void)
{
    CHECK_FP("overflow rne", FOP2(R2M("fmul.s", "rne"), BOX(MAXF), BOX(TWO)), BOX(INF), OF | NX);
    CHECK_FP("overflow rtz", FOP2(R2M("fmul.s", "rtz"), BOX(MAXF), BOX(TWO)), BOX(MAXF), OF | NX);
    CHECK_FP("overflow rdn", FOP2(R2M("fmul.s", "rdn"), BOX(MAXF), BOX(TWO)), BOX(MAXF), OF | NX);
    CHECK_FP("overflow rdn neg", FOP2(R2M("fmul.s", "rdn"), BOX(0xff7fffff), BOX(TWO)), BOX(NINF), OF | NX);
    CHECK_FP("overflow rup neg", FOP2(R2M("fmul.s", "rup"), BOX(0xff7fffff), BOX(TWO)), BOX(0xff7fffff), OF | NX);
    CHECK_FP("max+ulp rup", FOP2(R2M("fadd.s", "rup"), BOX(MAXF), BOX(ONE)), BOX(INF), OF | NX);
    CHECK_FP("max+ulp rne", FOP2(R2M("fadd.s", "rne"), BOX(MAXF), BOX(ONE)), BOX(MAXF), NX);

    CHECK_FP("subnormal exact", FOP2(R2("fmul.s"), BOX(MINN), BOX(HALF)), BOX(0x00400000), 0);
    CHECK_FP("underflow rne", FOP2(R2M("fmul.s", "rne"), BOX(MINSUB), BOX(HALF)), BOX(0), UF | NX);
    CHECK_FP("underflow rup", FOP2(R2M("fmul.s", "rup"), BOX(MINSUB), BOX(HALF)), BOX(MINSUB), UF | NX);
    CHECK_FP("underflow rmm", FOP2(R2M("fmul.s", "rmm"), BOX(MINSUB), BOX(HALF)), BOX(MINSUB), UF | NX);
    CHECK_FP("underflow rdn neg", FOP2(R2M("fmul.s", "rdn"), BOX(0x80000001), BOX(HALF)), BOX(0x80000001), UF | NX);
    /* (1 - 2^-24) * 2^-126 = 2^-126 - 2^-150: tiny after rounding (it has 24 bits), rounds to 2^-126 */
    CHECK_FP("tiny after rounding", FOP2(R2M("fmul.s", "rne"), BOX(0x3f7fffff), BOX(MINN)), BOX(MINN), UF | NX);
    CHECK_FP("tiny after rounding rtz", FOP2(R2M("fmul.s", "rtz"), BOX(0x3f7fffff), BOX(MINN)), BOX(0x007fffff),
             UF | NX);

    CHECK_FP("div by zero", FOP2(R2("fdiv.s"), BOX(ONE), BOX(0)), BOX(INF), DZ);
    CHECK_FP("div by -zero", FOP2(R2("fdiv.s"), BOX(ONE), BOX(NZERO)), BOX(NINF), DZ);
    CHECK_FP("inf div zero", FOP2(R2("fdiv.s"), BOX(INF), BOX(0)), BOX(INF), 0);
    CHECK_FP("zero div zero", FOP2(R2("fdiv.s"), BOX(0), BOX(0)), BOX(QNAN), NV);
    CHECK_FP("inf - inf", FOP2(R2("fsub.s"), BOX(INF), BOX(INF)), BOX(QNAN), NV);
    CHECK_FP("inf * 0", FOP2(R2("fmul.s"), BOX(INF), BOX(0)), BOX(QNAN), NV);
    CHECK_FP("snan add", FOP2(R2("fadd.s"), BOX(SNAN), BOX(ONE)), BOX(QNAN), NV);
    CHECK_FP("qnan payload add", FOP2(R2("fadd.s"), BOX(0xffc12345), BOX(ONE)), BOX(QNAN), 0);
}

static void csrs(void)
{
    uint64_t old;
    CSR_WRITE(fcsr, 0xff);
    CHECK_EQ("fcsr all", CSR_READ(fcsr), 0xff);
    CHECK_EQ("frm from fcsr", CSR_READ(frm), 7);
    CHECK_EQ("fflags from fcsr", CSR_READ(fflags), 0x1f);
    __asm__ volatile("fsrm %0, %1" : "=r"(old) : "r"((uint64_t)RTZ));
    CHECK_EQ("fsrm old", old, 7);
    __asm__ volatile("fsflags %0, %1" : "=r"(old) : "r"((uint64_t)0x3));
    CHECK_EQ("fsflags old", old, 0x1f);
    CHECK_EQ("fcsr after", CSR_READ(fcsr), (RTZ << 5) | 0x3);
    __asm__ volatile("fsrmi %0, 3" : "=r"(old));
    CHECK_EQ("fsrmi old", old, RTZ);
    __asm__ volatile("fsflagsi %0, 0" : "=r"(old));
    CHECK_EQ("fsflagsi old", old, 0x3);
    CHECK_EQ("frrm", CSR_READ(frm), RUP);
    /* flags accumulate until cleared */
    __asm__ volatile("fmv.w.x ft0, %0\n\tfmv.w.x ft1, %1\n\tfmv.w.x ft2, zero\n\t"
                     "fdiv.s ft3, ft0, ft1\n\tfdiv.s ft3, ft0, ft2" :: "r"(ONE), "r"(THREE) : FP_CLOBBER);
    CHECK_EQ("flags accrue", CSR_READ(fflags), NX | DZ);
    CHECK_EQ("fcsr accrue", CSR_READ(fcsr), (RUP << 5) | NX | DZ);
    CSR_WRITE(fcsr, 0);
    CHECK_EQ("fcsr cleared", CSR_READ(fcsr), 0);
}

static void boxing(void)
{
    static volatile uint32_t mem = 0x40490fdb;
    static volatile uint32_t out;
    uint64_t r;
    __asm__ volatile("flw ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "m"(mem) : FP_CLOBBER);
    CHECK_EQ("flw boxes", r, BOX(0x40490fdb));
    __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(0x123456783f800000ull) : FP_CLOBBER);
    CHECK_EQ("fmv.w.x boxes", r, BOX(ONE));
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsw ft0, %0" : "=m"(out) : "r"(0x12345678c0490fdbull) : FP_CLOBBER);
    CHECK_EQ("fsw low bits", out, 0xc0490fdb);
    CHECK_FP("fmv.x.w sext", XOP1(X1("fmv.x.w"), 0x12345678bf800000ull), 0xffffffffbf800000ull, 0);
    CHECK_FP("fmv.x.w positive", XOP1(X1("fmv.x.w"), BOX(ONE)), ONE, 0);
    /* improperly boxed operands are the canonical NaN */
    CHECK_FP("unboxed add", FOP2(R2("fadd.s"), 0x000000003f800000ull, BOX(ONE)), BOX(QNAN), 0);
    CHECK_FP("unboxed one bit", FOP2(R2("fadd.s"), 0xfffffffe3f800000ull, BOX(ONE)), BOX(QNAN), 0);
    CHECK_FP("unboxed sgnj", FOP2(R2("fsgnj.s"), 0x3f800000ull, BOX(0xbf800000)), BOX(0xffc00000), 0);
    CHECK_FP("unboxed fmv.s", FOP2("fmv.s ft3, ft0", 0x3f800000ull, 0), BOX(QNAN), 0);
    CHECK_FP("unboxed feq", XOP2(X2("feq.s"), 0x3f800000ull, 0x3f800000ull), 0, 0);
    CHECK_FP("unboxed flt", XOP2(X2("flt.s"), 0x3f800000ull, BOX(ONE)), 0, NV);
    CHECK_FP("unboxed class", XOP1(X1("fclass.s"), 0x3f800000ull), 0x200, 0);
    CHECK_FP("unboxed cvt.d.s", FOP1(R1("fcvt.d.s"), 0x3f800000ull), 0x7ff8000000000000ull, 0);
    CHECK_FP("unboxed cvt.w.s", XOP1(X1M("fcvt.w.s", "rtz"), 0x3f800000ull), 0x7fffffff, NV);
    CHECK_FP("result boxed", FOP2(R2("fmul.s"), BOX(TWO), BOX(TWO)), BOX(0x40800000), 0);
}

static void classify(void)
{
    CHECK_FP("class -inf", XOP1(X1("fclass.s"), BOX(NINF)), 1 << 0, 0);
    CHECK_FP("class -normal", XOP1(X1("fclass.s"), BOX(0xbf800000)), 1 << 1, 0);
    CHECK_FP("class -subnormal", XOP1(X1("fclass.s"), BOX(0x80000001)), 1 << 2, 0);
    CHECK_FP("class -0", XOP1(X1("fclass.s"), BOX(NZERO)), 1 << 3, 0);
    CHECK_FP("class +0", XOP1(X1("fclass.s"), BOX(0)), 1 << 4, 0);
    CHECK_FP("class +subnormal", XOP1(X1("fclass.s"), BOX(0x007fffff)), 1 << 5, 0);
    CHECK_FP("class +normal", XOP1(X1("fclass.s"), BOX(MAXF)), 1 << 6, 0);
    CHECK_FP("class +inf", XOP1(X1("fclass.s"), BOX(INF)), 1 << 7, 0);
    CHECK_FP("class snan", XOP1(X1("fclass.s"), BOX(0xff800001)), 1 << 8, 0);
    CHECK_FP("class qnan", XOP1(X1("fclass.s"), BOX(0xffc00000)), 1 << 9, 0);
}

static void convert(void)
{
    CHECK_FP("w 2.5 rne", XOP1(X1M("fcvt.w.s", "rne"), BOX(0x40200000)), 2, NX);
    CHECK_FP("w 2.5 rmm", XOP1(X1M("fcvt.w.s", "rmm"), BOX(0x40200000)), 3, NX);
    CHECK_FP("w 2.5 rup", XOP1(X1M("fcvt.w.s", "rup"), BOX(0x40200000)), 3, NX);
    CHECK_FP("w -2.5 rne", XOP1(X1M("fcvt.w.s", "rne"), BOX(0xc0200000)), -2, NX);
    CHECK_FP("w -2.5 rmm", XOP1(X1M("fcvt.w.s", "rmm"), BOX(0xc0200000)), -3, NX);
    CHECK_FP("w -2.5 rdn", XOP1(X1M("fcvt.w.s", "rdn"), BOX(0xc0200000)), -3, NX);
    CHECK_FP("w -2.5 rtz", XOP1(X1M("fcvt.w.s", "rtz"), BOX(0xc0200000)), -2, NX);
    set_frm(RUP);
    CHECK_FP("w dyn rup", XOP1(X1("fcvt.w.s"), BOX(0x3fc00000)), 2, NX);
    set_frm(RNE);
    CHECK_FP("w nan", XOP1(X1M("fcvt.w.s", "rtz"), BOX(QNAN)), 0x7fffffff, NV);
    CHECK_FP("w -nan", XOP1(X1M("fcvt.w.s", "rtz"), BOX(0xffc00000)), 0x7fffffff, NV);
    CHECK_FP("w inf", XOP1(X1M("fcvt.w.s", "rtz"), BOX(INF)), 0x7fffffff, NV);
    CHECK_FP("w -inf", XOP1(X1M("fcvt.w.s", "rtz"), BOX(NINF)), 0xffffffff80000000ull, NV);
    CHECK_FP("w 2^31", XOP1(X1M("fcvt.w.s", "rtz"), BOX(0x4f000000)), 0x7fffffff, NV);
    CHECK_FP("w -2^31", XOP1(X1M("fcvt.w.s", "rtz"), BOX(0xcf000000)), 0xffffffff80000000ull, 0);
    CHECK_FP("wu -1", XOP1(X1M("fcvt.wu.s", "rtz"), BOX(0xbf800000)), 0, NV);
    CHECK_FP("wu -0.5 rtz", XOP1(X1M("fcvt.wu.s", "rtz"), BOX(0xbf000000)), 0, NX);
    CHECK_FP("wu -0.5 rdn", XOP1(X1M("fcvt.wu.s", "rdn"), BOX(0xbf000000)), 0, NV);
    CHECK_FP("wu 3e9 sext", XOP1(X1M("fcvt.wu.s", "rtz"), BOX(0x4f32d05e)), 0xffffffffb2d05e00ull, 0);
    CHECK_FP("wu nan", XOP1(X1M("fcvt.wu.s", "rtz"), BOX(QNAN)), 0xffffffffffffffffull, NV);
    CHECK_FP("l 2^63", XOP1(X1M("fcvt.l.s", "rtz"), BOX(0x5f000000)), 0x7fffffffffffffffull, NV);
    CHECK_FP("l -2^63", XOP1(X1M("fcvt.l.s", "rtz"), BOX(0xdf000000)), 0x8000000000000000ull, 0);
    CHECK_FP("l big", XOP1(X1M("fcvt.l.s", "rtz"), BOX(0x5effffff)), 0x7fffff8000000000ull, 0);
    CHECK_FP("lu 2^64", XOP1(X1M("fcvt.lu.s", "rtz"), BOX(0x5f800000)), 0xffffffffffffffffull, NV);
    CHECK_FP("lu big", XOP1(X1M("fcvt.lu.s", "rtz"), BOX(0x5f7fffff)), 0xffffff0000000000ull, 0);
    CHECK_FP("lu -inf", XOP1(X1M("fcvt.lu.s", "rtz"), BOX(NINF)), 0, NV);

    CHECK_FP("s.w min", FOPX(FX("fcvt.s.w"), 0xffffffff80000000ull), BOX(0xcf000000), 0);
    CHECK_FP("s.w upper ignored", FOPX(FX("fcvt.s.w"), 0x1234567800000005ull), BOX(0x40a00000), 0);
    CHECK_FP("s.w max rne", FOPX(FXM("fcvt.s.w", "rne"), 0x7fffffff), BOX(0x4f000000), NX);
    CHECK_FP("s.w max rtz", FOPX(FXM("fcvt.s.w", "rtz"), 0x7fffffff), BOX(0x4effffff), NX);
    CHECK_FP("s.wu max rne", FOPX(FXM("fcvt.s.wu", "rne"), 0xffffffff), BOX(0x4f800000), NX);
    CHECK_FP("s.wu max rdn", FOPX(FXM("fcvt.s.wu", "rdn"), 0xffffffff), BOX(0x4f7fffff), NX);
    CHECK_FP("s.wu tie rmm", FOPX(FXM("fcvt.s.wu", "rmm"), 0x1000001), BOX(0x4b800001), NX);
    CHECK_FP("s.wu tie rne", FOPX(FXM("fcvt.s.wu", "rne"), 0x1000001), BOX(0x4b800000), NX);
    CHECK_FP("s.l max", FOPX(FXM("fcvt.s.l", "rne"), 0x7fffffffffffffffull), BOX(0x5f000000), NX);
    CHECK_FP("s.l max rtz", FOPX(FXM("fcvt.s.l", "rtz"), 0x7fffffffffffffffull), BOX(0x5effffff), NX);
    CHECK_FP("s.l -1", FOPX(FX("fcvt.s.l"), 0xffffffffffffffffull), BOX(0xbf800000), 0);
    CHECK_FP("s.lu max", FOPX(FXM("fcvt.s.lu", "rne"), 0xffffffffffffffffull), BOX(0x5f800000), NX);
    CHECK_FP("s.lu max rdn", FOPX(FXM("fcvt.s.lu", "rdn"), 0xffffffffffffffffull), BOX(0x5f7fffff), NX);
}

static void minmax_compare(void)
{
    CHECK_FP("min qnan", FOP2(R2("fmin.s"), BOX(QNAN), BOX(ONE)), BOX(ONE), 0);
    CHECK_FP("max qnan", FOP2(R2("fmax.s"), BOX(ONE), BOX(QNAN)), BOX(ONE), 0);
    CHECK_FP("min snan", FOP2(R2("fmin.s"), BOX(SNAN), BOX(ONE)), BOX(ONE), NV);
    CHECK_FP("max two nans", FOP2(R2("fmax.s"), BOX(0xffc00001), BOX(SNAN)), BOX(QNAN), NV);
    CHECK_FP("min -0 +0", FOP2(R2("fmin.s"), BOX(0), BOX(NZERO)), BOX(NZERO), 0);
    CHECK_FP("max -0 +0", FOP2(R2("fmax.s"), BOX(NZERO), BOX(0)), BOX(0), 0);
    CHECK_FP("min", FOP2(R2("fmin.s"), BOX(NINF), BOX(ONE)), BOX(NINF), 0);
    CHECK_FP("max", FOP2(R2("fmax.s"), BOX(TWO), BOX(THREE)), BOX(THREE), 0);
    CHECK_FP("feq", XOP2(X2("feq.s"), BOX(TWO), BOX(TWO)), 1, 0);
    CHECK_FP("feq zeros", XOP2(X2("feq.s"), BOX(NZERO), BOX(0)), 1, 0);
    CHECK_FP("feq qnan", XOP2(X2("feq.s"), BOX(QNAN), BOX(QNAN)), 0, 0);
    CHECK_FP("feq snan", XOP2(X2("feq.s"), BOX(SNAN), BOX(ONE)), 0, NV);
    CHECK_FP("flt", XOP2(X2("flt.s"), BOX(ONE), BOX(TWO)), 1, 0);
    CHECK_FP("flt zeros", XOP2(X2("flt.s"), BOX(NZERO), BOX(0)), 0, 0);
    CHECK_FP("flt qnan", XOP2(X2("flt.s"), BOX(ONE), BOX(QNAN)), 0, NV);
    CHECK_FP("fle", XOP2(X2("fle.s"), BOX(TWO), BOX(TWO)), 1, 0);
    CHECK_FP("fle qnan", XOP2(X2("fle.s"), BOX(QNAN), BOX(ONE)), 0, NV);
    CHECK_FP("fneg", FOP2("fneg.s ft3, ft0", BOX(ONE), 0), BOX(0xbf800000), 0);
    CHECK_FP("fabs", FOP2("fabs.s ft3, ft0", BOX(0xbf800000), 0), BOX(ONE), 0);
    CHECK_FP("sgnjn", FOP2(R2("fsgnjn.s"), BOX(ONE), BOX(ONE)), BOX(0xbf800000), 0);
    CHECK_FP("sgnjx", FOP2(R2("fsgnjx.s"), BOX(0xbf800000), BOX(0xc0000000)), BOX(ONE), 0);
    CHECK_FP("sgnj nan", FOP2(R2("fsgnj.s"), BOX(SNAN), BOX(NZERO)), BOX(0xff800001), 0);
}

static void fma(void)
{
    /* (1 + 2^-23)(1 - 2^-23) - 1 = -2^-46 exactly when fused (0 with a rounded product) */
    CHECK_FP("fmadd fused", FOP3(R3("fmadd.s"), BOX(0x3f800001), BOX(0x3f7ffffe), BOX(0xbf800000)),
             BOX(0xa8800000), 0);
    CHECK_FP("fmsub", FOP3(R3("fmsub.s"), BOX(TWO), BOX(THREE), BOX(ONE)), BOX(0x40a00000), 0);
    CHECK_FP("fnmsub", FOP3(R3("fnmsub.s"), BOX(TWO), BOX(THREE), BOX(ONE)), BOX(0xc0a00000), 0);
    CHECK_FP("fnmadd", FOP3(R3("fnmadd.s"), BOX(TWO), BOX(THREE), BOX(ONE)), BOX(0xc0e00000), 0);
    CHECK_FP("fmadd zero rne", FOP3(R3M("fmadd.s", "rne"), BOX(ONE), BOX(ONE), BOX(0xbf800000)), BOX(0), 0);
    CHECK_FP("fmadd zero rdn", FOP3(R3M("fmadd.s", "rdn"), BOX(ONE), BOX(ONE), BOX(0xbf800000)), BOX(NZERO), 0);
    CHECK_FP("fmadd inf*0+qnan", FOP3(R3("fmadd.s"), BOX(INF), BOX(0), BOX(QNAN)), BOX(QNAN), NV);
    CHECK_FP("fmadd 0*inf+1", FOP3(R3("fmadd.s"), BOX(0), BOX(NINF), BOX(ONE)), BOX(QNAN), NV);
    CHECK_FP("fmadd inf-inf", FOP3(R3("fmadd.s"), BOX(INF), BOX(ONE), BOX(NINF)), BOX(QNAN), NV);
    CHECK_FP("fmadd qnan", FOP3(R3("fmadd.s"), BOX(QNAN), BOX(ONE), BOX(ONE)), BOX(QNAN), 0);
    CHECK_FP("fmadd rup", FOP3(R3M("fmadd.s", "rup"), BOX(0x3f800001), BOX(0x3f800001), BOX(0)), BOX(0x3f800003),
             NX);
    CHECK_FP("fmadd rdn", FOP3(R3M("fmadd.s", "rdn"), BOX(0x3f800001), BOX(0x3f800001), BOX(0)), BOX(0x3f800002),
             NX);
    CHECK_FP("fmadd overflow", FOP3(R3("fmadd.s"), BOX(MAXF), BOX(TWO), BOX(0xff7fffff)), BOX(MAXF), 0);
}

int main(void)
{
    test_begin("rvf");
    arith();
    exceptions();
    csrs();
    boxing();
    classify();
    convert();
    minmax_compare();
    fma();
    return test_end();
}
