/*
 * Litmus tests of the RVWMO memory model on 4 harts, 10,000 iterations each; every hart takes part in every test:
 *
 *  mp     message passing, two writer/reader pairs (harts 0+1, 2+3; the roles swap every iteration). Writer:
 *         data = v; fence w,w; flag = v. Reader: r1 = flag; fence r,r; r2 = data. Forbidden: r1 == v, r2 != v.
 *  sb     store buffering with fences, two pairs. A: x = v; fence rw,rw; r1 = y. B: y = v; fence rw,rw; r2 = x.
 *         Forbidden: r1 != v and r2 != v (neither saw the other's store).
 *  lr/sc  every hart increments a 64-bit counter with an lr.d/sc.d loop, a 32-bit one with lr.w/sc.w (its
 *         neighbouring word must stay as it was) and a third with amoadd.d, 10,000 times each: 40,000 at the end.
 *
 * v = iteration + 1 is a fresh value every iteration (instead of resetting the variables to 0), so a stale value
 * read is told from the current one; a load after the iteration's barrier must read this iteration's value or
 * the last one's (the barrier orders the older stores before it), anything else counts as forbidden too.
 *
 * Iterations start together: a sense-reversing barrier with AMOs. A waiter spins a bounded number of times (16 to
 * 512, adapting to how often spinning was enough), then announces itself in `sleepers` and sleeps in WFI with
 * sie.SSIE set (sstatus.SIE stays clear: the IPI only ends the WFI, no trap is taken); the last to arrive flips
 * the sense and sends an SBI IPI to the sleepers. Harts that really run in parallel (QEMU's MTTCG, tsvisor
 * --parallel) meet while spinning when the host has a core for each; a simulator that runs the harts one after
 * another does not pay a scheduler quantum of spinning per iteration. The four barriers between the tests only
 * spin (there are only four).
 *
 * Only the boot hart prints, after every hart is done; only counts of forbidden outcomes and final counter values
 * are checked, so the output does not depend on how the harts interleaved. (Whether the harts really overlapped,
 * e.g. an sc that failed, is not deterministic on QEMU and is not checked: with fewer host cores than harts, and
 * other load, QEMU's vCPU threads sometimes run the whole counter loop one after another. -DLITMUS_VERBOSE prints
 * such counts: the outcomes allowed, SC failures, how often a hart saw a counter move between its increments.)
 */
#include "test.h"
#include "sbi.h"

#define NHARTS 4
#define ITER 10000
#define SPIN_MIN 16       /* spins of a barrier waiter before it sleeps: adapts between these bounds */
#define SPIN_MAX 512
#define FOREVER (~0ul)    /* a waiter that never sleeps */
#define SBI_EXT_HSM 0x48534D
#define SIP_SSIP (1ul << 1)
#define SIE_SSIE (1ul << 1)

/* One variable per 64-byte line. */
struct line {
    volatile uint64_t v;
    uint64_t pad[7];
} __attribute__((aligned(64)));

/* The 32-bit counter and the word next to it. */
struct line32 {
    volatile uint32_t v;
    volatile uint32_t guard;
    uint64_t pad[7];
} __attribute__((aligned(64)));

#define GUARD 0x5a5aa5a5u

static struct line bar_count, bar_sense, bar_sleepers;
static struct line mp_data[2], mp_flag[2], sb_x[2], sb_y[2];
static struct line c64, camo;
static struct line32 c32 = { .guard = GUARD };

/* What the loads read, per pair (mp: the reader of that iteration) or per hart (sb). */
static uint64_t mp_r1[2][ITER], mp_r2[2][ITER];
static uint64_t sb_r[NHARTS][ITER];

/* Per-hart statistics (LITMUS_VERBOSE only prints them). */
struct stats {
    uint64_t sleeps, ipis, sc_fail64, sc_fail32, moved64, moved32, movedamo;
} __attribute__((aligned(64)));
static struct stats stats[NHARTS];

struct hart {
    uint64_t id;
    uint64_t sense;
    uint64_t spin;      /* the waiter's spin budget in the iterations' barriers */
};

#define FENCE(kind) __asm__ volatile("fence " kind ::: "memory")

static inline uint64_t amoadd_d(struct line *l, uint64_t v)
{
    uint64_t old;
    __asm__ volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(old) : "r"(&l->v), "r"(v) : "memory");
    return old;
}

enum { LAST, SPUN, SLEPT };

/* Wait for every hart: spin at most `spin` times, then sleep until an IPI. Returns how this hart got through. */
static int barrier(struct hart *me, uint64_t spin)
{
    uint64_t s = me->sense ^= 1;
    uint64_t bit = 1ul << me->id;
    if (amoadd_d(&bar_count, 1) == NHARTS - 1) {
        bar_count.v = 0;
        FENCE("rw,w");
        bar_sense.v = s;
        FENCE("rw,rw");   /* the flip before the read of sleepers (a sleeper announces itself, then reads) */
        uint64_t wake = bar_sleepers.v & ~bit;
        if (wake) {
            sbi_send_ipi(wake, 0);
            stats[me->id].ipis++;
        }
        return LAST;
    }
    for (uint64_t n = 0; n < spin; n++) {
        if (bar_sense.v == s) {
            FENCE("r,rw");
            return SPUN;
        }
    }
    __asm__ volatile("amoor.d.aqrl zero, %1, (%0)" ::"r"(&bar_sleepers.v), "r"(bit) : "memory");
    for (;;) {
        /* Clear a pending IPI (perhaps an old one), then look: an IPI sent after the look ends the WFI. */
        CSR_CLEAR(sip, SIP_SSIP);
        if (bar_sense.v == s) break;
        __asm__ volatile("wfi" ::: "memory");
        stats[me->id].sleeps++;
    }
    __asm__ volatile("amoand.d.aqrl zero, %1, (%0)" ::"r"(&bar_sleepers.v), "r"(~bit) : "memory");
    FENCE("r,rw");
    return SLEPT;
}

/*
 * The barrier that starts an iteration. A waiter's spin budget doubles when spinning was enough and halves when it
 * slept: where the harts really run at once they meet while spinning, where they run one after another (tsvisor's
 * deterministic mode, an overloaded host) the budget falls to SPIN_MIN and little time goes into spinning.
 */
static void iteration_barrier(struct hart *me)
{
    int how = barrier(me, me->spin);
    if (how == SPUN && me->spin < SPIN_MAX) me->spin *= 2;
    if (how == SLEPT && me->spin > SPIN_MIN) me->spin /= 2;
}

static void mp(struct hart *me)
{
    uint64_t pair = me->id >> 1, side = me->id & 1;
    volatile uint64_t *data = &mp_data[pair].v, *flag = &mp_flag[pair].v;
    for (uint64_t i = 0; i < ITER; i++) {
        uint64_t v = i + 1;
        iteration_barrier(me);
        if (side == (i & 1)) {
            __asm__ volatile("sd %0, 0(%1)\n\tfence w,w\n\tsd %0, 0(%2)" ::"r"(v), "r"(data), "r"(flag) : "memory");
        } else {
            uint64_t r1, r2;
            __asm__ volatile("ld %0, 0(%2)\n\tfence r,r\n\tld %1, 0(%3)"
                             : "=&r"(r1), "=&r"(r2) : "r"(flag), "r"(data) : "memory");
            mp_r1[pair][i] = r1;
            mp_r2[pair][i] = r2;
        }
    }
}

static void sb(struct hart *me)
{
    uint64_t pair = me->id >> 1, side = me->id & 1;
    volatile uint64_t *mine = side ? &sb_y[pair].v : &sb_x[pair].v;
    volatile uint64_t *other = side ? &sb_x[pair].v : &sb_y[pair].v;
    for (uint64_t i = 0; i < ITER; i++) {
        uint64_t v = i + 1, r;
        iteration_barrier(me);
        __asm__ volatile("sd %1, 0(%2)\n\tfence rw,rw\n\tld %0, 0(%3)" : "=&r"(r) : "r"(v), "r"(mine), "r"(other) : "memory");
        sb_r[me->id][i] = r;
    }
}

static void counters(struct hart *me)
{
    struct stats *st = &stats[me->id];
    uint64_t last64 = 0, last32 = 0, lastamo = 0;
    for (uint64_t i = 0; i < ITER; i++) {
        uint64_t n, f;
        __asm__ volatile("1: lr.d %0, (%3)\n\t"
                         "addi %0, %0, 1\n\t"
                         "sc.d %1, %0, (%3)\n\t"
                         "beqz %1, 2f\n\t"
                         "addi %2, %2, 1\n\t"
                         "j 1b\n"
                         "2:"
                         : "=&r"(n), "=&r"(f), "+r"(st->sc_fail64) : "r"(&c64.v) : "memory");
        if (i && n != last64 + 1) st->moved64++;
        last64 = n;
        __asm__ volatile("1: lr.w.aq %0, (%3)\n\t"
                         "addiw %0, %0, 1\n\t"
                         "sc.w.rl %1, %0, (%3)\n\t"
                         "beqz %1, 2f\n\t"
                         "addi %2, %2, 1\n\t"
                         "j 1b\n"
                         "2:"
                         : "=&r"(n), "=&r"(f), "+r"(st->sc_fail32) : "r"(&c32.v) : "memory");
        if (i && n != last32 + 1) st->moved32++;
        last32 = n;
        n = amoadd_d(&camo, 1) + 1;
        if (i && n != lastamo + 1) st->movedamo++;
        lastamo = n;
    }
}

/* Every hart, the boot hart included. */
static void run(uint64_t id)
{
    struct hart me = { .id = id, .sense = 0, .spin = SPIN_MAX / 2 };
    CSR_SET(sie, SIE_SSIE);
    /* The barriers between the tests only spin: every hart sees the flip at about the same time (a sleeper's IPI
     * wake-up would let the last to arrive do much of its counter loop alone). */
    barrier(&me, FOREVER);
    mp(&me);
    barrier(&me, FOREVER);
    sb(&me);
    barrier(&me, FOREVER);
    counters(&me);
    barrier(&me, FOREVER);
}

extern void secondary_entry(void);

void secondary_main(long hartid)
{
    run(hartid);
    sbi_ecall(SBI_EXT_HSM, 1, 0, 0, 0, 0, 0, 0); /* hart_stop: does not return */
}

/* A value a load after an iteration's barrier may read: this iteration's or the previous one's. */
static int recent(uint64_t r, uint64_t v) { return r == v || r == v - 1; }

int main(void)
{
    test_begin("litmus");
    CHECK("hsm present", sbi_probe_extension(SBI_EXT_HSM) != 0);
    for (long h = 0; h < NHARTS; h++) {
        if (h == (long)boot_hartid) continue;
        CHECK_EQ("hart_start", sbi_ecall(SBI_EXT_HSM, 0, h, (long)secondary_entry, 0, 0, 0, 0).error, 0);
    }
    run(boot_hartid);

    uint64_t mp_forbidden = 0, mp_stale = 0, sb_forbidden = 0, sb_stale = 0;
    uint64_t mp_new_new = 0, mp_old_new = 0, mp_old_old = 0, sb_new_new = 0, sb_one_new = 0;
    for (int p = 0; p < 2; p++) {
        for (uint64_t i = 0; i < ITER; i++) {
            uint64_t v = i + 1;
            uint64_t r1 = mp_r1[p][i], r2 = mp_r2[p][i];
            if (!recent(r1, v) || !recent(r2, v)) mp_stale++;
            else if (r1 == v && r2 != v) mp_forbidden++;
            else if (r1 == v) mp_new_new++;
            else if (r2 == v) mp_old_new++;
            else mp_old_old++;
            r1 = sb_r[2 * p][i], r2 = sb_r[2 * p + 1][i];
            if (!recent(r1, v) || !recent(r2, v)) sb_stale++;
            else if (r1 != v && r2 != v) sb_forbidden++;
            else if (r1 == v && r2 == v) sb_new_new++;
            else sb_one_new++;
        }
    }
    CHECK_EQ("mp: no reader saw the new flag and old data", mp_forbidden, 0);
    CHECK_EQ("mp: every value read is this iteration's or the last one's", mp_stale, 0);
    CHECK_EQ("sb: no pair where both read the old value", sb_forbidden, 0);
    CHECK_EQ("sb: every value read is this iteration's or the last one's", sb_stale, 0);
    CHECK_EQ("lr.d/sc.d counter", c64.v, NHARTS * ITER);
    CHECK_EQ("lr.w/sc.w counter", c32.v, NHARTS * ITER);
    CHECK_EQ("lr.w/sc.w left the next word alone", c32.guard, GUARD);
    CHECK_EQ("amoadd.d counter", camo.v, NHARTS * ITER);
#ifdef LITMUS_VERBOSE
    printf("info mp: new flag+new data %lu, old flag+new data %lu, old flag+old data %lu\n", mp_new_new, mp_old_new, mp_old_old);
    printf("info sb: both new %lu, one new %lu\n", sb_new_new, sb_one_new);
    for (int h = 0; h < NHARTS; h++) {
        struct stats *s = &stats[h];
        printf("info hart %d: sleeps %lu ipis %lu sc.d fails %lu sc.w fails %lu moved d %lu w %lu amo %lu\n", h,
               s->sleeps, s->ipis, s->sc_fail64, s->sc_fail32, s->moved64, s->moved32, s->movedamo);
    }
#else
    (void)mp_new_new, (void)mp_old_new, (void)mp_old_old, (void)sb_new_new, (void)sb_one_new;
#endif
    return test_end();
}
