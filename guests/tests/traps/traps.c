/*
 * Synchronous exceptions seen in S mode, trap CSR state (sepc, scause, stval, sstatus.SPP/SPIE/SIE) on trap
 * entry and sret, nested traps, and stvec vectored mode.
 *
 * Left out (see guests/README.md): misaligned AMOs (QEMU 7.2 raises a load-address-misaligned exception for
 * them; the spec requires a store/AMO exception) and anything about misaligned plain loads/stores beyond "either
 * it works or it traps with the right cause and stval" (both are allowed).
 */
#include "test.h"

#define STIMECMP 0x14d
#define SIP_SSIP (1ull << 1)
#define SIP_STIP (1ull << 5)
#define FETCH_FAILED 0xfe7cfa11ull

/* ---------------------------------------------------------------------------------------------------------- */
/* Probe code. norvc: the probed instructions are 4 bytes unless stated.                                      */

__asm__(
    "   .pushsection .text.traps_probe, \"ax\", @progbits\n"
    "   .option push\n"
    "   .option norvc\n"
    "   .balign 4\n"
    "probe_load:\n"
    "probe_load_insn:\n"
    "   ld      a0, 0(a0)\n"
    "   ret\n"
    "probe_store:\n"
    "probe_store_insn:\n"
    "   sd      a1, 0(a0)\n"
    "   ret\n"
    "probe_fetch:\n"
    "   addi    sp, sp, -16\n"
    "   sd      ra, 8(sp)\n"
    "   jalr    ra, 0(a0)\n"
    "   ld      ra, 8(sp)\n"
    "   addi    sp, sp, 16\n"
    "   ret\n"
    "probe_lr_w:\n"
    "probe_lr_w_insn:\n"
    "   lr.w    a0, (a0)\n"
    "   ret\n"
    "probe_ld:\n"
    "probe_ld_insn:\n"
    "   ld      a0, 0(a0)\n"
    "   ret\n"
    "probe_lw:\n"
    "probe_lw_insn:\n"
    "   lw      a0, 0(a0)\n"
    "   ret\n"
    "probe_sd:\n"
    "probe_sd_insn:\n"
    "   sd      a1, 0(a0)\n"
    "   ret\n"
    "probe_sw:\n"
    "probe_sw_insn:\n"
    "   sw      a1, 0(a0)\n"
    "   ret\n"
    /* Illegal instructions. */
    "illegal_zero:\n"
    "illegal_zero_insn:\n"
    "   .2byte  0\n"                   /* the all-zero 16-bit encoding is defined to be illegal */
    "   ret\n"
    "illegal_mcsr:\n"
    "illegal_mcsr_insn:\n"
    "   csrr    t0, mstatus\n"         /* M-mode CSR from S */
    "   ret\n"
    "illegal_ro_csr:\n"
    "illegal_ro_csr_insn:\n"
    "   csrw    cycle, zero\n"         /* write to a read-only CSR (the canonical "unimp") */
    "   ret\n"
    "illegal_fp_off:\n"
    "illegal_fp_off_insn:\n"
    "   fadd.d  ft0, ft0, ft0\n"       /* with sstatus.FS = Off */
    "   ret\n"
    "ebreak32:\n"
    "ebreak32_insn:\n"
    "   ebreak\n"
    "   ret\n"
    "   .option rvc\n"
    "ebreak16:\n"
    "ebreak16_insn:\n"
    "   c.ebreak\n"
    "   ret\n"
    "   .option norvc\n"
    /* U-mode functions (satp is bare, so U runs the image directly); they return to user_exit. */
    "u_ecall:\n"
    "   li      a7, 0x1234\n"
    "u_ecall_insn:\n"
    "   ecall\n"
    "   li      a0, 5\n"
    "   ret\n"
    "u_sret:\n"
    "u_sret_insn:\n"
    "   sret\n"
    "   li      a0, 6\n"
    "   ret\n"
    "u_csr:\n"
    "u_csr_insn:\n"
    "   csrr    a0, sstatus\n"
    "   li      a0, 7\n"
    "   ret\n"
    "u_sfence:\n"
    "u_sfence_insn:\n"
    "   sfence.vma\n"
    "   li      a0, 8\n"
    "   ret\n"
    "u_ebreak:\n"
    "u_ebreak_insn:\n"
    "   ebreak\n"
    "   li      a0, 9\n"
    "   ret\n"
    "   .option pop\n"
    "   .popsection\n");

uint64_t probe_load(uint64_t a);
void probe_store(uint64_t a, uint64_t v);
uint64_t probe_fetch(uint64_t a);
uint64_t probe_lr_w(uint64_t a);
uint64_t probe_ld(uint64_t a);
uint64_t probe_lw(uint64_t a);
void probe_sd(uint64_t a, uint64_t v);
void probe_sw(uint64_t a, uint64_t v);
void illegal_zero(void), illegal_mcsr(void), illegal_ro_csr(void), illegal_fp_off(void), ebreak32(void),
    ebreak16(void);
long u_ecall(long), u_sret(long), u_csr(long), u_sfence(long), u_ebreak(long);
extern char probe_load_insn[], probe_store_insn[], probe_lr_w_insn[], probe_ld_insn[], probe_lw_insn[],
    probe_sd_insn[], probe_sw_insn[], illegal_zero_insn[], illegal_mcsr_insn[], illegal_ro_csr_insn[],
    illegal_fp_off_insn[], ebreak32_insn[], ebreak16_insn[], u_ecall_insn[], u_sret_insn[], u_csr_insn[],
    u_sfence_insn[], u_ebreak_insn[];

/* ---------------------------------------------------------------------------------------------------------- */
/* Recording hook                                                                                             */

static volatile struct {
    uint64_t count, cause, epc, tval, frame_sstatus, live_sstatus, live_sepc, live_scause;
} rec;
static volatile int nest_mode;
static volatile struct {
    uint64_t count, cause, epc, frame_sstatus, outer_live_sepc_after, outer_frame_sepc;
} inner;

static uint8_t user_stack[4096] __attribute__((aligned(16)));
#define USER_SP (user_stack + sizeof user_stack)

static void rec_clear(void)
{
    rec.count = rec.cause = rec.epc = rec.tval = rec.frame_sstatus = rec.live_sstatus = 0;
    rec.live_sepc = rec.live_scause = 0;
}

void nested_ebreak(void);
extern char nested_ebreak_insn[];
__asm__(
    "   .pushsection .text.traps_probe, \"ax\", @progbits\n"
    "   .option push\n"
    "   .option norvc\n"
    "nested_ebreak:\n"
    "nested_ebreak_insn:\n"
    "   ebreak\n"
    "   ret\n"
    "   .option pop\n"
    "   .popsection\n");

static int rec_hook(struct trap_frame *f)
{
    if (f->scause & SCAUSE_INTERRUPT)
        return 0;
    if (nest_mode && f->sepc == (uint64_t)nested_ebreak_insn) {
        /* The inner trap, taken inside the hook of the outer one. */
        inner.count++;
        inner.cause = f->scause;
        inner.epc = f->sepc;
        inner.frame_sstatus = f->sstatus;
        f->sepc += 4;
        return 1;
    }
    rec.count++;
    rec.cause = f->scause;
    rec.epc = f->sepc;
    rec.tval = f->stval;
    rec.frame_sstatus = f->sstatus;
    rec.live_sstatus = CSR_READ(sstatus);
    rec.live_sepc = CSR_READ(sepc);
    rec.live_scause = CSR_READ(scause);
    if (nest_mode) {
        inner.outer_frame_sepc = f->sepc;
        nested_ebreak();
        inner.outer_live_sepc_after = CSR_READ(sepc);
    }
    if (f->scause == CAUSE_FETCH_ACCESS || f->scause == CAUSE_FETCH_PAGE_FAULT) {
        f->sepc = f->regs[1];
        f->regs[10] = FETCH_FAILED;
    } else {
        f->sepc += insn_length(f->sepc);
    }
    return 1;
}

/* The cause seen, 0 if no trap, 0x100 + count if more than one. */
static uint64_t cause_seen(void)
{
    return rec.count == 0 ? 0 : rec.count == 1 ? rec.cause : 0x100 + rec.count;
}

static char name_buf[8][96];
static unsigned name_next;
static const char *nm(const char *a, const char *b)
{
    char *buf = name_buf[name_next++ % 8];
    unsigned n = 0;
    for (; *a && n < 94; a++)
        buf[n++] = *a;
    buf[n++] = ' ';
    for (; *b && n < 94; b++)
        buf[n++] = *b;
    buf[n] = 0;
    return buf;
}

/* ---------------------------------------------------------------------------------------------------------- */

static void run_s(void (*fn)(void))
{
    rec_clear();
    fn();
}

static void test_illegal(void)
{
    run_s(illegal_zero);
    CHECK_EQ("illegal zero scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("illegal zero sepc", rec.epc, (uint64_t)illegal_zero_insn);
    CHECK_EQ("illegal zero stval", rec.tval, 0); /* 0, or the instruction bits, which are 0 */

    run_s(illegal_mcsr);
    CHECK_EQ("illegal M csr scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("illegal M csr sepc", rec.epc, (uint64_t)illegal_mcsr_insn);
    CHECK("illegal M csr stval 0 or insn", rec.tval == 0 || rec.tval == *(uint32_t *)illegal_mcsr_insn);

    run_s(illegal_ro_csr);
    CHECK_EQ("illegal ro csr write scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("illegal ro csr write sepc", rec.epc, (uint64_t)illegal_ro_csr_insn);
    CHECK("illegal ro csr write stval 0 or insn", rec.tval == 0 || rec.tval == *(uint32_t *)illegal_ro_csr_insn);

    uint64_t fs = CSR_READ(sstatus) & SSTATUS_FS;
    CSR_CLEAR(sstatus, SSTATUS_FS);
    CHECK_EQ("sstatus.FS off", CSR_READ(sstatus) & SSTATUS_FS, 0);
    run_s(illegal_fp_off);
    CHECK_EQ("illegal fp with FS off scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("illegal fp with FS off sepc", rec.epc, (uint64_t)illegal_fp_off_insn);
    CSR_SET(sstatus, fs);
    run_s(illegal_fp_off);
    CHECK_EQ("fp with FS on no trap", cause_seen(), 0);

    /* From U: privileged instructions and S CSRs. */
    long r;
    rec_clear();
    r = user_call(u_sret, 0, USER_SP);
    CHECK_EQ("U sret scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("U sret sepc", rec.epc, (uint64_t)u_sret_insn);
    CHECK_EQ("U sret spp", rec.frame_sstatus & SSTATUS_SPP, 0);
    CHECK_EQ("U sret resumed", r, 6);
    rec_clear();
    r = user_call(u_csr, 0, USER_SP);
    CHECK_EQ("U csrr sstatus scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("U csrr sstatus sepc", rec.epc, (uint64_t)u_csr_insn);
    CHECK_EQ("U csrr sstatus resumed", r, 7);
    rec_clear();
    r = user_call(u_sfence, 0, USER_SP);
    CHECK_EQ("U sfence.vma scause", cause_seen(), CAUSE_ILLEGAL_INSN);
    CHECK_EQ("U sfence.vma sepc", rec.epc, (uint64_t)u_sfence_insn);
    CHECK_EQ("U sfence.vma resumed", r, 8);
}

static void test_breakpoint(void)
{
    run_s(ebreak32);
    CHECK_EQ("ebreak scause", cause_seen(), CAUSE_BREAKPOINT);
    CHECK_EQ("ebreak sepc", rec.epc, (uint64_t)ebreak32_insn);
    CHECK("ebreak stval 0 or pc", rec.tval == 0 || rec.tval == (uint64_t)ebreak32_insn);
    run_s(ebreak16);
    CHECK_EQ("c.ebreak scause", cause_seen(), CAUSE_BREAKPOINT);
    CHECK_EQ("c.ebreak sepc", rec.epc, (uint64_t)ebreak16_insn);
    CHECK("c.ebreak stval 0 or pc", rec.tval == 0 || rec.tval == (uint64_t)ebreak16_insn);
    CHECK_EQ("c.ebreak is 2 bytes", insn_length((uint64_t)ebreak16_insn), 2);
    rec_clear();
    long r = user_call(u_ebreak, 0, USER_SP);
    CHECK_EQ("U ebreak scause", cause_seen(), CAUSE_BREAKPOINT);
    CHECK_EQ("U ebreak sepc", rec.epc, (uint64_t)u_ebreak_insn);
    CHECK_EQ("U ebreak resumed", r, 9);
}

static volatile uint64_t mis_buf[4] __attribute__((aligned(64)));

static void test_misaligned(void)
{
    uint64_t base = (uint64_t)mis_buf;
    mis_buf[0] = 0x0706050403020100ull;
    mis_buf[1] = 0x0f0e0d0c0b0a0908ull;
    /* LR must be naturally aligned: address-misaligned or access-fault exception. */
    rec_clear();
    probe_lr_w(base + 2);
    CHECK("lr.w misaligned cause 4 or 5", rec.count == 1 && (rec.cause == CAUSE_MISALIGNED_LOAD ||
                                                             rec.cause == CAUSE_LOAD_ACCESS));
    CHECK_EQ("lr.w misaligned stval", rec.tval, base + 2);
    CHECK_EQ("lr.w misaligned sepc", rec.epc, (uint64_t)probe_lr_w_insn);
    /* Plain loads/stores: either performed, or an exception with the right cause and stval. */
    rec_clear();
    uint64_t v = probe_ld(base + 3);
    CHECK("ld misaligned done or trapped",
          rec.count == 0 ? v == 0x0a09080706050403ull
                         : rec.count == 1 && (rec.cause == 4 || rec.cause == 5) && rec.tval == base + 3);
    rec_clear();
    v = probe_lw(base + 6);
    CHECK("lw misaligned done or trapped",
          rec.count == 0 ? v == 0x09080706ull
                         : rec.count == 1 && (rec.cause == 4 || rec.cause == 5) && rec.tval == base + 6);
    rec_clear();
    probe_sd(base + 17, 0x1122334455667788ull);
    CHECK("sd misaligned done or trapped",
          rec.count == 0 ? mis_buf[2] == 0x2233445566778800ull && (mis_buf[3] & 0xff) == 0x11
                         : rec.count == 1 && (rec.cause == 6 || rec.cause == 7) && rec.tval == base + 17);
    rec_clear();
    probe_sw(base + 30, 0xaabbccddu);
    CHECK("sw misaligned done or trapped",
          rec.count == 0 ? ((mis_buf[3] >> 48) & 0xffff) == 0xccdd
                         : rec.count == 1 && (rec.cause == 6 || rec.cause == 7) && rec.tval == base + 30);
}

static void test_access_fault(void)
{
    /* Nothing is mapped at physical address 0 or 1 TiB (satp is bare). */
    rec_clear();
    probe_load(0);
    CHECK_EQ("load pa 0 scause", cause_seen(), CAUSE_LOAD_ACCESS);
    CHECK_EQ("load pa 0 stval", rec.tval, 0);
    CHECK_EQ("load pa 0 sepc", rec.epc, (uint64_t)probe_load_insn);
    rec_clear();
    probe_store(0, 1);
    CHECK_EQ("store pa 0 scause", cause_seen(), CAUSE_STORE_ACCESS);
    CHECK_EQ("store pa 0 stval", rec.tval, 0);
    CHECK_EQ("store pa 0 sepc", rec.epc, (uint64_t)probe_store_insn);
    rec_clear();
    uint64_t r = probe_fetch(0);
    CHECK_EQ("fetch pa 0 scause", cause_seen(), CAUSE_FETCH_ACCESS);
    CHECK_EQ("fetch pa 0 stval", rec.tval, 0);
    CHECK_EQ("fetch pa 0 sepc", rec.epc, 0);
    CHECK_EQ("fetch pa 0 returned", r, FETCH_FAILED);
    rec_clear();
    probe_load(0x10000000008ull);
    CHECK_EQ("load pa 1TiB scause", cause_seen(), CAUSE_LOAD_ACCESS);
    CHECK_EQ("load pa 1TiB stval", rec.tval, 0x10000000008ull);
    rec_clear();
    probe_store(0x10000000010ull, 1);
    CHECK_EQ("store pa 1TiB scause", cause_seen(), CAUSE_STORE_ACCESS);
    CHECK_EQ("store pa 1TiB stval", rec.tval, 0x10000000010ull);
}

/* Sv39 page tables for the page-fault checks: a 1 GiB identity leaf for the image, and a 4 KiB page at
 * 0x4000_0000 whose successor page is unmapped. */
static uint64_t pt_root[512] __attribute__((aligned(4096)));
static uint64_t pt_l1[512] __attribute__((aligned(4096)));
static uint64_t pt_l0[512] __attribute__((aligned(4096)));
static uint8_t code_page[4096] __attribute__((aligned(4096)));

static void test_page_fault(void)
{
    volatile uint32_t *code = (volatile uint32_t *)code_page;
    code[0] = 0x02a00513; /* li a0, 42 */
    code[1] = 0x00008067; /* ret */
    /* At 0xffe: the low half of a 4-byte instruction, whose upper half would be in the unmapped next page. */
    *(volatile uint16_t *)(code_page + 0xffe) = 0x0513;
    __asm__ volatile("fence.i" ::: "memory");
    pt_root[2] = (0x80000000ull >> 12) << 10 | 0xcf; /* V R W X A D */
    pt_root[1] = ((uint64_t)pt_l1 >> 12) << 10 | 1;
    pt_l1[0] = ((uint64_t)pt_l0 >> 12) << 10 | 1;
    pt_l0[0] = ((uint64_t)code_page >> 12) << 10 | 0xcf;
    __asm__ volatile("sfence.vma" ::: "memory");
    CSR_WRITE(satp, 8ull << 60 | (uint64_t)pt_root >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");

    rec_clear();
    uint64_t r = probe_fetch(0x40000000);
    CHECK_EQ("paged fetch ok", rec.count ? 0xfa017000 | rec.cause : r, 42);
    rec_clear();
    r = probe_fetch(0x40002000);
    CHECK_EQ("fetch page fault scause", cause_seen(), CAUSE_FETCH_PAGE_FAULT);
    CHECK_EQ("fetch page fault stval", rec.tval, 0x40002000);
    CHECK_EQ("fetch page fault sepc", rec.epc, 0x40002000);
    CHECK_EQ("fetch page fault returned", r, FETCH_FAILED);
    rec_clear();
    probe_fetch(0x40000ffe);
    CHECK_EQ("fetch straddling page scause", cause_seen(), CAUSE_FETCH_PAGE_FAULT);
    CHECK_EQ("fetch straddling page stval", rec.tval, 0x40001000);
    CHECK_EQ("fetch straddling page sepc", rec.epc, 0x40000ffe);
    rec_clear();
    probe_load(0x40001008);
    CHECK_EQ("load page fault scause", cause_seen(), CAUSE_LOAD_PAGE_FAULT);
    CHECK_EQ("load page fault stval", rec.tval, 0x40001008);
    CHECK_EQ("load page fault sepc", rec.epc, (uint64_t)probe_load_insn);
    rec_clear();
    probe_store(0x40003010, 1);
    CHECK_EQ("store page fault scause", cause_seen(), CAUSE_STORE_PAGE_FAULT);
    CHECK_EQ("store page fault stval", rec.tval, 0x40003010);
    CHECK_EQ("store page fault sepc", rec.epc, (uint64_t)probe_store_insn);

    CSR_WRITE(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void test_user_ecall(void)
{
    rec_clear();
    long r = user_call(u_ecall, 0, USER_SP);
    CHECK_EQ("U ecall scause", cause_seen(), CAUSE_USER_ECALL);
    CHECK_EQ("U ecall sepc", rec.epc, (uint64_t)u_ecall_insn);
    CHECK_EQ("U ecall stval", rec.tval, 0);
    CHECK_EQ("U ecall spp", rec.frame_sstatus & SSTATUS_SPP, 0);
    CHECK_EQ("U ecall spie with SIE=0", rec.frame_sstatus & SSTATUS_SPIE, 0);
    CHECK_EQ("U ecall resumed", r, 5);
    /* With S-mode SIE = 1 when entering U (sie = 0, so no interrupt can be taken): SPIE = 1 on the trap. */
    CSR_WRITE(sie, 0);
    CSR_SET(sstatus, SSTATUS_SIE);
    rec_clear();
    r = user_call(u_ecall, 0, USER_SP);
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    CHECK_EQ("U ecall with SIE=1 spie", rec.frame_sstatus & (SSTATUS_SPIE | SSTATUS_SPP), SSTATUS_SPIE);
    CHECK_EQ("U ecall with SIE=1 live sie", rec.live_sstatus & SSTATUS_SIE, 0);
}

#define SIE_SPIE_SPP (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP)

static void test_trap_state(void)
{
    CSR_WRITE(sie, 0);
    /* From S with SIE = 0. */
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    run_s(ebreak32);
    CHECK_EQ("S trap SIE=0 frame spp spie", rec.frame_sstatus & SIE_SPIE_SPP, SSTATUS_SPP);
    CHECK_EQ("S trap SIE=0 live sstatus", rec.live_sstatus & SIE_SPIE_SPP, SSTATUS_SPP);
    CHECK_EQ("S trap live sepc", rec.live_sepc, (uint64_t)ebreak32_insn);
    CHECK_EQ("S trap live scause", rec.live_scause, CAUSE_BREAKPOINT);
    CHECK_EQ("S trap SIE=0 after sret", CSR_READ(sstatus) & SIE_SPIE_SPP, SSTATUS_SPIE);
    /* From S with SIE = 1. */
    CSR_SET(sstatus, SSTATUS_SIE);
    run_s(ebreak32);
    uint64_t after = CSR_READ(sstatus);
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    CHECK_EQ("S trap SIE=1 frame spp spie", rec.frame_sstatus & SIE_SPIE_SPP, SSTATUS_SPP | SSTATUS_SPIE);
    CHECK_EQ("S trap SIE=1 live sstatus", rec.live_sstatus & SIE_SPIE_SPP, SSTATUS_SPP | SSTATUS_SPIE);
    CHECK_EQ("S trap SIE=1 after sret", after & SIE_SPIE_SPP, SSTATUS_SIE | SSTATUS_SPIE);

    /* sret by hand: SIE <- SPIE, SPIE <- 1, SPP <- U, privilege <- old SPP. */
    uint64_t st;
    for (int spie = 0; spie < 2; spie++) {
        CSR_SET(sstatus, SSTATUS_SPP);
        if (spie)
            CSR_SET(sstatus, SSTATUS_SPIE);
        else
            CSR_CLEAR(sstatus, SSTATUS_SPIE);
        CSR_CLEAR(sstatus, SSTATUS_SIE);
        __asm__ volatile("la    t0, 1f\n"
                         "csrw  sepc, t0\n"
                         "sret\n"
                         "1:\n"
                         "csrr  %0, sstatus\n"
                         : "=r"(st)::"t0", "memory");
        CSR_CLEAR(sstatus, SSTATUS_SIE);
        CHECK_EQ(spie ? "sret to S SPIE=1" : "sret to S SPIE=0", st & SIE_SPIE_SPP,
                 spie ? SSTATUS_SIE | SSTATUS_SPIE : SSTATUS_SPIE);
    }

    /* Nested: the hook of an ebreak executes another ebreak. */
    rec_clear();
    inner.count = inner.cause = inner.epc = inner.frame_sstatus = 0;
    nest_mode = 1;
    CSR_SET(sstatus, SSTATUS_SIE);
    ebreak32();
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    nest_mode = 0;
    CHECK_EQ("nested outer count", rec.count, 1);
    CHECK_EQ("nested inner count", inner.count, 1);
    CHECK_EQ("nested inner scause", inner.cause, CAUSE_BREAKPOINT);
    CHECK_EQ("nested inner sepc", inner.epc, (uint64_t)nested_ebreak_insn);
    CHECK_EQ("nested inner spp spie", inner.frame_sstatus & SIE_SPIE_SPP, SSTATUS_SPP);
    CHECK_EQ("nested outer frame sepc kept", inner.outer_frame_sepc, (uint64_t)ebreak32_insn);
    /* The inner trap overwrote sepc; the inner return wrote back its frame's sepc (inner ebreak + 4). */
    CHECK_EQ("nested sepc overwritten by inner", inner.outer_live_sepc_after, (uint64_t)nested_ebreak_insn + 4);
    CHECK_EQ("nested outer frame spie", rec.frame_sstatus & SIE_SPIE_SPP, SSTATUS_SPP | SSTATUS_SPIE);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* stvec vectored mode                                                                                        */

struct vec_log {
    uint64_t save_t1, save_t2, unused, n;
    uint64_t entry[8], cause[8], epc[8];
};
volatile struct vec_log vec_log;

/* Entry n of the table jumps to stub n, which saves t0 (in sscratch, 0 while in S), t1 and t2, then logs
 * (entry, scause, sepc). Exceptions resume 4 bytes on; an SSI clears sip.SSIP, an STI sets stimecmp to -1, any
 * other interrupt clears sie. */
#define VEC_STUB(n)                                                                                            \
    "vec_stub" #n ":\n"                                                                                        \
    "   csrw    sscratch, t0\n"                                                                                \
    "   la      t0, vec_log\n"                                                                                 \
    "   sd      t1, 0(t0)\n"                                                                                   \
    "   sd      t2, 8(t0)\n"                                                                                   \
    "   li      t1, " #n "\n"                                                                                  \
    "   j       vec_common\n"
__asm__(
    "   .pushsection .text.traps_vec, \"ax\", @progbits\n"
    "   .option push\n"
    "   .option norvc\n"
    "   .balign 256\n"
    "vec_table:\n"
    "   j vec_stub0\n   j vec_stub1\n   j vec_stub2\n   j vec_stub3\n"
    "   j vec_stub4\n   j vec_stub5\n   j vec_stub6\n   j vec_stub7\n"
    "   j vec_stub8\n   j vec_stub9\n   j vec_stub10\n  j vec_stub11\n"
    "   j vec_stub12\n  j vec_stub13\n  j vec_stub14\n  j vec_stub15\n"
    VEC_STUB(0) VEC_STUB(1) VEC_STUB(2) VEC_STUB(3) VEC_STUB(4) VEC_STUB(5) VEC_STUB(6) VEC_STUB(7)
    VEC_STUB(8) VEC_STUB(9) VEC_STUB(10) VEC_STUB(11) VEC_STUB(12) VEC_STUB(13) VEC_STUB(14) VEC_STUB(15)
    "vec_common:\n"
    "   ld      t2, 24(t0)\n"          /* n */
    "   sltiu   t2, t2, 8\n"
    "   beqz    t2, 1f\n"
    "   ld      t2, 24(t0)\n"
    "   slli    t2, t2, 3\n"
    "   add     t2, t2, t0\n"
    "   sd      t1, 32(t2)\n"          /* entry[n] */
    "   csrr    t1, scause\n"
    "   sd      t1, 96(t2)\n"          /* cause[n] */
    "   csrr    t1, sepc\n"
    "   sd      t1, 160(t2)\n"         /* epc[n] */
    "   ld      t2, 24(t0)\n"
    "   addi    t2, t2, 1\n"
    "   sd      t2, 24(t0)\n"
    "1: csrr    t1, scause\n"
    "   bltz    t1, 2f\n"
    "   csrr    t2, sepc\n"            /* exception: skip the (4-byte) instruction */
    "   addi    t2, t2, 4\n"
    "   csrw    sepc, t2\n"
    "   j       9f\n"
    "2: slli    t1, t1, 1\n"
    "   srli    t1, t1, 1\n"
    "   li      t2, 1\n"
    "   bne     t1, t2, 3f\n"
    "   csrci   sip, 2\n"              /* SSI */
    "   j       9f\n"
    "3: li      t2, 5\n"
    "   bne     t1, t2, 4f\n"
    "   li      t2, -1\n"
    "   csrw    0x14d, t2\n"           /* STI: stimecmp = -1 */
    "   j       9f\n"
    "4: csrw    sie, zero\n"
    "9: ld      t1, 0(t0)\n"
    "   ld      t2, 8(t0)\n"
    "   csrr    t0, sscratch\n"
    "   csrw    sscratch, zero\n"
    "   sret\n"
    "   .option pop\n"
    "   .popsection\n");
extern char vec_table[];
extern char _trap_entry[];

static void vec_clear(void)
{
    vec_log.n = 0;
    for (int i = 0; i < 8; i++)
        vec_log.entry[i] = vec_log.cause[i] = vec_log.epc[i] = 0;
}

static void test_vectored(void)
{
    CSR_WRITE(sie, 0);
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    CSR_WRITE(stvec, (uint64_t)vec_table | 1);
    CHECK_EQ("stvec vectored readback", CSR_READ(stvec), (uint64_t)vec_table | 1);

    /* Exception: to the base. */
    vec_clear();
    ebreak32();
    CHECK_EQ("vectored ebreak entry count", vec_log.n, 1);
    CHECK_EQ("vectored ebreak to base", vec_log.entry[0], 0);
    CHECK_EQ("vectored ebreak scause", vec_log.cause[0], CAUSE_BREAKPOINT);
    CHECK_EQ("vectored ebreak sepc", vec_log.epc[0], (uint64_t)ebreak32_insn);

    /* Supervisor software interrupt: to base + 4 * 1. */
    vec_clear();
    CSR_WRITE(sie, SIP_SSIP);
    CSR_SET(sip, SIP_SSIP);
    uint64_t mark;
    __asm__ volatile("csrsi sstatus, 2\n"
                     "1:\n"
                     "la    %0, 1b\n"
                     "csrci sstatus, 2\n"
                     : "=r"(mark)::"memory");
    CHECK_EQ("vectored ssi count", vec_log.n, 1);
    CHECK_EQ("vectored ssi to base+4", vec_log.entry[0], 1);
    CHECK_EQ("vectored ssi scause", vec_log.cause[0], SCAUSE_INTERRUPT | 1);
    CHECK_EQ("vectored ssi sepc", vec_log.epc[0], mark);
    CHECK_EQ("vectored ssi cleared", CSR_READ(sip) & SIP_SSIP, 0);

    /* Supervisor timer interrupt (Sstc stimecmp): to base + 4 * 5. */
    vec_clear();
    CSR_WRITE(sie, SIP_STIP);
    __asm__ volatile("csrw 0x14d, zero" ::: "memory");
    for (int i = 0; i < 1000000 && !(CSR_READ(sip) & SIP_STIP); i++)
        ;
    __asm__ volatile("csrsi sstatus, 2\n"
                     "1:\n"
                     "la    %0, 1b\n"
                     "csrci sstatus, 2\n"
                     : "=r"(mark)::"memory");
    CHECK_EQ("vectored sti count", vec_log.n, 1);
    CHECK_EQ("vectored sti to base+20", vec_log.entry[0], 5);
    CHECK_EQ("vectored sti scause", vec_log.cause[0], SCAUSE_INTERRUPT | 5);
    CHECK_EQ("vectored sti sepc", vec_log.epc[0], mark);
    CHECK_EQ("vectored sti cleared", CSR_READ(sip) & SIP_STIP, 0);

    CSR_WRITE(sie, 0);
    CSR_WRITE(stvec, (uint64_t)_trap_entry);
    CHECK_EQ("stvec direct readback", CSR_READ(stvec), (uint64_t)_trap_entry);
    CHECK_EQ("sscratch still 0", CSR_READ(sscratch), 0);
}

int main(void)
{
    test_begin("traps");
    trap_hook = rec_hook;
    test_illegal();
    test_breakpoint();
    test_misaligned();
    test_access_fault();
    test_page_fault();
    test_user_ecall();
    test_trap_state();
    test_vectored();
    trap_hook = 0;
    return test_end();
}
