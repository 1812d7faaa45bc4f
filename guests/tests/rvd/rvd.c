/*
 * RV64D: double-precision arithmetic in every rounding mode (static and dynamic), the exception flags
 * (overflow per rounding mode, underflow with tininess detected after rounding), canonical NaNs, fclass,
 * conversions to and from integers (64-bit boundaries in every rounding mode) and to and from single
 * (rounding, NaN-boxing of the result), fmv.x.d/fmv.d.x bit transfers, fld/fsd, fmin/fmax, compares, fused
 * multiply-add.
 */
#include "../fp_common.h"

#define ONE     0x3ff0000000000000ull
#define NEG1    0xbff0000000000000ull
#define TWO     0x4000000000000000ull
#define THREE   0x4008000000000000ull
#define HALF    0x3fe0000000000000ull
#define MAXD    0x7fefffffffffffffull
#define NMAXD   0xffefffffffffffffull
#define MINN    0x0010000000000000ull   /* 2^-1022 */
#define MINSUB  0x0000000000000001ull   /* 2^-1074 */
#define INF     0x7ff0000000000000ull
#define NINF    0xfff0000000000000ull
#define QNAN    0x7ff8000000000000ull   /* canonical */
#define SNAN    0x7ff0000000000001ull
#define NZERO   0x8000000000000000ull
#define ONES    0xffffffffffffffffull

static void arith(void)
{
    CHECK_FP("add exact", FOP2(R2("fadd.d"), 0x3ff8000000000000ull, 0x4002000000000000ull), 0x400e000000000000ull,
             0);
    CHECK_FP("sub exact", FOP2(R2("fsub.d"), ONE, THREE), 0xc000000000000000ull, 0);
    CHECK_FP("mul exact", FOP2(R2("fmul.d"), THREE, HALF), 0x3ff8000000000000ull, 0);
    CHECK_FP("add 0.1+0.2", FOP2(R2("fadd.d"), 0x3fb999999999999aull, 0x3fc999999999999aull),
             0x3fd3333333333334ull, NX);
    CHECK_FP("sub x-x rne", FOP2(R2("fsub.d"), THREE, THREE), 0, 0);
    CHECK_FP("sub x-x rdn", FOP2(R2M("fsub.d", "rdn"), THREE, THREE), NZERO, 0);
    CHECK_FP("add -0+-0", FOP2(R2("fadd.d"), NZERO, NZERO), NZERO, 0);

    CHECK_FP("div rne", FOP2(R2M("fdiv.d", "rne"), ONE, THREE), 0x3fd5555555555555ull, NX);
    CHECK_FP("div rtz", FOP2(R2M("fdiv.d", "rtz"), ONE, THREE), 0x3fd5555555555555ull, NX);
    CHECK_FP("div rdn", FOP2(R2M("fdiv.d", "rdn"), ONE, THREE), 0x3fd5555555555555ull, NX);
    CHECK_FP("div rup", FOP2(R2M("fdiv.d", "rup"), ONE, THREE), 0x3fd5555555555556ull, NX);
    CHECK_FP("div rmm", FOP2(R2M("fdiv.d", "rmm"), ONE, THREE), 0x3fd5555555555555ull, NX);
    set_frm(RDN);
    CHECK_FP("div dyn rdn", FOP2(R2("fdiv.d"), NEG1, THREE), 0xbfd5555555555556ull, NX);
    set_frm(RUP);
    CHECK_FP("div dyn rup", FOP2(R2("fdiv.d"), NEG1, THREE), 0xbfd5555555555555ull, NX);
    CHECK_FP("div static beats frm", FOP2(R2M("fdiv.d", "rne"), ONE, THREE), 0x3fd5555555555555ull, NX);
    set_frm(RNE);

    /* 1 + 2^-53 is a tie between 1 and 1 + 2^-52 */
    CHECK_FP("tie rne", FOP2(R2M("fadd.d", "rne"), ONE, 0x3ca0000000000000ull), ONE, NX);
    CHECK_FP("tie rmm", FOP2(R2M("fadd.d", "rmm"), ONE, 0x3ca0000000000000ull), 0x3ff0000000000001ull, NX);
    CHECK_FP("tie rup", FOP2(R2M("fadd.d", "rup"), ONE, 0x3ca0000000000000ull), 0x3ff0000000000001ull, NX);
    CHECK_FP("tie rmm neg", FOP2(R2M("fsub.d", "rmm"), NEG1, 0x3ca0000000000000ull), 0xbff0000000000001ull, NX);
    CHECK_FP("tie odd rne", FOP2(R2M("fadd.d", "rne"), ONE, 0x3cb8000000000000ull), 0x3ff0000000000002ull, NX);
    /* (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104 */
    CHECK_FP("mul rne", FOP2(R2M("fmul.d", "rne"), 0x3ff0000000000001ull, 0x3ff0000000000001ull),
             0x3ff0000000000002ull, NX);
    CHECK_FP("mul rup", FOP2(R2M("fmul.d", "rup"), 0x3ff0000000000001ull, 0x3ff0000000000001ull),
             0x3ff0000000000003ull, NX);

    CHECK_FP("sqrt 9", FOP1(R1("fsqrt.d"), 0x4022000000000000ull), THREE, 0);
    CHECK_FP("sqrt 2 rne", FOP1(R1M("fsqrt.d", "rne"), TWO), 0x3ff6a09e667f3bcdull, NX);
    CHECK_FP("sqrt 2 rtz", FOP1(R1M("fsqrt.d", "rtz"), TWO), 0x3ff6a09e667f3bccull, NX);
    CHECK_FP("sqrt min subnormal", FOP1(R1("fsqrt.d"), MINSUB), 0x1e60000000000000ull, 0);
    CHECK_FP("sqrt -0", FOP1(R1("fsqrt.d"), NZERO), NZERO, 0);
    CHECK_FP("sqrt inf", FOP1(R1("fsqrt.d"), INF), INF, 0);
    CHECK_FP("sqrt -inf", FOP1(R1("fsqrt.d"), NINF), QNAN, NV);
    CHECK_FP("sqrt snan", FOP1(R1("fsqrt.d"), SNAN), QNAN, NV);
}

static void exceptions(void)
{
    CHECK_FP("overflow rne", FOP2(R2M("fmul.d", "rne"), MAXD, TWO), INF, OF | NX);
    CHECK_FP("overflow rtz", FOP2(R2M("fmul.d", "rtz"), MAXD, TWO), MAXD, OF | NX);
    CHECK_FP("overflow rup", FOP2(R2M("fmul.d", "rup"), MAXD, TWO), INF, OF | NX);
    CHECK_FP("overflow rdn", FOP2(R2M("fmul.d", "rdn"), MAXD, TWO), MAXD, OF | NX);
    CHECK_FP("overflow rdn neg", FOP2(R2M("fmul.d", "rdn"), NMAXD, TWO), NINF, OF | NX);
    CHECK_FP("overflow rup neg", FOP2(R2M("fmul.d", "rup"), NMAXD, TWO), NMAXD, OF | NX);
    CHECK_FP("overflow rmm neg", FOP2(R2M("fmul.d", "rmm"), NMAXD, TWO), NINF, OF | NX);
    CHECK_FP("add overflow", FOP2(R2("fadd.d"), MAXD, MAXD), INF, OF | NX);
    CHECK_FP("max+1 rup", FOP2(R2M("fadd.d", "rup"), MAXD, ONE), INF, OF | NX);
    CHECK_FP("max+1 rne", FOP2(R2M("fadd.d", "rne"), MAXD, ONE), MAXD, NX);

    CHECK_FP("subnormal exact", FOP2(R2("fmul.d"), MINN, HALF), 0x0008000000000000ull, 0);
    CHECK_FP("subnormal sub", FOP2(R2("fsub.d"), 0x0010000000000001ull, MINN), MINSUB, 0);
    CHECK_FP("underflow rne", FOP2(R2M("fmul.d", "rne"), MINSUB, HALF), 0, UF | NX);
    CHECK_FP("underflow rup", FOP2(R2M("fmul.d", "rup"), MINSUB, HALF), MINSUB, UF | NX);
    CHECK_FP("underflow rmm", FOP2(R2M("fmul.d", "rmm"), MINSUB, HALF), MINSUB, UF | NX);
    CHECK_FP("underflow div", FOP2(R2("fdiv.d"), MINN, 0x4340000000000000ull), 0, UF | NX);
    CHECK_FP("subnormal div", FOP2(R2("fdiv.d"), MINN, 0x4330000000000000ull), MINSUB, 0);
    /* (1 - 2^-53) * 2^-1022 = 2^-1022 - 2^-1075: tiny after rounding (53 bits), rounds up to 2^-1022 */
    CHECK_FP("tiny after rounding", FOP2(R2M("fmul.d", "rne"), 0x3fefffffffffffffull, MINN), MINN, UF | NX);
    CHECK_FP("tiny after rounding rtz", FOP2(R2M("fmul.d", "rtz"), 0x3fefffffffffffffull, MINN),
             0x000fffffffffffffull, UF | NX);
    /* (1 + 2^-27)(1 - 2^-27) * 2^-1022 = 2^-1022 - 2^-1076: rounds to 2^-1022 even with 53 bits: not tiny */
    CHECK_FP("not tiny after rounding", FOP2(R2M("fmul.d", "rne"), 0x0010000002000000ull, 0x3feffffffc000000ull),
             MINN, NX);
    CHECK_FP("not tiny rtz", FOP2(R2M("fmul.d", "rtz"), 0x0010000002000000ull, 0x3feffffffc000000ull),
             0x000fffffffffffffull, UF | NX);

    CHECK_FP("div by zero", FOP2(R2("fdiv.d"), NEG1, 0), NINF, DZ);
    CHECK_FP("zero div zero", FOP2(R2("fdiv.d"), NZERO, 0), QNAN, NV);
    CHECK_FP("inf div inf", FOP2(R2("fdiv.d"), INF, NINF), QNAN, NV);
    CHECK_FP("inf - inf", FOP2(R2("fadd.d"), INF, NINF), QNAN, NV);
    CHECK_FP("inf * 0", FOP2(R2("fmul.d"), 0, NINF), QNAN, NV);
    CHECK_FP("snan mul", FOP2(R2("fmul.d"), ONE, 0xfff4000000000000ull), QNAN, NV);
    CHECK_FP("qnan payload", FOP2(R2("fadd.d"), 0xfff8000000012345ull, ONE), QNAN, 0);
}

static void moves(void)
{
    static volatile uint64_t mem = 0x7ff0000000000001ull;
    static volatile uint64_t out;
    uint64_t r;
    __asm__ volatile("fld ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "m"(mem) : FP_CLOBBER);
    CHECK_EQ("fld raw", r, 0x7ff0000000000001ull);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsd ft0, %0" : "=m"(out) : "r"(0xfff0000012345678ull) : FP_CLOBBER);
    CHECK_EQ("fsd raw", out, 0xfff0000012345678ull);
    CHECK_FP("fmv.x.d snan", XOP1(X1("fmv.x.d"), SNAN), SNAN, 0);
    CHECK_FP("fmv.d.x payload", FOPX("fmv.d.x ft3, %1", 0xfff8000000012345ull), 0xfff8000000012345ull, 0);
    CHECK_FP("fmv.d", FOP2("fmv.d ft3, ft0", 0x7ff4000000000000ull, 0), 0x7ff4000000000000ull, 0);
    CHECK_FP("fneg.d", FOP2("fneg.d ft3, ft0", SNAN, 0), 0xfff0000000000001ull, 0);
    CHECK_FP("fabs.d", FOP2("fabs.d ft3, ft0", NINF, 0), INF, 0);
    CHECK_FP("sgnjx", FOP2(R2("fsgnjx.d"), NEG1, NEG1), ONE, 0);
    CHECK_FP("sgnjn", FOP2(R2("fsgnjn.d"), ONE, NZERO), ONE, 0);
    /* a double register used as a single is not NaN-boxed */
    CHECK_FP("double as single", FOP2(R2("fadd.s"), ONE, ONE), BOX(0x7fc00000), 0);
}

static void classify(void)
{
    CHECK_FP("class -inf", XOP1(X1("fclass.d"), NINF), 1 << 0, 0);
    CHECK_FP("class -normal", XOP1(X1("fclass.d"), NMAXD), 1 << 1, 0);
    CHECK_FP("class -subnormal", XOP1(X1("fclass.d"), 0x800fffffffffffffull), 1 << 2, 0);
    CHECK_FP("class -0", XOP1(X1("fclass.d"), NZERO), 1 << 3, 0);
    CHECK_FP("class +0", XOP1(X1("fclass.d"), 0), 1 << 4, 0);
    CHECK_FP("class +subnormal", XOP1(X1("fclass.d"), MINSUB), 1 << 5, 0);
    CHECK_FP("class +normal", XOP1(X1("fclass.d"), MINN), 1 << 6, 0);
    CHECK_FP("class +inf", XOP1(X1("fclass.d"), INF), 1 << 7, 0);
    CHECK_FP("class snan", XOP1(X1("fclass.d"), 0xfff7ffffffffffffull), 1 << 8, 0);
    CHECK_FP("class qnan", XOP1(X1("fclass.d"), QNAN), 1 << 9, 0);
}

static void convert_int(void)
{
    CHECK_FP("w 2.5 rne", XOP1(X1M("fcvt.w.d", "rne"), 0x4004000000000000ull), 2, NX);
    CHECK_FP("w 2.5 rmm", XOP1(X1M("fcvt.w.d", "rmm"), 0x4004000000000000ull), 3, NX);
    CHECK_FP("w -2.5 rdn", XOP1(X1M("fcvt.w.d", "rdn"), 0xc004000000000000ull), -3, NX);
    CHECK_FP("w -2.5 rup", XOP1(X1M("fcvt.w.d", "rup"), 0xc004000000000000ull), -2, NX);
    set_frm(RMM);
    CHECK_FP("w dyn rmm", XOP1(X1("fcvt.w.d"), 0xc004000000000000ull), -3, NX);
    set_frm(RNE);
    CHECK_FP("w 2^31-0.5 rtz", XOP1(X1M("fcvt.w.d", "rtz"), 0x41dfffffffe00000ull), 0x7fffffff, NX);
    CHECK_FP("w 2^31-0.5 rne", XOP1(X1M("fcvt.w.d", "rne"), 0x41dfffffffe00000ull), 0x7fffffff, NV);
    CHECK_FP("w -2^31-0.5 rtz", XOP1(X1M("fcvt.w.d", "rtz"), 0xc1e0000000100000ull), 0xffffffff80000000ull, NX);
    CHECK_FP("w -2^31-0.5 rdn", XOP1(X1M("fcvt.w.d", "rdn"), 0xc1e0000000100000ull), 0xffffffff80000000ull, NV);
    CHECK_FP("w nan", XOP1(X1("fcvt.w.d"), QNAN), 0x7fffffff, NV);
    CHECK_FP("w -inf", XOP1(X1("fcvt.w.d"), NINF), 0xffffffff80000000ull, NV);
    CHECK_FP("w tiny", XOP1(X1M("fcvt.w.d", "rup"), MINSUB), 1, NX);
    CHECK_FP("wu 2^32-0.5 rtz", XOP1(X1M("fcvt.wu.d", "rtz"), 0x41effffffff00000ull), ONES, NX);
    CHECK_FP("wu 2^32-0.5 rup", XOP1(X1M("fcvt.wu.d", "rup"), 0x41effffffff00000ull), ONES, NV);
    CHECK_FP("wu 2^31 sext", XOP1(X1("fcvt.wu.d"), 0x41e0000000000000ull), 0xffffffff80000000ull, 0);
    CHECK_FP("wu -0.9 rtz", XOP1(X1M("fcvt.wu.d", "rtz"), 0xbfeccccccccccccdull), 0, NX);
    CHECK_FP("wu -0.9 rne", XOP1(X1M("fcvt.wu.d", "rne"), 0xbfeccccccccccccdull), 0, NV);
    CHECK_FP("l 2^63", XOP1(X1("fcvt.l.d"), 0x43e0000000000000ull), 0x7fffffffffffffffull, NV);
    CHECK_FP("l below 2^63", XOP1(X1("fcvt.l.d"), 0x43dfffffffffffffull), 0x7ffffffffffffc00ull, 0);
    CHECK_FP("l -2^63", XOP1(X1("fcvt.l.d"), 0xc3e0000000000000ull), 0x8000000000000000ull, 0);
    CHECK_FP("l below -2^63", XOP1(X1("fcvt.l.d"), 0xc3e0000000000001ull), 0x8000000000000000ull, NV);
    CHECK_FP("l -1.5 rne", XOP1(X1M("fcvt.l.d", "rne"), 0xbff8000000000000ull), -2, NX);
    CHECK_FP("l nan", XOP1(X1("fcvt.l.d"), 0xfff8000000000000ull), 0x7fffffffffffffffull, NV);
    CHECK_FP("lu below 2^64", XOP1(X1("fcvt.lu.d"), 0x43efffffffffffffull), 0xfffffffffffff800ull, 0);
    CHECK_FP("lu 2^64", XOP1(X1("fcvt.lu.d"), 0x43f0000000000000ull), ONES, NV);
    CHECK_FP("lu -0", XOP1(X1("fcvt.lu.d"), NZERO), 0, 0);
    CHECK_FP("lu -1", XOP1(X1("fcvt.lu.d"), NEG1), 0, NV);
    CHECK_FP("lu 1e300", XOP1(X1("fcvt.lu.d"), 0x7e37e43c8800759cull), ONES, NV);

    CHECK_FP("d.w -1", FOPX(FX("fcvt.d.w"), ONES), NEG1, 0);
    CHECK_FP("d.w upper ignored", FOPX(FX("fcvt.d.w"), 0xabcdef0080000000ull), 0xc1e0000000000000ull, 0);
    CHECK_FP("d.wu max", FOPX(FX("fcvt.d.wu"), ONES), 0x41efffffffe00000ull, 0);
    /* 2^63 - 1 needs 63 bits: every rounding mode */
    CHECK_FP("d.l max rne", FOPX(FXM("fcvt.d.l", "rne"), 0x7fffffffffffffffull), 0x43e0000000000000ull, NX);
    CHECK_FP("d.l max rtz", FOPX(FXM("fcvt.d.l", "rtz"), 0x7fffffffffffffffull), 0x43dfffffffffffffull, NX);
    CHECK_FP("d.l max rdn", FOPX(FXM("fcvt.d.l", "rdn"), 0x7fffffffffffffffull), 0x43dfffffffffffffull, NX);
    CHECK_FP("d.l max rup", FOPX(FXM("fcvt.d.l", "rup"), 0x7fffffffffffffffull), 0x43e0000000000000ull, NX);
    CHECK_FP("d.l max rmm", FOPX(FXM("fcvt.d.l", "rmm"), 0x7fffffffffffffffull), 0x43e0000000000000ull, NX);
    CHECK_FP("d.l min", FOPX(FX("fcvt.d.l"), 0x8000000000000000ull), 0xc3e0000000000000ull, 0);
    CHECK_FP("d.l min+1 rdn", FOPX(FXM("fcvt.d.l", "rdn"), 0x8000000000000001ull), 0xc3e0000000000000ull, NX);
    CHECK_FP("d.l min+1 rup", FOPX(FXM("fcvt.d.l", "rup"), 0x8000000000000001ull), 0xc3dfffffffffffffull, NX);
    CHECK_FP("d.l 2^53+1 rne", FOPX(FXM("fcvt.d.l", "rne"), 0x20000000000001ull), 0x4340000000000000ull, NX);
    CHECK_FP("d.l 2^53+1 rmm", FOPX(FXM("fcvt.d.l", "rmm"), 0x20000000000001ull), 0x4340000000000001ull, NX);
    CHECK_FP("d.l 2^53-1", FOPX(FX("fcvt.d.l"), 0x1fffffffffffffull), 0x433fffffffffffffull, 0);
    set_frm(RTZ);
    CHECK_FP("d.lu max dyn rtz", FOPX(FX("fcvt.d.lu"), ONES), 0x43efffffffffffffull, NX);
    set_frm(RNE);
    CHECK_FP("d.lu max rne", FOPX(FX("fcvt.d.lu"), ONES), 0x43f0000000000000ull, NX);
    CHECK_FP("d.lu 2^63", FOPX(FX("fcvt.d.lu"), 0x8000000000000000ull), 0x43e0000000000000ull, 0);
}

static void convert_fp(void)
{
    CHECK_FP("s.d exact", FOP1(R1("fcvt.s.d"), 0x3ff8000000000000ull), BOX(0x3fc00000), 0);
    CHECK_FP("s.d 0.1 rne", FOP1(R1M("fcvt.s.d", "rne"), 0x3fb999999999999aull), BOX(0x3dcccccd), NX);
    CHECK_FP("s.d 0.1 rtz", FOP1(R1M("fcvt.s.d", "rtz"), 0x3fb999999999999aull), BOX(0x3dcccccc), NX);
    CHECK_FP("s.d tie rne", FOP1(R1M("fcvt.s.d", "rne"), 0x3ff0000010000000ull), BOX(0x3f800000), NX);
    CHECK_FP("s.d tie rmm", FOP1(R1M("fcvt.s.d", "rmm"), 0x3ff0000010000000ull), BOX(0x3f800001), NX);
    CHECK_FP("s.d overflow", FOP1(R1M("fcvt.s.d", "rne"), 0x47effffff0000000ull), BOX(0x7f800000), OF | NX);
    CHECK_FP("s.d overflow rtz", FOP1(R1M("fcvt.s.d", "rtz"), 0x47effffff0000000ull), BOX(0x7f7fffff), NX);
    CHECK_FP("s.d huge rtz", FOP1(R1M("fcvt.s.d", "rtz"), MAXD), BOX(0x7f7fffff), OF | NX);
    CHECK_FP("s.d not tiny", FOP1(R1M("fcvt.s.d", "rne"), 0x380ffffff0000000ull), BOX(0x00800000), NX);
    CHECK_FP("s.d tiny", FOP1(R1M("fcvt.s.d", "rne"), 0x380fffffe0000000ull), BOX(0x00800000), UF | NX);
    CHECK_FP("s.d subnormal", FOP1(R1("fcvt.s.d"), 0x36a0000000000000ull), BOX(0x00000001), 0);
    CHECK_FP("s.d underflow", FOP1(R1M("fcvt.s.d", "rup"), MINSUB), BOX(0x00000001), UF | NX);
    CHECK_FP("s.d underflow rne", FOP1(R1M("fcvt.s.d", "rne"), 0x8000000000000001ull), BOX(0x80000000), UF | NX);
    CHECK_FP("s.d inf", FOP1(R1("fcvt.s.d"), NINF), BOX(0xff800000), 0);
    CHECK_FP("s.d snan", FOP1(R1("fcvt.s.d"), SNAN), BOX(0x7fc00000), NV);
    CHECK_FP("s.d qnan", FOP1(R1("fcvt.s.d"), 0xfff8000000012345ull), BOX(0x7fc00000), 0);
    CHECK_FP("d.s exact", FOP1(R1("fcvt.d.s"), BOX(0x3dcccccd)), 0x3fb99999a0000000ull, 0);
    CHECK_FP("d.s subnormal", FOP1(R1("fcvt.d.s"), BOX(0x00000001)), 0x36a0000000000000ull, 0);
    CHECK_FP("d.s -inf", FOP1(R1("fcvt.d.s"), BOX(0xff800000)), NINF, 0);
    CHECK_FP("d.s snan", FOP1(R1("fcvt.d.s"), BOX(0xff800001)), QNAN, NV);
}

static void minmax_compare(void)
{
    CHECK_FP("min qnan", FOP2(R2("fmin.d"), QNAN, ONE), ONE, 0);
    CHECK_FP("max snan", FOP2(R2("fmax.d"), ONE, SNAN), ONE, NV);
    CHECK_FP("min two nans", FOP2(R2("fmin.d"), 0xfff8000000000001ull, QNAN), QNAN, 0);
    CHECK_FP("min -0 +0", FOP2(R2("fmin.d"), 0, NZERO), NZERO, 0);
    CHECK_FP("max -0 +0", FOP2(R2("fmax.d"), NZERO, 0), 0, 0);
    CHECK_FP("max -inf", FOP2(R2("fmax.d"), NINF, NMAXD), NMAXD, 0);
    CHECK_FP("min subnormals", FOP2(R2("fmin.d"), MINSUB, 0x8000000000000001ull), 0x8000000000000001ull, 0);
    CHECK_FP("feq", XOP2(X2("feq.d"), THREE, THREE), 1, 0);
    CHECK_FP("feq zeros", XOP2(X2("feq.d"), 0, NZERO), 1, 0);
    CHECK_FP("feq qnan", XOP2(X2("feq.d"), QNAN, ONE), 0, 0);
    CHECK_FP("feq snan", XOP2(X2("feq.d"), ONE, SNAN), 0, NV);
    CHECK_FP("flt", XOP2(X2("flt.d"), NINF, NMAXD), 1, 0);
    CHECK_FP("flt equal", XOP2(X2("flt.d"), ONE, ONE), 0, 0);
    CHECK_FP("flt qnan", XOP2(X2("flt.d"), QNAN, ONE), 0, NV);
    CHECK_FP("fle zeros", XOP2(X2("fle.d"), 0, NZERO), 1, 0);
    CHECK_FP("fle qnan", XOP2(X2("fle.d"), ONE, QNAN), 0, NV);
}

static void fma(void)
{
    /* (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly when fused */
    CHECK_FP("fmadd fused", FOP3(R3("fmadd.d"), 0x3ff0000000000001ull, 0x3feffffffffffffeull, NEG1),
             0xb970000000000000ull, 0);
    CHECK_FP("fmsub", FOP3(R3("fmsub.d"), TWO, THREE, ONE), 0x4014000000000000ull, 0);
    CHECK_FP("fnmsub", FOP3(R3("fnmsub.d"), TWO, THREE, ONE), 0xc014000000000000ull, 0);
    CHECK_FP("fnmadd", FOP3(R3("fnmadd.d"), TWO, THREE, ONE), 0xc01c000000000000ull, 0);
    CHECK_FP("fmadd zero rne", FOP3(R3M("fmadd.d", "rne"), TWO, HALF, NEG1), 0, 0);
    CHECK_FP("fmadd zero rdn", FOP3(R3M("fmadd.d", "rdn"), TWO, HALF, NEG1), NZERO, 0);
    CHECK_FP("fnmadd zeros", FOP3(R3("fnmadd.d"), 0, ONE, 0), NZERO, 0);
    /* (1 + 2^-52)^2 + 2^-104 in every mode: the addend breaks what would be a near-tie */
    CHECK_FP("fmadd rne", FOP3(R3M("fmadd.d", "rne"), 0x3ff0000000000001ull, 0x3ff0000000000001ull, ONE),
             0x4000000000000001ull, NX);
    CHECK_FP("fmadd rtz", FOP3(R3M("fmadd.d", "rtz"), 0x3ff0000000000001ull, 0x3ff0000000000001ull, ONE),
             0x4000000000000001ull, NX);
    CHECK_FP("fmadd rup", FOP3(R3M("fmadd.d", "rup"), 0x3ff0000000000001ull, 0x3ff0000000000001ull, ONE),
             0x4000000000000002ull, NX);
    /* 1 + 2^-53 + 2^-105: just above a tie, so RNE rounds up */
    CHECK_FP("fmadd above tie", FOP3(R3M("fmadd.d", "rne"), 0x3ca0000000000001ull, ONE, ONE),
             0x3ff0000000000001ull, NX);
    CHECK_FP("fmadd exact tie", FOP3(R3M("fmadd.d", "rne"), 0x3ca0000000000000ull, ONE, ONE), ONE, NX);
    CHECK_FP("fmadd exact tie rmm", FOP3(R3M("fmadd.d", "rmm"), 0x3ca0000000000000ull, ONE, ONE),
             0x3ff0000000000001ull, NX);
    CHECK_FP("fmadd inf*0+qnan", FOP3(R3("fmadd.d"), 0, INF, QNAN), QNAN, NV);
    CHECK_FP("fmadd inf*0+snan", FOP3(R3("fmadd.d"), INF, 0, SNAN), QNAN, NV);
    CHECK_FP("fmadd inf-inf", FOP3(R3("fmsub.d"), INF, ONE, INF), QNAN, NV);
    CHECK_FP("fmadd inf+inf", FOP3(R3("fmadd.d"), INF, ONE, INF), INF, 0);
    CHECK_FP("fmadd snan", FOP3(R3("fmadd.d"), ONE, ONE, SNAN), QNAN, NV);
    CHECK_FP("fmadd underflow", FOP3(R3("fmadd.d"), MINN, HALF, MINSUB), 0x0008000000000001ull, 0);
    CHECK_FP("fmadd tiny product", FOP3(R3M("fmadd.d", "rup"), MINSUB, MINSUB, ONE), 0x3ff0000000000001ull, NX);
    CHECK_FP("fmadd tiny product rne", FOP3(R3M("fmadd.d", "rne"), MINSUB, MINSUB, ONE), ONE, NX);
    CHECK_FP("fmadd overflow", FOP3(R3("fmadd.d"), MAXD, TWO, NMAXD), MAXD, 0);
    CHECK_FP("fmadd overflow rtz", FOP3(R3M("fmadd.d", "rtz"), MAXD, TWO, 0), MAXD, OF | NX);
}

int main(void)
{
    test_begin("rvd");
    arith();
    exceptions();
    moves();
    classify();
    convert_int();
    convert_fp();
    minmax_compare();
    fma();
    return test_end();
}
