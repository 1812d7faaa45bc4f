/*
 * FPU test-vector generator guest for tsvisor's src/vcpu/riscv/fpu.ts.
 *
 * Runs on qemu-system-riscv64 (-M virt, OpenSBI) and prints, for every F and D
 * instruction, a list of input tuples and the result bits and fflags that the
 * hart produced in every rounding mode (set with fsrm; the instructions use the
 * dynamic rounding mode).  Inputs are edge cases plus pseudo-random values from
 * a fixed-seed xorshift generator, so the output is reproducible.
 *
 * Output format (see ../README.md):
 *   @name SRC>DST R      section header: SRC is one letter per source operand,
 *                        DST the destination kind (D double, S single, X integer),
 *                        R is 1 when the op rounds (five results per line follow).
 *   in... res...         one tuple; every result token is HEX[/FLAGS] or "=" (same
 *                        as the previous rounding mode's token).
 * Numbers are lower-case hex without leading zeros; integers (X) are signed.
 * A single-precision register value is its low 32 bits when properly NaN-boxed,
 * otherwise "u" followed by the full 64-bit register value.
 */
#include <stdint.h>

typedef uint64_t u64;
typedef int64_t i64;
typedef uint32_t u32;

/* ---------------------------------------------------------------- SBI console */
static void sbi_putchar(int c)
{
    register long a0 __asm__("a0") = c;
    register long a7 __asm__("a7") = 1;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
}

static void __attribute__((noreturn)) sbi_shutdown(void)
{
    register long a0 __asm__("a0") = 0;
    register long a1 __asm__("a1") = 0;
    register long a6 __asm__("a6") = 0;
    register long a7 __asm__("a7") = 0x53525354;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

static void puts_(const char *s)
{
    while (*s)
        sbi_putchar(*s++);
}

static void puthex(u64 v)
{
    char buf[17];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        sbi_putchar(buf[--n]);
}

static void putdec(u64 v)
{
    char buf[21];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        sbi_putchar(buf[--n]);
}

/* ---------------------------------------------------------------- PRNG */
static u64 rng_state = 0x2545F4914F6CDD1DULL;

static u64 rnd(void)
{
    u64 x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static u32 rndn(u32 n) { return (u32)((rnd() >> 32) % n); }
static int rndr(int lo, int hi) { return lo + (int)rndn((u32)(hi - lo + 1)); }

/* ---------------------------------------------------------------- instructions */
typedef u64 (*opfn)(u64 a, u64 b, u64 c, u64 *fl);

#define CLOB "ft0", "ft1", "ft2", "ft3", "memory"

#define FN_F_FF(name, insn)                                                              \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        (void)c;                                                                         \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t"   \
                         insn " ft3, ft0, ft1\n\tfrflags %1\n\tfmv.x.d %0, ft3"          \
                         : "=&r"(r), "=&r"(f) : "r"(a), "r"(b) : CLOB);                  \
        *fl = f;                                                                         \
        return r;                                                                        \
    }
#define FN_F_FFF(name, insn)                                                             \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft2, %4\n\t"     \
                         "csrw fflags, zero\n\t" insn " ft3, ft0, ft1, ft2\n\t"          \
                         "frflags %1\n\tfmv.x.d %0, ft3"                                 \
                         : "=&r"(r), "=&r"(f) : "r"(a), "r"(b), "r"(c) : CLOB);          \
        *fl = f;                                                                         \
        return r;                                                                        \
    }
#define FN_F_F(name, insn)                                                               \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        (void)b;                                                                         \
        (void)c;                                                                         \
        __asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" insn " ft3, ft0\n\t" \
                         "frflags %1\n\tfmv.x.d %0, ft3"                                 \
                         : "=&r"(r), "=&r"(f) : "r"(a) : CLOB);                          \
        *fl = f;                                                                         \
        return r;                                                                        \
    }
#define FN_X_FF(name, insn)                                                              \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        (void)c;                                                                         \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t"   \
                         insn " %0, ft0, ft1\n\tfrflags %1"                              \
                         : "=&r"(r), "=&r"(f) : "r"(a), "r"(b) : CLOB);                  \
        *fl = f;                                                                         \
        return r;                                                                        \
    }
#define FN_X_F(name, insn)                                                               \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        (void)b;                                                                         \
        (void)c;                                                                         \
        __asm__ volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" insn " %0, ft0\n\t"  \
                         "frflags %1"                                                    \
                         : "=&r"(r), "=&r"(f) : "r"(a) : CLOB);                          \
        *fl = f;                                                                         \
        return r;                                                                        \
    }
#define FN_F_X(name, insn)                                                               \
    static u64 op_##name(u64 a, u64 b, u64 c, u64 *fl)                                   \
    {                                                                                    \
        u64 r, f;                                                                        \
        (void)b;                                                                         \
        (void)c;                                                                         \
        __asm__ volatile("csrw fflags, zero\n\t" insn " ft3, %2\n\t"                     \
                         "frflags %1\n\tfmv.x.d %0, ft3"                                 \
                         : "=&r"(r), "=&r"(f) : "r"(a) : CLOB);                          \
        *fl = f;                                                                         \
        return r;                                                                        \
    }

#define OPS_PREC(P)                                   \
    FN_F_FF(fadd_##P, "fadd." #P)                     \
    FN_F_FF(fsub_##P, "fsub." #P)                     \
    FN_F_FF(fmul_##P, "fmul." #P)                     \
    FN_F_FF(fdiv_##P, "fdiv." #P)                     \
    FN_F_F(fsqrt_##P, "fsqrt." #P)                    \
    FN_F_FF(fmin_##P, "fmin." #P)                     \
    FN_F_FF(fmax_##P, "fmax." #P)                     \
    FN_F_FFF(fmadd_##P, "fmadd." #P)                  \
    FN_F_FFF(fmsub_##P, "fmsub." #P)                  \
    FN_F_FFF(fnmsub_##P, "fnmsub." #P)                \
    FN_F_FFF(fnmadd_##P, "fnmadd." #P)                \
    FN_F_FF(fsgnj_##P, "fsgnj." #P)                   \
    FN_F_FF(fsgnjn_##P, "fsgnjn." #P)                 \
    FN_F_FF(fsgnjx_##P, "fsgnjx." #P)                 \
    FN_X_FF(feq_##P, "feq." #P)                       \
    FN_X_FF(flt_##P, "flt." #P)                       \
    FN_X_FF(fle_##P, "fle." #P)                       \
    FN_X_F(fclass_##P, "fclass." #P)                  \
    FN_X_F(fcvt_w_##P, "fcvt.w." #P)                  \
    FN_X_F(fcvt_wu_##P, "fcvt.wu." #P)                \
    FN_X_F(fcvt_l_##P, "fcvt.l." #P)                  \
    FN_X_F(fcvt_lu_##P, "fcvt.lu." #P)                \
    FN_F_X(fcvt_##P##_w, "fcvt." #P ".w")             \
    FN_F_X(fcvt_##P##_wu, "fcvt." #P ".wu")           \
    FN_F_X(fcvt_##P##_l, "fcvt." #P ".l")             \
    FN_F_X(fcvt_##P##_lu, "fcvt." #P ".lu")

OPS_PREC(s)
OPS_PREC(d)
FN_X_F(fmv_x_w, "fmv.x.w")
FN_F_X(fmv_w_x, "fmv.w.x")
FN_X_F(fmv_x_d, "fmv.x.d")
FN_F_X(fmv_d_x, "fmv.d.x")
FN_F_F(fcvt_s_d, "fcvt.s.d")
FN_F_F(fcvt_d_s, "fcvt.d.s")

/* ---------------------------------------------------------------- formats */
struct fmt {
    int ebits, mbits, bias; /* mbits: stored fraction bits */
};
static const struct fmt FD = {11, 52, 1023};
static const struct fmt FS = {8, 23, 127};

static u64 mk(const struct fmt *f, int sign, int bexp, u64 mant)
{
    mant &= (1ULL << f->mbits) - 1;
    return ((u64)(sign & 1) << (f->ebits + f->mbits)) | ((u64)bexp << f->mbits) | mant;
}
static int emaxb(const struct fmt *f) { return (1 << f->ebits) - 1; } /* all-ones exponent */
static int bexp_of(const struct fmt *f, u64 v) { return (int)((v >> f->mbits) & (u64)emaxb(f)); }
static u64 mant_of(const struct fmt *f, u64 v) { return v & ((1ULL << f->mbits) - 1); }
static int clampexp(const struct fmt *f, int e)
{
    if (e < 0)
        return 0;
    if (e > emaxb(f) - 1)
        return emaxb(f) - 1;
    return e;
}

static u64 rand_mant(const struct fmt *f)
{
    int m = f->mbits;
    u64 all = (1ULL << m) - 1;
    switch (rndn(10)) {
    case 0: /* sparse: a few bits */
    {
        u64 v = 0;
        int k = rndr(0, 3);
        while (k--)
            v |= 1ULL << rndn((u32)m);
        return v;
    }
    case 1: /* only the top few bits */
        return (rnd() & all) & ~((1ULL << (m - rndr(1, 8))) - 1);
    case 2: /* all ones with a few bits cleared */
        return all & ~(rndn(2) ? (1ULL << rndn((u32)m)) : 0) & ~(rndn(2) ? (u64)rndn(4) : 0);
    case 3: /* small low part */
        return (rnd() & ((1ULL << rndr(1, 6)) - 1)) | (rndn(2) ? (1ULL << (m - 1)) : 0);
    default:
        return rnd() & all;
    }
}

/* edge values */
static const u64 EDGE_D[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x7ff0000000000000ULL, 0xfff0000000000000ULL,
    0x7ff8000000000000ULL, 0xfff8000000000000ULL, 0x7ff0000000000001ULL, 0xfff4000000000000ULL,
    0x0000000000000001ULL, 0x8000000000000001ULL, 0x000fffffffffffffULL, 0x0010000000000000ULL,
    0x8010000000000000ULL, 0x7fefffffffffffffULL, 0xffefffffffffffffULL, 0x3ff0000000000000ULL,
    0xbff0000000000000ULL, 0x3ff8000000000000ULL, 0x4000000000000000ULL, 0x3fe0000000000000ULL,
    0x4008000000000000ULL, 0x3ff0000000000001ULL, 0x3fefffffffffffffULL, 0x3fb999999999999aULL,
    0xc01c000000000000ULL, 0x7fe0000000000000ULL, 0x0018000000000000ULL, 0x3fd5555555555555ULL,
};
static const u64 EDGE_S[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xffa00000,
    0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
    0xbf800000, 0x3fc00000, 0x40000000, 0x3f000000, 0x40400000, 0x3f800001, 0x3f7fffff, 0x3dcccccd,
    0xc0e00000, 0x7f000000, 0x00c00000, 0x3eaaaaab,
};
#define NEDGE (sizeof(EDGE_D) / sizeof(EDGE_D[0]))

static u64 edge(const struct fmt *f, unsigned i) { return f == &FD ? EDGE_D[i] : EDGE_S[i]; }

/* a "generic" random value of the format */
static u64 rand_val(const struct fmt *f)
{
    int s = rndn(2);
    switch (rndn(20)) {
    case 0:
    case 1:
        return edge(f, rndn(NEDGE));
    case 2:
        return rnd() & (f == &FD ? ~0ULL : 0xffffffffULL);
    case 3:
        return mk(f, s, 0, rand_mant(f)); /* subnormal */
    case 4:
        return mk(f, s, rndr(1, 3), rand_mant(f));
    case 5:
        return mk(f, s, emaxb(f) - rndr(1, 3), rand_mant(f));
    default:
        return mk(f, s, f->bias + rndr(-40, 40), rand_mant(f));
    }
}

static u64 rand_finite(const struct fmt *f)
{
    u64 v;
    do
        v = rand_val(f);
    while (bexp_of(f, v) == emaxb(f));
    return v;
}

/* value with a given biased exponent (clamped), random sign and mantissa */
static u64 rand_exp(const struct fmt *f, int bexp) { return mk(f, rndn(2), clampexp(f, bexp), rand_mant(f)); }

/* ---------------------------------------------------------------- single <-> double helpers */
static double d_of(u64 v)
{
    union { u64 u; double d; } x = {.u = v};
    return x.d;
}
static u64 bits_of_d(double d)
{
    union { u64 u; double d; } x = {.d = d};
    return x.u;
}
static float s_of(u64 v)
{
    union { u32 u; float f; } x = {.u = (u32)v};
    return x.f;
}
static u64 bits_of_s(float f)
{
    union { u32 u; float f; } x = {.f = f};
    return x.u;
}

/* ---------------------------------------------------------------- tuple generators */
enum { K_D, K_S, K_X };
enum { G_ADD, G_MUL, G_DIV, G_SQRT, G_FMA, G_CMP, G_UNARY, G_TOINT, G_FROMW, G_FROML, G_MVX, G_CVTSD, G_CVTDS };

struct op {
    const char *name;
    opfn fn;
    const char *sig; /* e.g. "DD>D" */
    int rounds;
    int gen;
    int nrand;
};

#define MAXT 4096
static u64 T[MAXT][3];
static int nt;

static void add3(u64 a, u64 b, u64 c)
{
    if (nt < MAXT) {
        T[nt][0] = a;
        T[nt][1] = b;
        T[nt][2] = c;
        nt++;
    }
}

/* product/quotient helpers for correlated operands */
static u64 neg_product(const struct fmt *f, u64 a, u64 b)
{
    if (f == &FD) {
        u64 p = bits_of_d(-(d_of(a) * d_of(b)));
        if (rndn(2))
            p += (u64)rndr(-3, 3);
        return p;
    }
    /* single: the product is exact in double; round it to single and perturb */
    u64 p = bits_of_s((float)(-((double)s_of(a) * (double)s_of(b))));
    if (rndn(2))
        p = (u32)(p + (u64)rndr(-3, 3));
    return p;
}

static void gen_tuples(const struct fmt *f, int gen, int nrand)
{
    unsigned i, j;
    int k;
    int mb = f->mbits;
    nt = 0;
    switch (gen) {
    case G_ADD:
    case G_MUL:
    case G_DIV:
    case G_CMP:
        for (i = 0; i < NEDGE; i++)
            for (j = 0; j < NEDGE; j++)
                add3(edge(f, i), edge(f, j), 0);
        for (k = 0; k < nrand; k++) {
            u64 a = rand_finite(f), b;
            int ea = bexp_of(f, a), c = (int)rndn(10);
            if (c < 2)
                b = rand_val(f);
            else if (gen == G_ADD || gen == G_CMP) {
                if (c < 7)
                    b = rand_exp(f, ea + rndr(-(mb + 8), mb + 8));
                else /* cancellation: same magnitude, tweaked */
                    b = (a ^ ((u64)rndn(2) << (f->ebits + mb))) + (u64)rndr(-4, 4) * (rndn(2) ? 1 : (1ULL << rndn((u32)mb)));
                if (gen == G_CMP && c == 9)
                    b = rndn(2) ? a : (a ^ (1ULL << (f->ebits + mb)));
            } else {
                /* target result exponent (biased) */
                int emin_t = 1 - mb - 3, t;
                int r = (int)rndn(10);
                if (r < 5)
                    t = f->bias + rndr(-30, 30);
                else if (r < 8)
                    t = rndr(emin_t, 3); /* subnormal / underflow boundary */
                else
                    t = emaxb(f) - rndr(0, 3); /* overflow boundary */
                if (ea == 0)
                    ea = 1;
                int eb = gen == G_MUL ? t - ea + f->bias : ea - t + f->bias;
                if (eb < 1 || eb > emaxb(f) - 1) {
                    /* move a instead */
                    eb = clampexp(f, eb);
                    if (eb == 0) eb = 1;
                    ea = gen == G_MUL ? t - eb + f->bias : t + eb - f->bias;
                    a = rand_exp(f, ea);
                }
                b = rand_exp(f, eb);
                if (rndn(8) == 0) /* subnormal operand */
                    b = mk(f, rndn(2), 0, rand_mant(f));
            }
            add3(a, b, 0);
        }
        break;
    case G_SQRT:
    case G_UNARY:
        for (i = 0; i < NEDGE; i++)
            add3(edge(f, i), 0, 0);
        for (k = 0; k < nrand; k++) {
            u64 a = rand_val(f);
            if (gen == G_SQRT) {
                int c = (int)rndn(10);
                if (c < 6) /* mostly positive */
                    a &= ~(1ULL << (f->ebits + mb));
                if (c == 6) { /* exact squares */
                    u64 m = rnd() & ((1ULL << (mb / 2)) - 1);
                    int e = rndr(-60, 60);
                    if (f == &FD) {
                        double x = (double)((1ULL << (mb / 2)) | m);
                        x = x * x;
                        a = bits_of_d(x) + ((u64)e << 52);
                    } else {
                        float x = (float)((1ULL << (mb / 2)) | m);
                        x = x * x;
                        a = (u32)(bits_of_s(x) + ((u64)(e / 2) << 23));
                    }
                }
            }
            add3(a, 0, 0);
        }
        break;
    case G_FMA:
        for (k = 0; k < 300; k++)
            add3(edge(f, rndn(NEDGE)), edge(f, rndn(NEDGE)), edge(f, rndn(NEDGE)));
        for (k = 0; k < nrand; k++) {
            u64 a = rand_finite(f), b, c;
            int ea = bexp_of(f, a), r = (int)rndn(10);
            if (ea == 0)
                ea = 1;
            if (r < 6)
                b = rand_exp(f, f->bias + rndr(-20, 20));
            else if (r < 8)
                b = rand_exp(f, (1 - mb - 3 + rndr(0, mb + 8)) - ea + f->bias); /* tiny product */
            else if (r < 9)
                b = rand_exp(f, emaxb(f) - rndr(0, 2) - ea + f->bias); /* huge product */
            else
                b = rand_val(f);
            int ep = bexp_of(f, a) + bexp_of(f, b) - f->bias;
            r = (int)rndn(20);
            if (r < 8)
                c = rand_exp(f, ep + rndr(-2 * mb - 10, 2 * mb + 10));
            else if (r < 13)
                c = neg_product(f, a, b);
            else if (r < 15)
                c = rand_val(f);
            else if (r < 16)
                c = edge(f, rndn(NEDGE));
            else if (r < 18)
                c = mk(f, rndn(2), rndr(0, 2), rand_mant(f));
            else
                c = rand_exp(f, ep + rndr(-3, 3));
            add3(a, b, c);
        }
        break;
    case G_TOINT: {
        static const double ed[] = {
            0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
            0.5000000000000001, 1.0, -1.0, 0.3, -0.3, 0.7, -0.7, 2147483647.0, 2147483647.5,
            2147483648.0, 2147483648.5, 2147483646.5, -2147483648.0, -2147483648.5, -2147483649.0,
            -2147483648.75, -2147483647.5, 4294967295.0, 4294967295.5, 4294967296.0, 4294967296.5,
            4294967294.5, 9223372036854775808.0, 9223372036854774784.0, -9223372036854775808.0,
            -9223372036854777856.0, 18446744073709551616.0, 18446744073709549568.0,
            18446744073709555712.0, 4503599627370495.5, 9007199254740992.0, 1e300, -1e300};
        static const float es[] = {
            0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f,
            0.50000006f, 1.0f, -1.0f, 0.3f, -0.3f, 0.7f, -0.7f, 2147483520.0f, 2147483648.0f,
            2147483904.0f, -2147483648.0f, -2147483904.0f, -2147483520.0f, 4294967040.0f,
            4294967296.0f, 4294967808.0f, 9223371487098961920.0f, 9223372036854775808.0f,
            -9223372036854775808.0f, -9223373136366403584.0f, 18446742974197923840.0f,
            18446744073709551616.0f, 8388607.5f, 16777216.0f, 1e30f, -1e30f};
        if (f == &FD)
            for (i = 0; i < sizeof ed / sizeof ed[0]; i++)
                add3(bits_of_d(ed[i]), 0, 0);
        else
            for (i = 0; i < sizeof es / sizeof es[0]; i++)
                add3(bits_of_s(es[i]), 0, 0);
        for (i = 0; i < NEDGE; i++)
            add3(edge(f, i), 0, 0);
        for (k = 0; k < nrand; k++) {
            u64 a;
            int c = (int)rndn(10);
            if (c < 7)
                a = rand_exp(f, f->bias + rndr(-3, 66));
            else if (c < 9) { /* x.5 ties and neighbours, near 2^31/2^32/2^63/2^64 too */
                int e = rndr(0, 64);
                if (e > mb)
                    e = mb;
                a = mk(f, rndn(2), f->bias + e, rand_mant(f));
                /* set the bit of value 1/2 and clear everything below it */
                if (e >= 1) {
                    u64 half = 1ULL << (mb - e - 1 < 0 ? 0 : mb - e - 1);
                    if (mb - e - 1 >= 0)
                        a = (a & ~(half - 1)) | half;
                    if (rndn(3) == 0)
                        a += (u64)rndr(-1, 1);
                }
            } else
                a = rand_val(f);
            add3(a, 0, 0);
        }
        break;
    }
    case G_FROMW:
    case G_FROML: {
        static const u64 ei[] = {
            0, 1, ~0ULL, 2, 0x7fffffffULL, 0x80000000ULL, 0xffffffff80000000ULL, 0xffffffffULL,
            0x100000000ULL, 0x1fffffffffffffULL, 0x20000000000000ULL, 0x20000000000001ULL,
            0x20000000000003ULL, 0x40000000000006ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
            0x8000000000000001ULL, 0xfffffffffffffffeULL, 0x7ffffffffffffc00ULL, 0x7ffffffffffffe00ULL,
            0x7ffffffffffffdffULL, 0x1000001ULL, 0x1000003ULL, 0x2000006ULL, 0x7fffff80ULL, 0x7fffffc0ULL,
            0x7fffffbfULL, 0xffffff80ULL, 0xffffffc0ULL, 0xffffff40ULL, 0xffffffffff000001ULL,
            0xfffffffffefffffdULL, 0x123456789abcdef0ULL, 0xdeadbeef00000005ULL, 0xffffffff7fffffffULL,
            0xffffffe000000001ULL, 0x8000008000000000ULL, 0x8000004000000000ULL, 0x8000004000000001ULL};
        for (i = 0; i < sizeof ei / sizeof ei[0]; i++)
            add3(ei[i], 0, 0);
        for (k = 0; k < nrand; k++) {
            u64 v;
            int c = (int)rndn(10);
            if (c < 3)
                v = rnd();
            else if (c < 6)
                v = rnd() >> rndn(64);
            else if (c < 8) { /* two or three bits: ties */
                int hi = rndr(1, 63), lo = rndr(0, hi);
                v = (1ULL << hi) | (1ULL << lo);
                if (rndn(2))
                    v |= 1ULL << rndr(0, lo);
            } else /* high bits + ties at exactly 24/53 bits */
            {
                int p = rndn(2) ? 24 : 53;
                int hi = rndr(p, 63);
                v = (rnd() | (1ULL << 63)) >> (63 - hi);
                v &= ~((1ULL << (hi - p)) - 1);
                v |= 1ULL << (hi - p);
                if (rndn(3) == 0)
                    v += (u64)rndr(-1, 1);
            }
            if (rndn(2))
                v = (u64)(-(i64)v);
            if (gen == G_FROMW && rndn(2)) /* .w forms: garbage in the upper half */
                v = (v & 0xffffffffULL) | (rnd() << 32);
            add3(v, 0, 0);
        }
        break;
    }
    case G_MVX: /* fmv.w.x / fmv.d.x: integer bit patterns */
        for (k = 0; k < nrand; k++) {
            u64 v = rnd();
            if (rndn(2))
                v = rand_val(f) | (rndn(2) ? 0xffffffff00000000ULL : 0);
            add3(v, 0, 0);
        }
        break;
    case G_CVTSD: { /* double -> single */
        static const u64 ed[] = {
            0x47efffffe0000000ULL, /* FLT_MAX */
            0x47effffff0000000ULL, /* FLT_MAX + half ulp (tie) */
            0x47effffff0000001ULL, 0x47efffffefffffffULL, 0x47f0000000000000ULL, /* 2^128 */
            0x47efffffffffffffULL, 0x3810000000000000ULL, /* 2^-126 */
            0x380ffffff0000000ULL,                        /* 2^-126 - 2^-151: rounds up, not tiny */
            0x380fffffe0000000ULL,                        /* 2^-126 - 2^-150: tiny, RNE -> 2^-126 */
            0x380fffffefffffffULL, 0x380ffffff0000001ULL, 0x36a0000000000000ULL, /* 2^-149 */
            0x3690000000000000ULL,                                               /* 2^-150 */
            0x3690000000000001ULL, 0x368fffffffffffffULL, 0x36b8000000000000ULL, /* 3*2^-149 */
            0x36a8000000000000ULL,                                               /* 1.5*2^-149 */
            0x3680000000000000ULL, 0x0000000000000001ULL, 0x3ff0000010000000ULL, /* 1 + 2^-24 tie */
            0x3ff0000030000000ULL, 0x3ff0000010000001ULL, 0x3ff000000fffffffULL};
        for (i = 0; i < sizeof ed / sizeof ed[0]; i++) {
            add3(ed[i], 0, 0);
            add3(ed[i] | (1ULL << 63), 0, 0);
        }
        for (i = 0; i < NEDGE; i++)
            add3(EDGE_D[i], 0, 0);
        for (k = 0; k < nrand; k++) {
            u64 a;
            int c = (int)rndn(10);
            if (c < 6)
                a = rand_exp(&FD, 1023 + rndr(-155, 130));
            else if (c < 8) { /* ties at 24 bits and neighbours */
                a = rand_exp(&FD, 1023 + rndr(-152, 128));
                a = (a & ~0x1fffffffULL) | 0x10000000ULL;
                a += (u64)rndr(-1, 1);
            } else
                a = rand_val(&FD);
            add3(a, 0, 0);
        }
        break;
    }
    case G_CVTDS:
        for (i = 0; i < NEDGE; i++)
            add3(EDGE_S[i], 0, 0);
        for (k = 0; k < nrand; k++)
            add3(rand_val(&FS), 0, 0);
        break;
    }
}

/* ---------------------------------------------------------------- output */
static u64 nvectors;

static void put_x(u64 v)
{
    if ((i64)v < 0) {
        sbi_putchar('-');
        puthex((u64)(-(i64)v));
    } else
        puthex(v);
}

static void put_val(char kind, u64 v)
{
    if (kind == 'S') {
        if ((v >> 32) == 0xffffffffULL)
            puthex(v & 0xffffffffULL);
        else {
            sbi_putchar('u');
            puthex(v);
        }
    } else if (kind == 'X')
        put_x(v);
    else
        puthex(v);
}

/* single operands get NaN-boxed, except for a few deliberately bad boxes */
static u64 box_input(u64 v, int idx)
{
    u64 r = rnd();
    (void)idx;
    if ((r & 63) == 0)
        return (v & 0xffffffffULL) | ((r >> 8) << 32); /* random upper half */
    if ((r & 63) == 1)
        return v & 0xffffffffULL; /* upper half zero */
    if ((r & 63) == 2)
        return (v & 0xffffffffULL) | 0xfffffffe00000000ULL; /* one bit off */
    return (v & 0xffffffffULL) | 0xffffffff00000000ULL;
}

static void run_op(const struct op *o)
{
    const struct fmt *f;
    int nsrc = 0, t, m;
    char dk;
    const char *p;
    for (p = o->sig; *p != '>'; p++)
        nsrc++;
    dk = p[1];
    /* which format drives the generator: single if any operand is single */
    if (o->gen == G_CVTSD)
        f = &FD;
    else if (o->gen == G_CVTDS)
        f = &FS;
    else {
        f = &FD;
        for (p = o->sig; *p; p++)
            if (*p == 'S')
                f = &FS;
    }

    __asm__ volatile("fsrmi 0");
    gen_tuples(f, o->gen, o->nrand);
    /* box single inputs */
    for (t = 0; t < nt; t++)
        for (m = 0; m < nsrc; m++)
            if (o->sig[m] == 'S')
                T[t][m] = box_input(T[t][m], m);

    puts_("@");
    puts_(o->name);
    sbi_putchar(' ');
    puts_(o->sig);
    puts_(o->rounds ? " 1\n" : " 0\n");

    static u64 res[5][2];
    for (t = 0; t < nt; t++) {
        int nrm = o->rounds ? 5 : 1;
        for (m = 0; m < nrm; m++) {
            u64 fl;
            __asm__ volatile("fsrm %0" ::"r"((u64)m));
            res[m][0] = o->fn(T[t][0], T[t][1], T[t][2], &fl);
            res[m][1] = fl;
        }
        __asm__ volatile("fsrmi 0");
        for (m = 0; m < nsrc; m++) {
            put_val(o->sig[m], T[t][m]);
            sbi_putchar(' ');
        }
        for (m = 0; m < nrm; m++) {
            if (m)
                sbi_putchar(' ');
            if (m && res[m][0] == res[m - 1][0] && res[m][1] == res[m - 1][1])
                sbi_putchar('=');
            else {
                put_val(dk, res[m][0]);
                if (res[m][1]) {
                    sbi_putchar('/');
                    puthex(res[m][1]);
                }
            }
        }
        sbi_putchar('\n');
        nvectors += (u64)nrm;
    }
}

#define R(name, sig, rounds, gen, n) {#name, op_##name, sig, rounds, gen, n}
static const struct op OPS[] = {
    R(fadd_s, "SS>S", 1, G_ADD, 700), R(fsub_s, "SS>S", 1, G_ADD, 500),
    R(fmul_s, "SS>S", 1, G_MUL, 700), R(fdiv_s, "SS>S", 1, G_DIV, 700),
    R(fsqrt_s, "S>S", 1, G_SQRT, 600), R(fmin_s, "SS>S", 0, G_CMP, 300),
    R(fmax_s, "SS>S", 0, G_CMP, 300), R(fmadd_s, "SSS>S", 1, G_FMA, 1200),
    R(fmsub_s, "SSS>S", 1, G_FMA, 400), R(fnmsub_s, "SSS>S", 1, G_FMA, 400),
    R(fnmadd_s, "SSS>S", 1, G_FMA, 400), R(fsgnj_s, "SS>S", 0, G_CMP, 100),
    R(fsgnjn_s, "SS>S", 0, G_CMP, 100), R(fsgnjx_s, "SS>S", 0, G_CMP, 100),
    R(feq_s, "SS>X", 0, G_CMP, 300), R(flt_s, "SS>X", 0, G_CMP, 300),
    R(fle_s, "SS>X", 0, G_CMP, 300), R(fclass_s, "S>X", 0, G_UNARY, 300),
    R(fcvt_w_s, "S>X", 1, G_TOINT, 450), R(fcvt_wu_s, "S>X", 1, G_TOINT, 450),
    R(fcvt_l_s, "S>X", 1, G_TOINT, 450), R(fcvt_lu_s, "S>X", 1, G_TOINT, 450),
    R(fcvt_s_w, "X>S", 1, G_FROMW, 450), R(fcvt_s_wu, "X>S", 1, G_FROMW, 450),
    R(fcvt_s_l, "X>S", 1, G_FROML, 450), R(fcvt_s_lu, "X>S", 1, G_FROML, 450),
    R(fmv_x_w, "S>X", 0, G_UNARY, 200), R(fmv_w_x, "X>S", 0, G_MVX, 200),

    R(fadd_d, "DD>D", 1, G_ADD, 700), R(fsub_d, "DD>D", 1, G_ADD, 500),
    R(fmul_d, "DD>D", 1, G_MUL, 700), R(fdiv_d, "DD>D", 1, G_DIV, 700),
    R(fsqrt_d, "D>D", 1, G_SQRT, 600), R(fmin_d, "DD>D", 0, G_CMP, 300),
    R(fmax_d, "DD>D", 0, G_CMP, 300), R(fmadd_d, "DDD>D", 1, G_FMA, 1200),
    R(fmsub_d, "DDD>D", 1, G_FMA, 400), R(fnmsub_d, "DDD>D", 1, G_FMA, 400),
    R(fnmadd_d, "DDD>D", 1, G_FMA, 400), R(fsgnj_d, "DD>D", 0, G_CMP, 100),
    R(fsgnjn_d, "DD>D", 0, G_CMP, 100), R(fsgnjx_d, "DD>D", 0, G_CMP, 100),
    R(feq_d, "DD>X", 0, G_CMP, 300), R(flt_d, "DD>X", 0, G_CMP, 300),
    R(fle_d, "DD>X", 0, G_CMP, 300), R(fclass_d, "D>X", 0, G_UNARY, 300),
    R(fcvt_w_d, "D>X", 1, G_TOINT, 450), R(fcvt_wu_d, "D>X", 1, G_TOINT, 450),
    R(fcvt_l_d, "D>X", 1, G_TOINT, 450), R(fcvt_lu_d, "D>X", 1, G_TOINT, 450),
    R(fcvt_d_w, "X>D", 0, G_FROMW, 200), R(fcvt_d_wu, "X>D", 0, G_FROMW, 200),
    R(fcvt_d_l, "X>D", 1, G_FROML, 450), R(fcvt_d_lu, "X>D", 1, G_FROML, 450),
    R(fmv_x_d, "D>X", 0, G_UNARY, 200), R(fmv_d_x, "X>D", 0, G_MVX, 200),
    R(fcvt_s_d, "D>S", 1, G_CVTSD, 900), R(fcvt_d_s, "S>D", 0, G_CVTDS, 300),
};

int main(void)
{
    unsigned i;
    puts_("\nBEGIN-FPU-VECTORS\n");
    puts_("# RISC-V F/D vectors from test/vcpu/riscv/fpu-vectors/gen (QEMU, OpenSBI); rm order RNE RTZ RDN RUP RMM\n");
    for (i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
        run_op(&OPS[i]);
    puts_("# vectors ");
    putdec(nvectors);
    puts_("\nEND-FPU-VECTORS\n");
    sbi_shutdown();
}
