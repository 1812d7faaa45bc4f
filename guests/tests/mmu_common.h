/*
 * Sv39 / Sv48 MMU test body, shared by tests/mmu_sv39 and tests/mmu_sv48 (define LEVELS to 3 or 4 and
 * TEST_NAME, then include this file).
 *
 * Physical memory used: the image at 0x80200000 and page tables and data pages allocated from _heap_start
 * (must stay below 0x80400000), plus the 2 MiB at 0x80400000 (superpage aliases). Everything stays inside
 * [0x80200000, 0x80600000), which is identity-mapped (S only, RWX, A and D set) in every paging phase. Nothing
 * below 0x80200000 is accessed, although the 1 GiB / 512 GiB leaves cover it.
 *
 * Virtual layout of the test mappings (the same for Sv39 and Sv48):
 *   0x4000_0000 + n * 4 KiB   4 KiB test pages (alias, invalid, A/D, sfence, permissions, MXR, ...)
 *   0x4020_0000               2 MiB leaf -> PA 0x8040_0000 (alias of the identity-mapped superpage area)
 *   0x4040_0000               2 MiB leaf with a misaligned PPN (-> page fault)
 *   0x4060_0000 ..            U pages: code (the .text.upage page), data, stack
 *   0xC000_0000               1 GiB leaf with a misaligned PPN (-> page fault)
 *   HIGH_VA                   1 GiB leaf -> PA 0x8000_0000 (sign-extended upper half)
 *   0xffff_ffff_ffff_f000     the top 4 KiB page of the address space
 *   Sv48 only: 0xffff_8080_0000_0000 512 GiB leaf -> PA 0; 0xffff_8100_0000_0000 misaligned 512 GiB leaf
 *
 * A/D bits: QEMU 7.2 updates A and D in hardware (the privileged spec's non-Svade scheme); the spec also allows
 * raising a page fault instead (Svade). These tests check the hardware-update behaviour; see guests/README.md.
 */
#include "test.h"

#if LEVELS == 3
#define SATP_MODE 8ull
#define HIGH_VA 0xffffffc000000000ull
#elif LEVELS == 4
#define SATP_MODE 9ull
#define HIGH_VA 0xffff800000000000ull
#else
#error "LEVELS must be 3 or 4"
#endif
#define VA_BITS (12 + 9 * LEVELS)

#define PTE_V 0x01ull
#define PTE_R 0x02ull
#define PTE_W 0x04ull
#define PTE_X 0x08ull
#define PTE_U 0x10ull
#define PTE_G 0x20ull
#define PTE_A 0x40ull
#define PTE_D 0x80ull
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

#define PAGE 4096ull
#define MEGA (1ull << 21)
#define GIGA (1ull << 30)

#define IDENT_START 0x80200000ull
#define IDENT_END   0x80600000ull
#define SUPER_PA    0x80400000ull /* 2 MiB area used through superpage aliases; the heap must stay below it */

#define TEST_VA(n)     (0x40000000ull + (uint64_t)(n) * PAGE)
#define VA_ALIAS       TEST_VA(0)
#define VA_INVALID     TEST_VA(1)
#define VA_NONLEAF     TEST_VA(2)
#define VA_AD          TEST_VA(3)
#define VA_SFENCE      TEST_VA(4)
#define VA_PERM        TEST_VA(5)
#define VA_MXR         TEST_VA(6)
#define VA_RSVD        TEST_VA(7)
#define VA_ASID        TEST_VA(8)
#define VA_INVALID2    TEST_VA(9)
#define VA_MEGA        0x40200000ull
#define VA_MEGA_BAD    0x40400000ull
#define VA_U_CODE      0x40600000ull
#define VA_U_DATA      0x40601000ull
#define VA_U_STACK     0x40602000ull
#define VA_MID_INVALID 0x40800000ull /* its level-1 entry is never set */
#define VA_GIGA_BAD    0xC0000000ull
#define VA_ROOT_INVALID (5ull << (12 + 9 * (LEVELS - 1))) /* its root entry is never set */
#define VA_TOP         0xfffffffffffff000ull
#if LEVELS == 4
#define VA_TERA        0xffff808000000000ull
#define VA_TERA_BAD    0xffff810000000000ull
#endif

/* Data words at fixed offsets in the test pages; code (li a0, 42; ret) at offset 0. */
#define OFF_DATA  0x800
#define OFF_DATA2 0x808
#define INSN_LI_A0_42 0x02a00513u
#define INSN_RET      0x00008067u
#define FETCH_RESULT  42
#define FETCH_FAILED  0xfe7cfa11ull
#define FAULTED       0xfa017000ull /* "got" value of a check that expected success but trapped: FAULTED | scause */

/* ---------------------------------------------------------------------------------------------------------- */
/* Probes (S mode) and the U page. All probe instructions are 4 bytes (norvc), so the hook can skip them.     */

__asm__(
    "   .pushsection .text.mmu_probe, \"ax\", @progbits\n"
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
    "probe_ebreak:\n"
    "probe_ebreak_insn:\n"
    "   ebreak\n"
    "   ret\n"
    "   .option pop\n"
    "   .popsection\n"
    /* The U page: mapped with U=1 at VA_U_CODE; the functions end with the user_call exit ecall. */
    "   .pushsection .text.upage, \"ax\", @progbits\n"
    "   .option push\n"
    "   .option norvc\n"
    "   .balign 4096\n"
    "upage_start:\n"
    "u_load:\n"
    "u_load_insn:\n"
    "   ld      a0, 0(a0)\n"
    "   li      a7, 0x55534552\n"
    "   ecall\n"
    "u_store:\n"
    "   li      t0, 0x5a5a\n"
    "u_store_insn:\n"
    "   sd      t0, 0(a0)\n"
    "   li      a0, 0\n"
    "   li      a7, 0x55534552\n"
    "   ecall\n"
    "u_fetch:\n"
    "   jalr    ra, 0(a0)\n"
    "   li      a7, 0x55534552\n"
    "   ecall\n"
    "u_ret42:\n"
    "   li      a0, 42\n"
    "   ret\n"
    "u_ecall:\n"
    "   li      a7, 0x1234\n"
    "u_ecall_insn:\n"
    "   ecall\n"
    "   li      a0, 7\n"
    "   li      a7, 0x55534552\n"
    "   ecall\n"
    "   .balign 4096\n"
    "upage_end:\n"
    "   .option pop\n"
    "   .popsection\n");

uint64_t probe_load(uint64_t va);
void probe_store(uint64_t va, uint64_t value);
uint64_t probe_fetch(uint64_t va);
void probe_ebreak(void);
extern char probe_load_insn[], probe_store_insn[], probe_ebreak_insn[];
extern char upage_start[], upage_end[], u_load[], u_load_insn[], u_store[], u_store_insn[], u_fetch[], u_ret42[],
    u_ecall[], u_ecall_insn[];

#define U_VA(sym) (VA_U_CODE + ((uint64_t)(sym) - (uint64_t)upage_start))

/* ---------------------------------------------------------------------------------------------------------- */
/* Check names                                                                                                */

static char name_bufs[8][96];
static unsigned name_next;

static const char *nm(const char *a, const char *b)
{
    char *buf = name_bufs[name_next++ % 8];
    unsigned n = 0;
    for (; *a && n < 94; a++)
        buf[n++] = *a;
    if (*b && n < 94)
        buf[n++] = ' ';
    for (; *b && n < 94; b++)
        buf[n++] = *b;
    buf[n] = 0;
    return buf;
}

static const char *nm_u(const char *a, unsigned v)
{
    char digits[12];
    unsigned n = 0;
    do
        digits[n++] = '0' + v % 10;
    while (v /= 10);
    char rev[12];
    for (unsigned i = 0; i < n; i++)
        rev[i] = digits[n - 1 - i];
    rev[n] = 0;
    return nm(a, rev);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Trap hook                                                                                                  */

static volatile struct {
    uint64_t count, cause, tval, epc, sstatus;
} flt;
static volatile int probe_active;

static int mmu_hook(struct trap_frame *f)
{
    if (!probe_active || (f->scause & SCAUSE_INTERRUPT))
        return 0;
    uint64_t c = f->scause, pc = f->sepc;
    if (c == CAUSE_LOAD_PAGE_FAULT || c == CAUSE_LOAD_ACCESS) {
        if (pc != (uint64_t)probe_load_insn && pc != U_VA(u_load_insn))
            return 0;
    } else if (c == CAUSE_STORE_PAGE_FAULT || c == CAUSE_STORE_ACCESS) {
        if (pc != (uint64_t)probe_store_insn && pc != U_VA(u_store_insn))
            return 0;
    } else if (c == CAUSE_USER_ECALL) {
        if (pc != U_VA(u_ecall_insn))
            return 0;
    } else if (c == CAUSE_BREAKPOINT) {
        if (pc != (uint64_t)probe_ebreak_insn)
            return 0;
    } else if (c != CAUSE_FETCH_PAGE_FAULT && c != CAUSE_FETCH_ACCESS) {
        return 0;
    }
    flt.count++;
    flt.cause = c;
    flt.tval = f->stval;
    flt.epc = pc;
    flt.sstatus = f->sstatus;
    if (c == CAUSE_FETCH_PAGE_FAULT || c == CAUSE_FETCH_ACCESS) {
        f->sepc = f->regs[1]; /* back to the jalr's caller */
        f->regs[10] = FETCH_FAILED;
    } else {
        f->sepc = pc + 4;
    }
    return 1;
}

static void flt_clear(void)
{
    flt.count = flt.cause = flt.tval = flt.epc = flt.sstatus = 0;
}

static uint64_t do_load(uint64_t va)
{
    flt_clear();
    probe_active = 1;
    uint64_t v = probe_load(va);
    probe_active = 0;
    return v;
}

static void do_store(uint64_t va, uint64_t value)
{
    flt_clear();
    probe_active = 1;
    probe_store(va, value);
    probe_active = 0;
}

static uint64_t do_fetch(uint64_t va)
{
    flt_clear();
    probe_active = 1;
    uint64_t v = probe_fetch(va);
    probe_active = 0;
    return v;
}

static uint64_t user_probe(char *ufn, uint64_t arg)
{
    flt_clear();
    probe_active = 1;
    uint64_t v = (uint64_t)user_call((long (*)(long))U_VA(ufn), (long)arg, (void *)(VA_U_STACK + PAGE));
    probe_active = 0;
    return v;
}

/* The trap cause seen, 0 if none; 0x100 + count if more than one trap. */
static uint64_t fault_cause(void)
{
    return flt.count == 0 ? 0 : flt.count == 1 ? flt.cause : 0x100 + flt.count;
}

#define CHECK_TVAL 1
#define NO_TVAL    0

static void check_fault(const char *name, uint64_t want_cause, uint64_t va, int tval)
{
    CHECK_EQ(name, fault_cause(), want_cause);
    if (tval)
        CHECK_EQ(nm(name, "stval"), flt.tval, va);
}

/* want_cause 0: the load must succeed and return want_val; else it must fault with want_cause and stval = va. */
static void expect_load(const char *name, uint64_t va, uint64_t want_cause, uint64_t want_val, int tval)
{
    uint64_t v = do_load(va);
    if (!want_cause)
        CHECK_EQ(name, flt.count ? FAULTED | flt.cause : v, want_val);
    else
        check_fault(name, want_cause, va, tval);
}

/* want_cause 0: the store must succeed and the value must then be in memory at physical address pa. */
static void expect_store(const char *name, uint64_t va, uint64_t want_cause, uint64_t pa, uint64_t value, int tval)
{
    do_store(va, value);
    if (!want_cause)
        CHECK_EQ(name, flt.count ? FAULTED | flt.cause : *(volatile uint64_t *)pa, value);
    else
        check_fault(name, want_cause, va, tval);
}

/* The page at va must hold "li a0, 42; ret" at offset 0 if the fetch is to succeed. */
static void expect_fetch(const char *name, uint64_t va, uint64_t want_cause, int tval)
{
    uint64_t v = do_fetch(va);
    if (!want_cause) {
        CHECK_EQ(name, flt.count ? FAULTED | flt.cause : v, FETCH_RESULT);
    } else {
        check_fault(name, want_cause, va, tval);
        if (tval)
            CHECK_EQ(nm(name, "sepc"), flt.epc, va);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Page tables                                                                                                */

static uint64_t heap_next;
static uint64_t *pt_root;

static void sfence_all(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void sfence_va(uint64_t va)
{
    __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

static void sfence_asid(uint64_t asid)
{
    __asm__ volatile("sfence.vma zero, %0" ::"r"(asid) : "memory");
}

static void sfence_va_asid(uint64_t va, uint64_t asid)
{
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}

static uint64_t alloc_page(void)
{
    uint64_t p = heap_next;
    heap_next += PAGE;
    if (heap_next > SUPER_PA)
        test_abort("page allocator ran into the superpage area");
    memset((void *)p, 0, PAGE);
    return p;
}

static unsigned vpn(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 511;
}

static uint64_t pte_pa(uint64_t pte)
{
    return ((pte >> 10) & ((1ull << 44) - 1)) << 12;
}

/* The PTE slot for va at `level` (0 = 4 KiB leaf), creating next-level tables on the way as needed. */
static volatile uint64_t *pte_slot_in(uint64_t *root, uint64_t va, int level)
{
    uint64_t *t = root;
    for (int l = LEVELS - 1; l > level; l--) {
        uint64_t *e = &t[vpn(va, l)];
        if (!(*e & PTE_V))
            *e = (alloc_page() >> 12) << 10 | PTE_V;
        else if (*e & PTE_RWX)
            test_abort("pte_slot: walking through a leaf");
        t = (uint64_t *)pte_pa(*e);
    }
    return &t[vpn(va, level)];
}

static volatile uint64_t *pte_slot(uint64_t va, int level)
{
    return pte_slot_in(pt_root, va, level);
}

static uint64_t make_pte(uint64_t pa, uint64_t flags)
{
    return (pa >> 12) << 10 | flags;
}

static void map(uint64_t va, uint64_t pa, int level, uint64_t flags)
{
    *pte_slot(va, level) = make_pte(pa, flags);
}

static uint64_t satp_for(uint64_t *root, uint64_t asid)
{
    return SATP_MODE << 60 | asid << 44 | (uint64_t)root >> 12;
}

static void paging_off(void)
{
    CSR_WRITE(satp, 0);
    sfence_all();
}

static void paging_on(uint64_t asid)
{
    sfence_all();
    CSR_WRITE(satp, satp_for(pt_root, asid));
    sfence_all();
}

static void tables_reset(void)
{
    paging_off();
    heap_next = (uint64_t)_heap_start;
    pt_root = (uint64_t *)alloc_page();
}

#define IDENT_FLAGS (PTE_V | PTE_RWX | PTE_A | PTE_D)

/* Identity-map [IDENT_START, IDENT_END) in root with leaves of the given level. */
static void identity_map_in(uint64_t *root, int level)
{
    if (level <= 1) {
        uint64_t step = level == 0 ? PAGE : MEGA;
        for (uint64_t pa = IDENT_START; pa < IDENT_END; pa += step)
            *pte_slot_in(root, pa, level) = make_pte(pa, IDENT_FLAGS);
    } else if (level == 2) {
        *pte_slot_in(root, 0x80000000ull, 2) = make_pte(0x80000000ull, IDENT_FLAGS);
    } else {
        *pte_slot_in(root, 0, 3) = make_pte(0, IDENT_FLAGS); /* 512 GiB at PA 0 */
    }
}

/* A fresh data page: pattern words, and "li a0, 42; ret" at offset 0. */
static uint64_t data_page(uint64_t tag)
{
    uint64_t p = alloc_page();
    volatile uint32_t *code = (volatile uint32_t *)p;
    code[0] = INSN_LI_A0_42;
    code[1] = INSN_RET;
    *(volatile uint64_t *)(p + OFF_DATA) = 0xda7a000000000000ull | tag;
    *(volatile uint64_t *)(p + OFF_DATA2) = 0xda7b000000000000ull | tag;
    __asm__ volatile("fence.i" ::: "memory");
    return p;
}

#define DATA_OF(tag)  (0xda7a000000000000ull | (tag))
#define DATA2_OF(tag) (0xda7b000000000000ull | (tag))

/* ---------------------------------------------------------------------------------------------------------- */
/* Phases                                                                                                     */

static volatile uint64_t smoke_word = 0x1234567890abcdefull;

static void identity_phase(const char *phase, int level)
{
    tables_reset();
    identity_map_in(pt_root, level);
    uint64_t page = data_page(0x51);
    paging_on(0);
    CHECK_EQ(nm(phase, "satp"), CSR_READ(satp), satp_for(pt_root, 0));
    CHECK_EQ(nm(phase, "read .data"), smoke_word, 0x1234567890abcdefull);
    smoke_word = 0x0f1e2d3c4b5a6978ull;
    CHECK_EQ(nm(phase, "write .data"), do_load((uint64_t)&smoke_word), 0x0f1e2d3c4b5a6978ull);
    smoke_word = 0x1234567890abcdefull;
    expect_load(nm(phase, "load heap page"), page + OFF_DATA, 0, DATA_OF(0x51), CHECK_TVAL);
    expect_fetch(nm(phase, "fetch heap page"), page, 0, CHECK_TVAL);
    flt_clear();
    probe_active = 1;
    probe_ebreak();
    probe_active = 0;
    CHECK_EQ(nm(phase, "ebreak trap"), fault_cause(), CAUSE_BREAKPOINT);
    paging_off();
    CHECK_EQ(nm(phase, "satp bare again"), CSR_READ(satp), 0);
}

/* Tables for the feature tests: 4 KiB identity map plus the test mappings. */
struct pages {
    uint64_t alias, invalid, ad, sfence1, sfence2, perm, mxr, rsvd, asid1, asid2, udata, ustack, table;
};
static struct pages pg;

static void build_feature_tables(void)
{
    tables_reset();
    identity_map_in(pt_root, 0);
    pg.alias = data_page(0x01);
    pg.invalid = data_page(0x02);
    pg.ad = data_page(0x03);
    pg.sfence1 = data_page(0x04);
    pg.sfence2 = data_page(0x05);
    pg.perm = data_page(0x06);
    pg.mxr = data_page(0x07);
    pg.rsvd = data_page(0x08);
    pg.asid1 = data_page(0x09);
    pg.asid2 = data_page(0x0a);
    pg.udata = data_page(0x0b);
    pg.ustack = data_page(0x0c);
    pg.table = alloc_page(); /* an empty page-table page, target of a non-leaf PTE at level 0 */
    /* Superpage area: code and data at the start and at the last page of the 2 MiB. */
    for (uint64_t off = 0; off < MEGA; off += MEGA - PAGE) {
        volatile uint32_t *code = (volatile uint32_t *)(SUPER_PA + off);
        code[0] = INSN_LI_A0_42;
        code[1] = INSN_RET;
        *(volatile uint64_t *)(SUPER_PA + off + OFF_DATA) = DATA_OF(0x100 + (off >> 12));
    }
    __asm__ volatile("fence.i" ::: "memory");

    map(VA_ALIAS, pg.alias, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    map(VA_INVALID, pg.invalid, 0, PTE_RWX | PTE_A | PTE_D); /* V = 0, everything else set */
    *pte_slot(VA_NONLEAF, 0) = make_pte(pg.table, PTE_V); /* pointer PTE at the last level */
    map(VA_MEGA, SUPER_PA, 1, PTE_V | PTE_RWX | PTE_A | PTE_D);
    map(VA_MEGA_BAD, SUPER_PA + PAGE, 1, PTE_V | PTE_RWX | PTE_A | PTE_D);
    map(VA_GIGA_BAD, IDENT_START, 2, PTE_V | PTE_RWX | PTE_A | PTE_D);
    map(HIGH_VA, 0x80000000ull, 2, PTE_V | PTE_RWX | PTE_A | PTE_D);
    map(VA_TOP, pg.alias, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
#if LEVELS == 4
    map(VA_TERA, 0, 3, PTE_V | PTE_RWX | PTE_A | PTE_D);
    map(VA_TERA_BAD, 0x80000000ull, 3, PTE_V | PTE_RWX | PTE_A | PTE_D);
#endif
    map(VA_U_CODE, (uint64_t)upage_start, 0, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    map(VA_U_DATA, pg.udata, 0, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
    map(VA_U_STACK, pg.ustack, 0, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    /* Make sure the level-1 table for 0x4000_0000 exists (VA_MID_INVALID's entry in it stays 0). */
    (void)pte_slot(VA_MID_INVALID - MEGA, 1);
}

static void test_alias_and_high(void)
{
    /* Alias: the same physical page through the identity map and VA_ALIAS. */
    expect_load("alias load", VA_ALIAS + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    expect_store("alias store seen at pa", VA_ALIAS + 0x100, 0, pg.alias + 0x100, 0xa11a5a11a5000001ull, CHECK_TVAL);
    *(volatile uint64_t *)(pg.alias + 0x108) = 0xa11a5a11a5000002ull;
    expect_load("alias sees identity store", VA_ALIAS + 0x108, 0, 0xa11a5a11a5000002ull, CHECK_TVAL);
    /* Top page of the address space, also an alias of pg.alias. */
    expect_load("top page load", VA_TOP + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    expect_store("top page store last dword", VA_TOP + 0xff8, 0, pg.alias + 0xff8, 0x70907090709070ffull, CHECK_TVAL);
    expect_load("alias sees top page store", VA_ALIAS + 0xff8, 0, 0x70907090709070ffull, CHECK_TVAL);
    /* 2 MiB leaf -> SUPER_PA. */
    expect_load("megapage load first page", VA_MEGA + OFF_DATA, 0, DATA_OF(0x100), CHECK_TVAL);
    expect_load("megapage load last page", VA_MEGA + MEGA - PAGE + OFF_DATA, 0, DATA_OF(0x100 + 511), CHECK_TVAL);
    expect_store("megapage store", VA_MEGA + 0x1234 * 8, 0, SUPER_PA + 0x1234 * 8, 0x3e6a3e6a3e6a0001ull, CHECK_TVAL);
    expect_fetch("megapage fetch", VA_MEGA + MEGA - PAGE, 0, CHECK_TVAL);
    /* 1 GiB leaf in the upper half -> PA 0x8000_0000. */
    expect_load("high gigapage load", HIGH_VA + (SUPER_PA - 0x80000000ull) + OFF_DATA, 0, DATA_OF(0x100),
                CHECK_TVAL);
    expect_store("high gigapage store", HIGH_VA + (SUPER_PA - 0x80000000ull) + 0x2468 * 8, 0, SUPER_PA + 0x2468 * 8,
                 0x916a916a916a0001ull, CHECK_TVAL);
    expect_load("high gigapage reads .data", HIGH_VA + ((uint64_t)&smoke_word - 0x80000000ull), 0,
                0x1234567890abcdefull, CHECK_TVAL);
    expect_fetch("high gigapage fetch", HIGH_VA + (SUPER_PA - 0x80000000ull), 0, CHECK_TVAL);
#if LEVELS == 4
    /* 512 GiB leaf -> PA 0. */
    expect_load("terapage load", VA_TERA + SUPER_PA + OFF_DATA, 0, DATA_OF(0x100), CHECK_TVAL);
    expect_store("terapage store", VA_TERA + SUPER_PA + 0x3579 * 8, 0, SUPER_PA + 0x3579 * 8, 0x7e6a7e6a7e6a0001ull,
                 CHECK_TVAL);
    expect_fetch("terapage fetch", VA_TERA + SUPER_PA, 0, CHECK_TVAL);
#endif
}

static void test_noncanonical(void)
{
    /* Bits above the top VA bit not all equal to it: page fault even though the low bits are mapped. stval is
     * not checked: the spec lets an implementation convert an invalid address before writing stval. */
    uint64_t nc_pos = (1ull << VA_BITS) | VA_ALIAS;              /* bit VA_BITS set, sign bit clear */
    uint64_t nc_neg = (~0ull << VA_BITS) | VA_ALIAS;             /* upper bits set, sign bit clear */
    uint64_t nc_top = VA_TOP & ~(1ull << 63);                    /* top page with bit 63 cleared */
    expect_load("noncanonical low load", VA_ALIAS + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    expect_load("noncanonical +bit load", nc_pos + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, NO_TVAL);
    expect_store("noncanonical +bit store", nc_pos + OFF_DATA, CAUSE_STORE_PAGE_FAULT, 0, 1, NO_TVAL);
    expect_fetch("noncanonical +bit fetch", nc_pos, CAUSE_FETCH_PAGE_FAULT, NO_TVAL);
    expect_load("noncanonical -bits load", nc_neg + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, NO_TVAL);
    expect_load("noncanonical bit63 load", nc_top + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, NO_TVAL);
    expect_store("noncanonical bit63 store", nc_top + OFF_DATA, CAUSE_STORE_PAGE_FAULT, 0, 1, NO_TVAL);
    CHECK_EQ("noncanonical store wrote nothing", *(volatile uint64_t *)(pg.alias + OFF_DATA), DATA_OF(0x01));
}

static void test_invalid(void)
{
    /* V = 0 leaf (R, W, X, A, D set). */
    expect_load("invalid leaf load", VA_INVALID + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_store("invalid leaf store", VA_INVALID + OFF_DATA2, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    expect_fetch("invalid leaf fetch", VA_INVALID, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    CHECK_EQ("invalid leaf store wrote nothing", *(volatile uint64_t *)(pg.invalid + OFF_DATA2), DATA2_OF(0x02));
    /* A PTE that is all zero at the leaf level, and missing entries at higher levels. */
    expect_load("zero pte load", VA_INVALID2 + 0x10, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_load("invalid level-1 entry load", VA_MID_INVALID + 0x18, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_fetch("invalid level-1 entry fetch", VA_MID_INVALID + 0x20, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    expect_load("invalid root entry load", VA_ROOT_INVALID + 0x28, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_store("invalid root entry store", VA_ROOT_INVALID + 0x30, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    /* Non-leaf (pointer) PTE at level 0. */
    expect_load("nonleaf at level 0 load", VA_NONLEAF + 0x38, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_store("nonleaf at level 0 store", VA_NONLEAF + 0x40, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    expect_fetch("nonleaf at level 0 fetch", VA_NONLEAF, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    /* Misaligned superpages: a leaf above level 0 whose low PPN bits are not zero. */
    expect_load("misaligned megapage load", VA_MEGA_BAD + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_store("misaligned megapage store", VA_MEGA_BAD + OFF_DATA, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    expect_fetch("misaligned megapage fetch", VA_MEGA_BAD, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    expect_load("misaligned gigapage load", VA_GIGA_BAD + 0x48, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_fetch("misaligned gigapage fetch", VA_GIGA_BAD, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
#if LEVELS == 4
    expect_load("misaligned terapage load", VA_TERA_BAD + 0x50, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
#endif
    /* Reserved PTE bits 63:54 must be zero; if any is set, the access raises a page fault. */
    static const struct {
        const char *name;
        uint64_t bit;
    } rsvd[] = { { "rsvd bit 54", 1ull << 54 }, { "rsvd bit 60", 1ull << 60 } };
    for (unsigned i = 0; i < sizeof rsvd / sizeof rsvd[0]; i++) {
        *pte_slot(VA_RSVD, 0) = make_pte(pg.rsvd, PTE_V | PTE_RWX | PTE_A | PTE_D) | rsvd[i].bit;
        sfence_va(VA_RSVD);
        expect_load(nm(rsvd[i].name, "load"), VA_RSVD + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
        expect_store(nm(rsvd[i].name, "store"), VA_RSVD + OFF_DATA, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
        expect_fetch(nm(rsvd[i].name, "fetch"), VA_RSVD, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    }
    *pte_slot(VA_RSVD, 0) = make_pte(pg.rsvd, PTE_V | PTE_RWX | PTE_A | PTE_D);
    sfence_va(VA_RSVD);
    expect_load("rsvd bits clear load", VA_RSVD + OFF_DATA, 0, DATA_OF(0x08), CHECK_TVAL);
}

static void test_permissions(void)
{
    static const struct {
        const char *name;
        uint64_t flags;
        int r, w, x;
    } perms[] = {
        { "perm R", PTE_R, 1, 0, 0 },           { "perm RW", PTE_R | PTE_W, 1, 1, 0 },
        { "perm X", PTE_X, 0, 0, 1 },           { "perm RX", PTE_R | PTE_X, 1, 0, 1 },
        { "perm RWX", PTE_R | PTE_W | PTE_X, 1, 1, 1 },
        { "perm W reserved", PTE_W, 0, 0, 0 },  { "perm WX reserved", PTE_W | PTE_X, 0, 0, 0 },
    };
    for (unsigned i = 0; i < sizeof perms / sizeof perms[0]; i++) {
        *pte_slot(VA_PERM, 0) = make_pte(pg.perm, PTE_V | PTE_A | PTE_D | perms[i].flags);
        sfence_va(VA_PERM);
        uint64_t value = 0x5e75e7000000ull | i;
        expect_load(nm(perms[i].name, "load"), VA_PERM + OFF_DATA, perms[i].r ? 0 : CAUSE_LOAD_PAGE_FAULT,
                    DATA_OF(0x06), CHECK_TVAL);
        expect_store(nm(perms[i].name, "store"), VA_PERM + OFF_DATA2, perms[i].w ? 0 : CAUSE_STORE_PAGE_FAULT,
                     pg.perm + OFF_DATA2, value, CHECK_TVAL);
        expect_fetch(nm(perms[i].name, "fetch"), VA_PERM, perms[i].x ? 0 : CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    }
    CHECK_EQ("perm faulting stores wrote nothing", *(volatile uint64_t *)(pg.perm + OFF_DATA2),
             0x5e75e7000000ull | 4);
}

static void test_mxr(void)
{
    /* Execute-only page: loads fault unless sstatus.MXR = 1; MXR never allows stores. */
    *pte_slot(VA_MXR, 0) = make_pte(pg.mxr, PTE_V | PTE_X | PTE_A | PTE_D);
    sfence_va(VA_MXR);
    expect_fetch("mxr x-only fetch", VA_MXR, 0, CHECK_TVAL);
    expect_load("mxr=0 x-only load", VA_MXR + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    CSR_SET(sstatus, SSTATUS_MXR);
    CHECK("mxr bit writable", (CSR_READ(sstatus) & SSTATUS_MXR) != 0);
    expect_load("mxr=1 x-only load", VA_MXR + OFF_DATA, 0, DATA_OF(0x07), CHECK_TVAL);
    expect_store("mxr=1 x-only store", VA_MXR + OFF_DATA, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    CSR_CLEAR(sstatus, SSTATUS_MXR);
    expect_load("mxr cleared x-only load", VA_MXR + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    /* MXR does not make an invalid page readable. */
    CSR_SET(sstatus, SSTATUS_MXR);
    expect_load("mxr=1 invalid leaf load", VA_INVALID + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    CSR_CLEAR(sstatus, SSTATUS_MXR);
}

static void test_user(void)
{
    uint64_t udata_val = DATA_OF(0x0b);
    /* S accessing U pages: faults without SUM, allowed with SUM (loads/stores); fetch always faults. */
    expect_load("sum=0 S load U page", VA_U_DATA + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    expect_store("sum=0 S store U page", VA_U_DATA + OFF_DATA2, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    expect_fetch("sum=0 S fetch U page", VA_U_DATA, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    CSR_SET(sstatus, SSTATUS_SUM);
    CHECK("sum bit writable", (CSR_READ(sstatus) & SSTATUS_SUM) != 0);
    /* Fetches first: QEMU 7.2 lets S fetch from a U page whose translation a SUM=1 load has put in its TLB
     * (see guests/README.md); the spec forbids it regardless of SUM. */
    sfence_all();
    expect_fetch("sum=1 S fetch U page", VA_U_DATA, CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    expect_fetch("sum=1 S fetch U code page", U_VA(u_ret42), CAUSE_FETCH_PAGE_FAULT, CHECK_TVAL);
    expect_load("sum=1 S load U page", VA_U_DATA + OFF_DATA, 0, udata_val, CHECK_TVAL);
    expect_store("sum=1 S store U page", VA_U_DATA + OFF_DATA2, 0, pg.udata + OFF_DATA2, 0x5a3e5a3e00000001ull,
                 CHECK_TVAL);
    CSR_CLEAR(sstatus, SSTATUS_SUM);

    /* U mode on U pages: user_call srets to U_VA(fn) (a U page), the exit ecall comes back. */
    uint64_t v = user_probe(u_load, VA_U_DATA + OFF_DATA);
    CHECK_EQ("user load U page", flt.count ? FAULTED | flt.cause : v, udata_val);
    user_probe(u_store, VA_U_DATA + 0x10);
    CHECK_EQ("user store U page", flt.count ? FAULTED | flt.cause : *(volatile uint64_t *)(pg.udata + 0x10), 0x5a5a);
    v = user_probe(u_fetch, U_VA(u_ret42));
    CHECK_EQ("user fetch U page", flt.count ? FAULTED | flt.cause : v, FETCH_RESULT);
    v = user_probe(u_ecall, 0);
    CHECK_EQ("user ecall scause", fault_cause(), CAUSE_USER_ECALL);
    CHECK_EQ("user ecall sepc", flt.epc, U_VA(u_ecall_insn));
    CHECK_EQ("user ecall spp", flt.sstatus & SSTATUS_SPP, 0);
    CHECK_EQ("user ecall resumed", v, 7);
    CHECK_EQ("back in S satp", CSR_READ(satp), satp_for(pt_root, 0));

    /* U mode on S pages: every access faults, with SUM or not. */
    user_probe(u_load, VA_ALIAS + OFF_DATA);
    check_fault("user load S page", CAUSE_LOAD_PAGE_FAULT, VA_ALIAS + OFF_DATA, CHECK_TVAL);
    CHECK_EQ("user load S page sepc", flt.epc, U_VA(u_load_insn));
    CHECK_EQ("user load S page spp", flt.sstatus & SSTATUS_SPP, 0);
    user_probe(u_store, VA_ALIAS + OFF_DATA2);
    check_fault("user store S page", CAUSE_STORE_PAGE_FAULT, VA_ALIAS + OFF_DATA2, CHECK_TVAL);
    CHECK_EQ("user store S page sepc", flt.epc, U_VA(u_store_insn));
    v = user_probe(u_fetch, VA_ALIAS);
    check_fault("user fetch S page", CAUSE_FETCH_PAGE_FAULT, VA_ALIAS, CHECK_TVAL);
    CHECK_EQ("user fetch S page sepc", flt.epc, VA_ALIAS);
    CSR_SET(sstatus, SSTATUS_SUM);
    user_probe(u_load, VA_ALIAS + OFF_DATA);
    check_fault("sum=1 user load S page", CAUSE_LOAD_PAGE_FAULT, VA_ALIAS + OFF_DATA, CHECK_TVAL);
    CSR_CLEAR(sstatus, SSTATUS_SUM);
    CHECK_EQ("user S page stores wrote nothing", *(volatile uint64_t *)(pg.alias + OFF_DATA2), DATA2_OF(0x01));
    /* U mode, invalid page. */
    user_probe(u_load, VA_INVALID + OFF_DATA);
    check_fault("user load invalid page", CAUSE_LOAD_PAGE_FAULT, VA_INVALID + OFF_DATA, CHECK_TVAL);
}

static void test_ad(void)
{
    volatile uint64_t *pte = pte_slot(VA_AD, 0);
    /* A = D = 0, load: A is set, D stays clear. */
    *pte = make_pte(pg.ad, PTE_V | PTE_R | PTE_W | PTE_X);
    sfence_va(VA_AD);
    expect_load("ad load ok", VA_AD + OFF_DATA, 0, DATA_OF(0x03), CHECK_TVAL);
    CHECK_EQ("ad load sets A only", *pte & (PTE_A | PTE_D), PTE_A);
    /* Then a store: D is set. */
    expect_store("ad store ok", VA_AD + OFF_DATA2, 0, pg.ad + OFF_DATA2, 0xad00ad00ad000001ull, CHECK_TVAL);
    CHECK_EQ("ad store sets D", *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
    /* A = D = 0, store first: both are set. */
    *pte = make_pte(pg.ad, PTE_V | PTE_R | PTE_W | PTE_X);
    sfence_va(VA_AD);
    expect_store("ad store first ok", VA_AD + OFF_DATA2, 0, pg.ad + OFF_DATA2, 0xad00ad00ad000002ull, CHECK_TVAL);
    CHECK_EQ("ad store first sets A and D", *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
    /* A = 1, D = 0, store: D is set. */
    *pte = make_pte(pg.ad, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A);
    sfence_va(VA_AD);
    expect_store("ad A=1 store ok", VA_AD + OFF_DATA2, 0, pg.ad + OFF_DATA2, 0xad00ad00ad000003ull, CHECK_TVAL);
    CHECK_EQ("ad A=1 store sets D", *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
    /* A = D = 0, fetch: A is set, D stays clear. */
    *pte = make_pte(pg.ad, PTE_V | PTE_R | PTE_X);
    sfence_va(VA_AD);
    expect_fetch("ad fetch ok", VA_AD, 0, CHECK_TVAL);
    CHECK_EQ("ad fetch sets A only", *pte & (PTE_A | PTE_D), PTE_A);
    /* A faulting access (store to a read-only page) must not set D. */
    *pte = make_pte(pg.ad, PTE_V | PTE_R | PTE_A);
    sfence_va(VA_AD);
    expect_store("ad store to R page faults", VA_AD + OFF_DATA2, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    CHECK_EQ("ad faulting store leaves D clear", *pte & (PTE_A | PTE_D), PTE_A);
    /* Nor must an invalid PTE be updated. */
    *pte = make_pte(pg.ad, PTE_R | PTE_W);
    sfence_va(VA_AD);
    expect_store("ad store to invalid faults", VA_AD + OFF_DATA2, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    CHECK_EQ("ad invalid pte unchanged", *pte, make_pte(pg.ad, PTE_R | PTE_W));
}

/* sfence.vma forms after PTE changes, running with the given ASID in satp. Check names are prefixed. */
static void test_sfence(const char *pfx, uint64_t asid)
{
    CSR_WRITE(satp, satp_for(pt_root, asid));
    sfence_all();
    volatile uint64_t *pte = pte_slot(VA_SFENCE, 0);
    uint64_t flags = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    *pte = make_pte(pg.sfence1, flags);
    sfence_all();
    expect_load(nm(pfx, "sfence initial mapping"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x04), CHECK_TVAL);
    *pte = make_pte(pg.sfence2, flags);
    sfence_va(VA_SFENCE);
    expect_load(nm(pfx, "sfence.vma va"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x05), CHECK_TVAL);
    *pte = make_pte(pg.sfence1, flags);
    sfence_asid(asid);
    expect_load(nm(pfx, "sfence.vma x0 asid"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x04), CHECK_TVAL);
    *pte = make_pte(pg.sfence2, flags);
    sfence_va_asid(VA_SFENCE, asid);
    expect_load(nm(pfx, "sfence.vma va asid"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x05), CHECK_TVAL);
    *pte = make_pte(pg.sfence1, flags);
    sfence_all();
    expect_load(nm(pfx, "sfence.vma all"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x04), CHECK_TVAL);
    /* Invalidate, then validate again. */
    *pte = 0;
    sfence_va(VA_SFENCE);
    expect_load(nm(pfx, "sfence invalidated"), VA_SFENCE + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    *pte = make_pte(pg.sfence2, flags);
    sfence_va(VA_SFENCE);
    expect_load(nm(pfx, "sfence revalidated"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x05), CHECK_TVAL);
    /* Permission change: RW -> R, store now faults. */
    *pte = make_pte(pg.sfence2, PTE_V | PTE_R | PTE_A | PTE_D);
    sfence_va(VA_SFENCE);
    expect_store(nm(pfx, "sfence write revoked"), VA_SFENCE + OFF_DATA2, CAUSE_STORE_PAGE_FAULT, 0, 1, CHECK_TVAL);
    /* Global mapping: sfence.vma va (rs2 = x0) covers it. */
    *pte = make_pte(pg.sfence1, flags | PTE_G);
    sfence_va(VA_SFENCE);
    expect_load(nm(pfx, "sfence global mapping"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x04), CHECK_TVAL);
    *pte = make_pte(pg.sfence2, flags | PTE_G);
    sfence_all();
    expect_load(nm(pfx, "sfence global remapped"), VA_SFENCE + OFF_DATA, 0, DATA_OF(0x05), CHECK_TVAL);
    *pte = 0;
    CSR_WRITE(satp, satp_for(pt_root, 0));
    sfence_all();
}

/* satp: ASID field and WARL MODE. Returns the implemented ASID mask. */
static uint64_t test_satp(void)
{
    uint64_t base = satp_for(pt_root, 0);
    CHECK_EQ("satp readback asid 0", CSR_READ(satp), base);
    /* ASIDLEN: the implemented ASID bits are the low ones; write all ones and read back. */
    CSR_WRITE(satp, base | 0xffffull << 44);
    uint64_t rb = CSR_READ(satp);
    uint64_t mask = (rb >> 44) & 0xffff;
    CHECK_EQ("satp asid write keeps mode and ppn", rb & ~(0xffffull << 44), base);
    CHECK("satp asid bits are the low ones", (mask & (mask + 1)) == 0);
    expect_load("satp asid max translates", VA_ALIAS + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    CSR_WRITE(satp, base | 1ull << 44);
    CHECK_EQ("satp asid 1 readback", CSR_READ(satp), base | (1ull & mask) << 44);
    CSR_WRITE(satp, base);
    sfence_all();
    CHECK_EQ("satp asid 0 again", CSR_READ(satp), base);

    /* Unsupported MODE values: the whole write has no effect (reserved 1..7 and 11..13). */
    static const unsigned modes[] = { 1, 2, 3, 4, 5, 6, 7, 11, 12, 13 };
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        CSR_WRITE(satp, (uint64_t)modes[i] << 60 | 0x5ull << 44 | ((uint64_t)pt_root >> 12));
        CHECK_EQ(nm_u("satp write ignored for mode", modes[i]), CSR_READ(satp), base);
    }
    expect_load("satp still translating", VA_ALIAS + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    return mask;
}

/* Two address spaces with different ASIDs and roots, both mapping VA_ASID (to different pages). Their tables
 * are complete before the fence, so switching satp between them needs no further sfence.vma (spec: only a
 * modified table or a reused ASID needs one). With fewer than 2 ASID bits the two would share an ASID, so the
 * test fences after every switch instead (the checks are the same). */
static void test_asid_switch(uint64_t mask)
{
    uint64_t *root_a = pt_root;
    map(VA_ASID, pg.asid1, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    uint64_t *root_b = (uint64_t *)alloc_page();
    identity_map_in(root_b, 0);
    *pte_slot_in(root_b, VA_ASID, 0) = make_pte(pg.asid2, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    int fence = mask < 3;
    uint64_t satp_a = satp_for(root_a, 1 & mask), satp_b = satp_for(root_b, 2 & mask);
    CSR_WRITE(satp, satp_a);
    sfence_all();
    expect_load("asid A maps page 1", VA_ASID + OFF_DATA, 0, DATA_OF(0x09), CHECK_TVAL);
    CSR_WRITE(satp, satp_b);
    if (fence)
        sfence_all();
    expect_load("asid B maps page 2", VA_ASID + OFF_DATA, 0, DATA_OF(0x0a), CHECK_TVAL);
    CSR_WRITE(satp, satp_a);
    if (fence)
        sfence_all();
    expect_load("asid A again page 1", VA_ASID + OFF_DATA, 0, DATA_OF(0x09), CHECK_TVAL);
    expect_load("asid A other mappings", VA_ALIAS + OFF_DATA, 0, DATA_OF(0x01), CHECK_TVAL);
    CSR_WRITE(satp, satp_b);
    if (fence)
        sfence_all();
    expect_load("asid B again page 2", VA_ASID + OFF_DATA, 0, DATA_OF(0x0a), CHECK_TVAL);
    expect_load("asid B has no alias page", VA_ALIAS + OFF_DATA, CAUSE_LOAD_PAGE_FAULT, 0, CHECK_TVAL);
    CSR_WRITE(satp, satp_for(root_a, 0));
    sfence_all();
    pt_root = root_a;
}

static int mmu_main(const char *test_name)
{
    test_begin(test_name);
    trap_hook = mmu_hook;
    if ((uint64_t)_heap_start + 0x100000 > SUPER_PA)
        test_abort("image too large for the page-table area");

    CHECK_EQ("satp bare at entry", CSR_READ(satp), 0);
    CSR_WRITE(satp, 1ull << 60 | ((uint64_t)_heap_start >> 12));
    CHECK_EQ("satp bare: mode 1 write ignored", CSR_READ(satp), 0);

    identity_phase("identity 4k", 0);
    identity_phase("identity 2m", 1);
    identity_phase("identity 1g", 2);
#if LEVELS == 4
    identity_phase("identity 512g", 3);
#endif

    build_feature_tables();
    paging_on(0);
    test_alias_and_high();
    test_noncanonical();
    test_invalid();
    test_permissions();
    test_mxr();
    test_user();
    test_ad();
    uint64_t mask = test_satp();
    test_sfence("asid 0", 0);
    test_sfence("asid max", mask); /* the same with the largest ASID */
    test_asid_switch(mask);

    paging_off();
    CHECK_EQ("satp bare at end", CSR_READ(satp), 0);
    trap_hook = 0;
    return test_end();
}
