/*
 * Litmus tests of the RVWMO memory model on 4 harts, 10,000 iterations each:
 *
 *  mp     message passing, two writer/reader pairs (harts 0+1, then 2+3; the roles swap every iteration). Writer:
 *         data = v; fence w,w; flag = v. Reader: r1 = flag; fence r,r; r2 = data. Forbidden: r1 == v, r2 != v.
 *  sb     store buffering with fences, the same two pairs. A: x = v; fence rw,rw; r1 = y. B: y = v; fence rw,rw;
 *         r2 = x. Forbidden: r1 != v and r2 != v (neither saw the other's store).
 *  lr/sc  every hart increments a 64-bit counter with an lr.d/sc.d loop, a 32-bit one with lr.w/sc.w (its
 *         neighbouring word must stay as it was) and a third with amoadd.d, 10,000 times each: 40,000 at the end.
 *
 * v = iteration + 1 is a fresh value every iteration (instead of resetting the variables to 0), so a stale value
 * read is told from the current one; a load after the iteration's barrier must read this iteration's value or
 * the last one's (the barrier orders the older stores before it), anything else counts as forbidden too.
 *
 * Racing tightly. The outcome a missing fence allows only shows when the two harts of a pair run their stores and
 * loads within a few dozen nanoseconds of each other, on host threads of their own:
 *  - mp and sb run one pair at a time: harts 0+1 race while 2 and 3 sleep in WFI, then 2+3 while 0 and 1 sleep.
 *    tsvisor --parallel puts VCPU i on worker thread i mod the number of workers (with 2 workers, harts 0 and 2 on
 *    one, 1 and 3 on the other; a worker runs one of its harts at a time), so each racing hart has a thread to
 *    itself: its pair mate is on the other worker and its worker mate is asleep.
 *  - The pair starts every iteration with a barrier of its own whose waiter spins first (see iteration_start), so
 *    where both run at once both leave it within a few dozen instructions (a WFI wake-up by IPI takes tens of
 *    microseconds). Then each hart waits 0 to 15 loop turns (side 0: iteration mod 16, side 1: iteration / 16 mod
 *    16), which sweeps the pair's relative timing over a window around "both at once".
 *  - sb's lead stores: before its store to x or y each hart stores v to the 16 lines of its pair's sb_lead, which
 *    the other hart stores to as well. They do not change the test (the fence orders the store to x or y before the
 *    load either way), but on a host whose stores leave its store buffer in order (x86) they keep the store to x or
 *    y buffered while each of them waits for its line to come from the other core. Without them, a tsvisor whose
 *    FENCE does nothing still showed no forbidden outcome with the harts overlapping: between a guest store and
 *    the next load the emulator takes longer than the host takes to drain one store.
 *
 * The barriers are sense-reversing, with AMOs. A waiter spins for a bounded time, then announces itself in
 * the barrier's `sleepers` and sleeps in WFI with sie.SSIE set (sstatus.SIE stays clear: the IPI only ends the
 * WFI, no trap is taken); the last to arrive flips the sense and sends an SBI IPI to the sleepers. So a simulator
 * that runs the harts one after another (tsvisor's deterministic mode) does not pay a scheduler quantum of spinning
 * per iteration. The idle pair waits in the four-hart barrier without spinning; the four-hart barriers before and
 * after the counters only spin, so that all four start the counters together (a sleeper's IPI wake-up would let
 * the last to arrive do much of its counter loop alone).
 *
 * Only the boot hart prints, after every hart is done; only counts of forbidden outcomes and final counter values
 * are checked, so the output does not depend on how the harts interleaved. (Whether the harts really overlapped,
 * e.g. an sc that failed, is not deterministic on QEMU and is not checked: with fewer host cores than harts, and
 * other load, QEMU's vCPU threads sometimes run the whole counter loop one after another. -DLITMUS_VERBOSE prints
 * such counts: the outcomes allowed, barrier sleeps, SC failures, how often a hart saw a counter move between its
 * increments.)
 */
#include "test.h"
#include "sbi.h"

#define NHARTS 4
#define NPAIRS (NHARTS / 2)
#define ITER 10000
/* A pair barrier waiter's patience, in ticks of the time CSR (10 MHz on QEMU virt and tsvisor: 100 ns): */
#define WAIT_MAX 2000        /* 200 us at most until the two harts are seen running at once (see iteration_start), */
#define WAIT_LONG 100000     /* 10 ms once they are */
#define QUICK_TICKS 100      /* a meeting within 10 us is quick */
#define QUICK 4              /* quick meetings in a row show that the two harts run at once */
#define PROBE_MIN 64         /* waits between two waits of WAIT_MAX while the patience is lower */
#define PROBE_MAX 1024
#define FOREVER (~0ul)       /* a waiter that never sleeps */
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

struct barrier {
    struct line count, sense, sleepers;
};

static struct barrier all_bar;              /* the four harts */
static struct barrier pair_bar[NPAIRS];     /* the two harts of a pair */
static struct line mp_data[NPAIRS], mp_flag[NPAIRS], sb_x[NPAIRS], sb_y[NPAIRS];
static struct line c64, camo;
#define SB_LEAD 16           /* sb's lead stores (see the top) */
static struct line sb_lead[NPAIRS][SB_LEAD];
static struct line32 c32 = { .guard = GUARD };

/* What the loads read, per pair (mp: the reader of that iteration) or per hart (sb). */
static uint64_t mp_r1[NPAIRS][ITER], mp_r2[NPAIRS][ITER];
static uint64_t sb_r[NHARTS][ITER];

/* Per-hart statistics (LITMUS_VERBOSE only prints them). */
struct stats {
    uint64_t sleeps, ipis, pair_slept, sc_fail64, sc_fail32, moved64, moved32, movedamo;
} __attribute__((aligned(64)));
static struct stats stats[NHARTS];

struct hart {
    uint64_t id;
    uint64_t pair, side;    /* harts 2p and 2p+1 are pair p, sides 0 and 1 */
    uint64_t all_sense, pair_sense;
    /* The pair barrier's adaptation (see iteration_start). */
    uint64_t patience;      /* ticks */
    uint64_t quick;         /* quick meetings in a row */
    uint64_t waits, next_probe, probe_gap;
};

#define FENCE(kind) __asm__ volatile("fence " kind ::: "memory")

static inline uint64_t amoadd_d(struct line *l, uint64_t v)
{
    uint64_t old;
    __asm__ volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(old) : "r"(&l->v), "r"(v) : "memory");
    return old;
}

enum { LAST, SPUN, SLEPT };

/*
 * Wait for the `n` harts of barrier `b`: spin for up to `ticks` of the time CSR (read every 16 spins; none if 0),
 * then sleep until an IPI. `sense` is the hart's own sense for this barrier. Returns how this hart got through, and
 * if it spun, for how many ticks in `waited`.
 */
static int barrier(struct barrier *b, uint64_t n, uint64_t *sense, uint64_t id, uint64_t ticks, uint64_t *waited)
{
    uint64_t s = *sense ^= 1;
    uint64_t bit = 1ul << id;
    if (amoadd_d(&b->count, 1) == n - 1) {
        b->count.v = 0;
        FENCE("rw,w");
        b->sense.v = s;
        FENCE("rw,rw");   /* the flip before the read of sleepers (a sleeper announces itself, then reads) */
        uint64_t wake = b->sleepers.v & ~bit;
        if (wake) {
            sbi_send_ipi(wake, 0);
            stats[id].ipis++;
        }
        return LAST;
    }
    if (ticks) {
        uint64_t t0 = CSR_READ(time);
        for (uint64_t i = 1;; i++) {
            if (b->sense.v == s) {
                FENCE("r,rw");
                *waited = CSR_READ(time) - t0;
                return SPUN;
            }
            if (i % 16 == 0 && CSR_READ(time) - t0 >= ticks) break;
        }
    }
    __asm__ volatile("amoor.d.aqrl zero, %1, (%0)" ::"r"(&b->sleepers.v), "r"(bit) : "memory");
    for (;;) {
        /* Clear a pending IPI (perhaps an old one), then look: an IPI sent after the look ends the WFI. */
        CSR_CLEAR(sip, SIP_SSIP);
        if (b->sense.v == s) break;
        __asm__ volatile("wfi" ::: "memory");
        stats[id].sleeps++;
    }
    __asm__ volatile("amoand.d.aqrl zero, %1, (%0)" ::"r"(&b->sleepers.v), "r"(~bit) : "memory");
    FENCE("r,rw");
    return SLEPT;
}

static void all_barrier(struct hart *me, uint64_t ticks)
{
    uint64_t waited;
    barrier(&all_bar, NHARTS, &me->all_sense, me->id, ticks, &waited);
}

/*
 * The barrier that starts an iteration, the pair's alone, then a few loop turns, a different sequence on each side
 * (see the top). How long a waiter spins before it sleeps adapts to whether the two harts run at once:
 *  - Where they take turns waking each other by IPI, every iteration takes long (on tsvisor --parallel some 50 us:
 *    the waker's SBI call is slow), and a waiter that gives up spinning sooner keeps it so. A meeting while spinning
 *    sets the patience to WAIT_MAX; QUICK quick meetings in a row show that the two run at once, and the patience
 *    becomes WAIT_LONG, which outlasts the preemption of a host thread: the pair keeps meeting while spinning. A
 *    slower meeting ends the streak.
 *  - Sleeping halves the patience (from at most WAIT_MAX), down to 0 (no spinning). While it is below WAIT_MAX, one
 *    wait every PROBE_MIN to PROBE_MAX waits spins for WAIT_MAX (the interval doubles after each that fails and is
 *    back to PROBE_MIN after a quick meeting): it catches the other where the two run at once but take turns
 *    waking each other.
 * Patience is time, not spins: where the harts run at once the time CSR is the host's clock, and WAIT_MAX is long
 * enough to outlast a wake-up by IPI; a simulator that runs the harts one after another counts time in
 * instructions (tsvisor's deterministic mode: 10 per tick, in quanta of 100,000), and WAIT_MAX costs it 20,000.
 * It lets the other hart arrive while this one spins only when it switches harts, at most once per quantum: the
 * hart that saw the other arrive is then the last at the next barrier, and waits at the one after while the other
 * cannot run. So it never sees two quick meetings in a row, and spends a few WAIT_MAX waits per switch.
 */
static void iteration_start(struct hart *me, uint64_t i)
{
    uint64_t budget = me->patience, waited = 0;
    if (budget < WAIT_MAX && me->waits >= me->next_probe) budget = WAIT_MAX;
    int how = barrier(&pair_bar[me->pair], 2, &me->pair_sense, me->id, budget, &waited);
    if (how == SPUN) {
        if (waited < QUICK_TICKS) {
            me->probe_gap = PROBE_MIN;
            if (me->quick < QUICK) me->quick++;
        } else {
            me->quick = 0;
        }
        me->patience = me->quick == QUICK ? WAIT_LONG : WAIT_MAX;
    } else if (how == SLEPT) {
        stats[me->id].pair_slept++;
        me->quick = 0;
        me->patience = (budget < WAIT_MAX ? budget : WAIT_MAX) / 2;
        if (budget >= WAIT_MAX) {
            if (me->probe_gap < PROBE_MAX) me->probe_gap *= 2;
            me->next_probe = me->waits + me->probe_gap;
        }
    }
    if (how != LAST) me->waits++;
    uint64_t turns = (me->side ? i >> 4 : i) & 15;
    __asm__ volatile("1: beqz %0, 2f\n\t"
                     "addi %0, %0, -1\n\t"
                     "j 1b\n"
                     "2:"
                     : "+r"(turns));
}

static void mp(struct hart *me)
{
    volatile uint64_t *data = &mp_data[me->pair].v, *flag = &mp_flag[me->pair].v;
    for (uint64_t i = 0; i < ITER; i++) {
        uint64_t v = i + 1;
        iteration_start(me, i);
        if (me->side == (i & 1)) {
            __asm__ volatile("sd %0, 0(%1)\n\tfence w,w\n\tsd %0, 0(%2)" ::"r"(v), "r"(data), "r"(flag) : "memory");
        } else {
            uint64_t r1, r2;
            __asm__ volatile("ld %0, 0(%2)\n\tfence r,r\n\tld %1, 0(%3)"
                             : "=&r"(r1), "=&r"(r2) : "r"(flag), "r"(data) : "memory");
            mp_r1[me->pair][i] = r1;
            mp_r2[me->pair][i] = r2;
        }
    }
}

/* A lead store: v to line o / 64 of the pair's sb_lead. */
#define LEAD(o) "sd %1, " #o "(%4)\n\t"
_Static_assert(SB_LEAD == 16, "sb stores to 16 lead lines");

static void sb(struct hart *me)
{
    volatile uint64_t *mine = me->side ? &sb_y[me->pair].v : &sb_x[me->pair].v;
    volatile uint64_t *other = me->side ? &sb_x[me->pair].v : &sb_y[me->pair].v;
    for (uint64_t i = 0; i < ITER; i++) {
        uint64_t v = i + 1, r;
        iteration_start(me, i);
        __asm__ volatile(LEAD(0) LEAD(64) LEAD(128) LEAD(192) LEAD(256) LEAD(320) LEAD(384) LEAD(448)
                         LEAD(512) LEAD(576) LEAD(640) LEAD(704) LEAD(768) LEAD(832) LEAD(896) LEAD(960)
                         "sd %1, 0(%2)\n\t"
                         "fence rw,rw\n\t"
                         "ld %0, 0(%3)"
                         : "=&r"(r) : "r"(v), "r"(mine), "r"(other), "r"(&sb_lead[me->pair][0].v) : "memory");
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

/* A test run by one pair at a time while the other pair sleeps in the four-hart barrier. */
static void by_pairs(struct hart *me, void (*test)(struct hart *))
{
    for (uint64_t p = 0; p < NPAIRS; p++) {
        if (me->pair == p) test(me);
        all_barrier(me, me->pair == p ? WAIT_MAX : 0);
    }
}

/* Every hart, the boot hart included. */
static void run(uint64_t id)
{
    struct hart me = { .id = id, .pair = id >> 1, .side = id & 1, .patience = WAIT_MAX, .probe_gap = PROBE_MIN };
    CSR_SET(sie, SIE_SSIE);
    all_barrier(&me, FOREVER);
    by_pairs(&me, mp);
    by_pairs(&me, sb);
    all_barrier(&me, FOREVER);
    counters(&me);
    all_barrier(&me, FOREVER);
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
    for (int p = 0; p < NPAIRS; p++) {
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
        printf("info hart %d: sleeps %lu (pair barrier %lu) ipis %lu sc.d fails %lu sc.w fails %lu moved d %lu w %lu amo %lu\n", h,
               s->sleeps, s->pair_slept, s->ipis, s->sc_fail64, s->sc_fail32, s->moved64, s->moved32, s->movedamo);
    }
#else
    (void)mp_new_new, (void)mp_old_new, (void)mp_old_old, (void)sb_new_new, (void)sb_one_new;
#endif
    return test_end();
}
