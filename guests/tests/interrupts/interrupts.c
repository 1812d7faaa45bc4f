/*
 * Supervisor interrupts: the Sstc timer (stimecmp, CSR 0x14d), SBI set_timer (TIME and legacy), software
 * interrupts by sip.SSIP and by an SBI IPI to this hart; masking by sstatus.SIE and sie; WFI; interrupts taken
 * from U mode; SSI-before-STI priority.
 *
 * Every timer wait is bounded by `time` (WAIT_TICKS), and no time or count is printed.
 */
#include "test.h"

#define STIMECMP_CSR "0x14d"
#define SIP_SSIP (1ull << 1)
#define SIP_STIP (1ull << 5)
#define INT_SSI (SCAUSE_INTERRUPT | 1)
#define INT_STI (SCAUSE_INTERRUPT | 5)
#define WAIT_TICKS 20000000ull  /* 2 s at QEMU virt's 10 MHz timebase: only reached on failure */
#define SHORT_TICKS 20000ull    /* 2 ms: "a little in the future" */
#define LOGN 8

static uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t)::"memory");
    return t;
}

static void stimecmp_write(uint64_t v)
{
    __asm__ volatile("csrw " STIMECMP_CSR ", %0" ::"r"(v) : "memory");
}

static uint64_t stimecmp_read(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, " STIMECMP_CSR : "=r"(v)::"memory");
    return v;
}

/* ---------------------------------------------------------------------------------------------------------- */

static volatile struct {
    uint64_t n;
    uint64_t cause[LOGN], epc[LOGN], sstatus[LOGN], time[LOGN];
} ilog;
static volatile int clear_timer_by_sbi;

static int int_hook(struct trap_frame *f)
{
    if (!(f->scause & SCAUSE_INTERRUPT))
        return 0;
    uint64_t n = ilog.n;
    if (n < LOGN) {
        ilog.cause[n] = f->scause;
        ilog.epc[n] = f->sepc;
        ilog.sstatus[n] = f->sstatus;
        ilog.time[n] = rdtime();
    }
    ilog.n = n + 1;
    uint64_t c = f->scause & ~SCAUSE_INTERRUPT;
    if (c == 5) {
        if (clear_timer_by_sbi)
            sbi_set_timer(~0ull);
        else
            stimecmp_write(~0ull);
    } else if (c == 1) {
        CSR_CLEAR(sip, SIP_SSIP);
    } else {
        CSR_WRITE(sie, 0);
    }
    if (ilog.n > 50) /* an interrupt that does not clear: stop the storm, the checks will fail */
        CSR_WRITE(sie, 0);
    return 1;
}

static void log_clear(void)
{
    ilog.n = 0;
    for (int i = 0; i < LOGN; i++)
        ilog.cause[i] = ilog.epc[i] = ilog.sstatus[i] = ilog.time[i] = 0;
}

/* Poll sip until any of `bits` is set or WAIT_TICKS pass; returns the sip bits seen. */
static uint64_t wait_sip(uint64_t bits)
{
    uint64_t start = rdtime();
    uint64_t s;
    while (!((s = CSR_READ(sip)) & bits) && rdtime() - start < WAIT_TICKS)
        ;
    return s & bits;
}

/* Set sstatus.SIE; returns the address of the instruction right after the csrsi (where an interrupt that was
 * already pending and enabled must be taken). */
#define ENABLE_SIE_AT(mark) __asm__ volatile("csrsi sstatus, 2\n1:\nla %0, 1b\n" : "=r"(mark)::"memory")
#define DISABLE_SIE() CSR_CLEAR(sstatus, SSTATUS_SIE)

/* Runs in U mode (satp is bare, so U executes the image): waits until an interrupt has been logged. Bounded by
 * iterations, not by `time`: U-mode access to `time` depends on scounteren. */
static long u_wait_interrupt(long arg)
{
    for (long i = 0; i < 200000000 && ilog.n == 0; i++)
        ;
    return arg + 1;
}

static uint8_t user_stack[4096] __attribute__((aligned(16)));

/* ---------------------------------------------------------------------------------------------------------- */

static void test_sstc_basics(void)
{
    stimecmp_write(~0ull);
    CHECK_EQ("stimecmp write readback", stimecmp_read(), ~0ull);
    stimecmp_write(0x123456789abcdefull);
    CHECK_EQ("stimecmp write readback 2", stimecmp_read(), 0x123456789abcdefull);
    stimecmp_write(~0ull);
    CHECK_EQ("stip clear with stimecmp max", CSR_READ(sip) & SIP_STIP, 0);
    CSR_WRITE(sie, SIP_SSIP | SIP_STIP);
    CHECK_EQ("sie ssie stie writable", CSR_READ(sie) & (SIP_SSIP | SIP_STIP), SIP_SSIP | SIP_STIP);
    CSR_WRITE(sie, 0);
    CHECK_EQ("sie cleared", CSR_READ(sie) & (SIP_SSIP | SIP_STIP), 0);
    /* STIP is read-only in sip. */
    CSR_SET(sip, SIP_STIP);
    CHECK_EQ("sip.stip not settable", CSR_READ(sip) & SIP_STIP, 0);
}

static void test_timer_masking(void)
{
    uint64_t mark;
    /* Pending but sstatus.SIE = 0: visible in sip, not taken. */
    log_clear();
    CSR_WRITE(sie, SIP_STIP);
    stimecmp_write(rdtime());
    CHECK_EQ("stip pending with SIE=0", wait_sip(SIP_STIP), SIP_STIP);
    CSR_CLEAR(sip, SIP_STIP);
    CHECK_EQ("sip.stip not clearable", CSR_READ(sip) & SIP_STIP, SIP_STIP);
    CHECK_EQ("no interrupt with SIE=0", ilog.n, 0);
    /* Setting SIE takes it at once. */
    ENABLE_SIE_AT(mark);
    DISABLE_SIE();
    CHECK_EQ("sti taken on SIE set", ilog.n, 1);
    CHECK_EQ("sti scause", ilog.cause[0], INT_STI);
    CHECK_EQ("sti sepc after csrsi", ilog.epc[0], mark);
    CHECK_EQ("sti from S spp spie", ilog.sstatus[0] & (SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE),
             SSTATUS_SPP | SSTATUS_SPIE);
    CHECK_EQ("sti cleared by stimecmp write", CSR_READ(sip) & SIP_STIP, 0);

    /* Pending, SIE = 1 but sie.STIE = 0: not taken; setting sie.STIE takes it. */
    log_clear();
    CSR_WRITE(sie, 0);
    stimecmp_write(rdtime());
    CHECK_EQ("stip pending with STIE=0", wait_sip(SIP_STIP), SIP_STIP);
    CSR_SET(sstatus, SSTATUS_SIE);
    for (volatile int i = 0; i < 1000; i++)
        ;
    CHECK_EQ("no interrupt with STIE=0", ilog.n, 0);
    __asm__ volatile("csrs sie, %1\n1:\nla %0, 1b\n" : "=r"(mark) : "r"(SIP_STIP) : "memory");
    DISABLE_SIE();
    CHECK_EQ("sti taken on STIE set", ilog.n, 1);
    CHECK_EQ("sti on STIE set sepc", ilog.epc[0], mark);
    CSR_WRITE(sie, 0);
}

static void test_timer_future(void)
{
    /* A deadline a little in the future, SIE = 1: fires once, not before stimecmp. */
    log_clear();
    CSR_WRITE(sie, SIP_STIP);
    uint64_t cmp = rdtime() + SHORT_TICKS;
    stimecmp_write(cmp);
    CSR_SET(sstatus, SSTATUS_SIE);
    uint64_t start = rdtime();
    while (ilog.n == 0 && rdtime() - start < WAIT_TICKS)
        ;
    DISABLE_SIE();
    CHECK_EQ("future sti taken once", ilog.n, 1);
    CHECK_EQ("future sti scause", ilog.cause[0], INT_STI);
    CHECK("future sti not early", ilog.time[0] >= cmp);

    /* WFI with SIE = 0 and the timer enabled in sie: WFI resumes when it fires, no trap. */
    log_clear();
    cmp = rdtime() + SHORT_TICKS;
    stimecmp_write(cmp);
    start = rdtime();
    while (!(CSR_READ(sip) & SIP_STIP) && rdtime() - start < WAIT_TICKS)
        __asm__ volatile("wfi" ::: "memory");
    CHECK_EQ("wfi SIE=0 woke with stip", CSR_READ(sip) & SIP_STIP, SIP_STIP);
    CHECK_EQ("wfi SIE=0 no trap", ilog.n, 0);
    CHECK("wfi SIE=0 time reached stimecmp", rdtime() >= cmp);
    stimecmp_write(~0ull);

    /* WFI with SIE = 1: the interrupt is taken. */
    log_clear();
    stimecmp_write(rdtime() + SHORT_TICKS);
    CSR_SET(sstatus, SSTATUS_SIE);
    start = rdtime();
    while (ilog.n == 0 && rdtime() - start < WAIT_TICKS)
        __asm__ volatile("wfi" ::: "memory");
    DISABLE_SIE();
    CHECK_EQ("wfi SIE=1 interrupt taken", ilog.n, 1);
    CHECK_EQ("wfi SIE=1 scause", ilog.cause[0], INT_STI);
    CSR_WRITE(sie, 0);
}

static void test_user_mode(void)
{
    /* S interrupts are always enabled in U mode, whatever sstatus.SIE: a pending STI is taken as soon as sret
     * enters U, at the first instruction of the U function. */
    log_clear();
    DISABLE_SIE();
    CSR_WRITE(sie, SIP_STIP);
    stimecmp_write(rdtime());
    CHECK_EQ("stip pending before U", wait_sip(SIP_STIP), SIP_STIP);
    long r = user_call(u_wait_interrupt, 41, user_stack + sizeof user_stack);
    CHECK_EQ("U took sti", ilog.n, 1);
    CHECK_EQ("U sti scause", ilog.cause[0], INT_STI);
    CHECK_EQ("U sti sepc at U entry", ilog.epc[0], (uint64_t)u_wait_interrupt);
    CHECK_EQ("U sti spp spie", ilog.sstatus[0] & (SSTATUS_SPP | SSTATUS_SPIE), 0);
    CHECK_EQ("U resumed after sti", r, 42);

    /* A timer that fires while U spins. */
    log_clear();
    stimecmp_write(rdtime() + SHORT_TICKS);
    r = user_call(u_wait_interrupt, 1, user_stack + sizeof user_stack);
    CHECK_EQ("U future sti taken", ilog.n, 1);
    CHECK_EQ("U future sti spp", ilog.sstatus[0] & SSTATUS_SPP, 0);
    CHECK_EQ("U future resumed", r, 2);
    CHECK_EQ("S SIE still 0 after U", CSR_READ(sstatus) & SSTATUS_SIE, 0);
    CSR_WRITE(sie, 0);
}

static void test_software(void)
{
    uint64_t mark;
    /* sip.SSIP is writable by S. */
    log_clear();
    CSR_WRITE(sie, 0);
    CSR_SET(sip, SIP_SSIP);
    CHECK_EQ("sip.ssip settable", CSR_READ(sip) & SIP_SSIP, SIP_SSIP);
    CSR_CLEAR(sip, SIP_SSIP);
    CHECK_EQ("sip.ssip clearable", CSR_READ(sip) & SIP_SSIP, 0);
    CSR_SET(sip, SIP_SSIP);
    CSR_SET(sstatus, SSTATUS_SIE);
    for (volatile int i = 0; i < 1000; i++)
        ;
    CHECK_EQ("ssi masked by sie", ilog.n, 0);
    __asm__ volatile("csrs sie, %1\n1:\nla %0, 1b\n" : "=r"(mark) : "r"(SIP_SSIP) : "memory");
    DISABLE_SIE();
    CHECK_EQ("ssi taken on SSIE set", ilog.n, 1);
    CHECK_EQ("ssi scause", ilog.cause[0], INT_SSI);
    CHECK_EQ("ssi sepc", ilog.epc[0], mark);
    CHECK_EQ("ssi cleared", CSR_READ(sip) & SIP_SSIP, 0);

    /* SBI IPI to this hart. */
    log_clear();
    CSR_WRITE(sie, SIP_SSIP);
    CHECK_EQ("sbi send_ipi self", sbi_send_ipi(1, boot_hartid), 0);
    CHECK_EQ("ipi sets sip.ssip", wait_sip(SIP_SSIP), SIP_SSIP);
    CHECK_EQ("ipi not taken with SIE=0", ilog.n, 0);
    ENABLE_SIE_AT(mark);
    DISABLE_SIE();
    CHECK_EQ("ipi taken on SIE set", ilog.n, 1);
    CHECK_EQ("ipi scause", ilog.cause[0], INT_SSI);
    CHECK_EQ("ipi sepc", ilog.epc[0], mark);
    CHECK_EQ("ipi cleared", CSR_READ(sip) & SIP_SSIP, 0);

    /* IPI with SIE = 1 already: taken without polling. */
    log_clear();
    CSR_SET(sstatus, SSTATUS_SIE);
    sbi_send_ipi(1, boot_hartid);
    uint64_t start = rdtime();
    while (ilog.n == 0 && rdtime() - start < WAIT_TICKS)
        ;
    DISABLE_SIE();
    CHECK_EQ("ipi SIE=1 taken once", ilog.n, 1);
    CHECK_EQ("ipi SIE=1 scause", ilog.cause[0], INT_SSI);
    CSR_WRITE(sie, 0);
}

static void test_priority(void)
{
    uint64_t mark;
    /* SSI and STI both pending and enabled: SSI is taken first (SEI > SSI > STI), then STI. */
    log_clear();
    CSR_WRITE(sie, SIP_SSIP | SIP_STIP);
    CSR_SET(sip, SIP_SSIP);
    stimecmp_write(rdtime());
    CHECK_EQ("both pending", wait_sip(SIP_STIP) | (CSR_READ(sip) & SIP_SSIP), SIP_SSIP | SIP_STIP);
    ENABLE_SIE_AT(mark);
    DISABLE_SIE();
    CHECK_EQ("priority two interrupts", ilog.n, 2);
    CHECK_EQ("priority first ssi", ilog.cause[0], INT_SSI);
    CHECK_EQ("priority second sti", ilog.cause[1], INT_STI);
    CHECK_EQ("priority first sepc", ilog.epc[0], mark);
    CHECK_EQ("priority second sepc", ilog.epc[1], mark);
    CHECK_EQ("priority none left", CSR_READ(sip) & (SIP_SSIP | SIP_STIP), 0);
    CSR_WRITE(sie, 0);
}

static void test_sbi_timer(void)
{
    uint64_t mark;
    /* SBI set_timer (TIME extension): sets the deadline; set_timer(-1) clears the pending bit. */
    log_clear();
    CSR_WRITE(sie, SIP_STIP);
    CHECK_EQ("sbi set_timer now", sbi_set_timer(rdtime()), 0);
    CHECK_EQ("sbi set_timer stip pending", wait_sip(SIP_STIP), SIP_STIP);
    CHECK_EQ("sbi set_timer(-1)", sbi_set_timer(~0ull), 0);
    CHECK_EQ("sbi set_timer(-1) clears stip", CSR_READ(sip) & SIP_STIP, 0);
    CHECK_EQ("sbi set_timer no trap with SIE=0", ilog.n, 0);
    /* Taken, and cleared by the handler with set_timer(-1). */
    clear_timer_by_sbi = 1;
    sbi_set_timer(rdtime());
    CHECK_EQ("sbi timer pending again", wait_sip(SIP_STIP), SIP_STIP);
    ENABLE_SIE_AT(mark);
    DISABLE_SIE();
    clear_timer_by_sbi = 0;
    CHECK_EQ("sbi timer taken", ilog.n, 1);
    CHECK_EQ("sbi timer scause", ilog.cause[0], INT_STI);
    CHECK_EQ("sbi timer sepc", ilog.epc[0], mark);
    CHECK_EQ("sbi timer cleared", CSR_READ(sip) & SIP_STIP, 0);
    /* Legacy set_timer (EID 0x00). */
    log_clear();
    sbi_ecall(SBI_EXT_SET_TIMER_LEGACY, 0, (long)rdtime(), 0, 0, 0, 0, 0);
    CHECK_EQ("legacy set_timer stip pending", wait_sip(SIP_STIP), SIP_STIP);
    sbi_ecall(SBI_EXT_SET_TIMER_LEGACY, 0, -1L, 0, 0, 0, 0, 0);
    CHECK_EQ("legacy set_timer(-1) clears stip", CSR_READ(sip) & SIP_STIP, 0);
    CHECK_EQ("legacy set_timer no trap", ilog.n, 0);
    CSR_WRITE(sie, 0);
    stimecmp_write(~0ull);
}

int main(void)
{
    test_begin("interrupts");
    trap_hook = int_hook;
    test_sstc_basics();
    test_timer_masking();
    test_timer_future();
    test_user_mode();
    test_software();
    test_priority();
    test_sbi_timer();
    CSR_WRITE(sie, 0);
    stimecmp_write(~0ull);
    trap_hook = 0;
    return test_end();
}
