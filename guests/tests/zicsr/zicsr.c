/* Zicsr and the S-mode trap machinery: CSR instructions, S CSRs, counters, illegal accesses, ECALL/EBREAK, SRET. */
#include "test.h"

#define NORVC(s) ".option push\n.option norvc\n" s "\n.option pop\n"

static char ustack[8192] __attribute__((aligned(16)));
#define USP (ustack + sizeof ustack)

/* Expect exactly one trap from the asm statement `insn`; the instruction's address is taken from label 1. */
#define TRAP_AT(insn, addr) do { \
    trap_expect(); \
    __asm__ volatile(NORVC("lla %0, 1f\n1: " insn) : "=&r"(addr) :: "t0", "memory"); \
    trap_hook = 0; \
} while (0)

static void csr_instructions(void)
{
    uint64_t old, v;
    CSR_WRITE(sscratch, 0x0123456789abcdefull);
    __asm__ volatile("csrrw %0, sscratch, %1" : "=r"(old) : "r"(0xfedcba9876543210ull));
    CHECK_EQ("csrrw old", old, 0x0123456789abcdefull);
    CHECK_EQ("csrrw new", CSR_READ(sscratch), 0xfedcba9876543210ull);
    __asm__ volatile("csrrs %0, sscratch, %1" : "=r"(old) : "r"(0x0000000f0000000full));
    CHECK_EQ("csrrs old", old, 0xfedcba9876543210ull);
    CHECK_EQ("csrrs new", CSR_READ(sscratch), 0xfedcba9f7654321full);
    __asm__ volatile("csrrc %0, sscratch, %1" : "=r"(old) : "r"(0xff000000000000ffull));
    CHECK_EQ("csrrc old", old, 0xfedcba9f7654321full);
    CHECK_EQ("csrrc new", CSR_READ(sscratch), 0x00dcba9f76543200ull);
    __asm__ volatile("csrrs %0, sscratch, zero" : "=r"(old));
    CHECK_EQ("csrrs x0 reads", old, 0x00dcba9f76543200ull);
    __asm__ volatile("csrrc %0, sscratch, zero" : "=r"(old));
    CHECK_EQ("csrrc x0 reads", old, 0x00dcba9f76543200ull);
    CHECK_EQ("csrrs/c x0 no change", CSR_READ(sscratch), 0x00dcba9f76543200ull);
    __asm__ volatile("csrrwi %0, sscratch, 31" : "=r"(old));
    CHECK_EQ("csrrwi old", old, 0x00dcba9f76543200ull);
    CHECK_EQ("csrrwi new", CSR_READ(sscratch), 31);
    __asm__ volatile("csrrci %0, sscratch, 5" : "=r"(old));
    CHECK_EQ("csrrci old", old, 31);
    CHECK_EQ("csrrci new", CSR_READ(sscratch), 26);
    __asm__ volatile("csrrsi %0, sscratch, 0x15" : "=r"(old));
    CHECK_EQ("csrrsi old", old, 26);
    CHECK_EQ("csrrsi new", CSR_READ(sscratch), 31);
    __asm__ volatile("csrrsi %0, sscratch, 0\n csrrci %0, sscratch, 0" : "=r"(old));
    CHECK_EQ("csrrsi/ci 0 reads", old, 31);
    __asm__ volatile("csrrwi %0, sscratch, 0" : "=r"(old));
    CHECK_EQ("csrrwi 0 writes", CSR_READ(sscratch), 0);
    /* rd = x0 forms still write */
    __asm__ volatile("csrrw zero, sscratch, %0\n csrrs zero, sscratch, %1\n csrrc zero, sscratch, %2"
                     :: "r"(0x100ull), "r"(0x011ull), "r"(0x001ull));
    CHECK_EQ("rd=x0 forms write", CSR_READ(sscratch), 0x110);
    /* same register as source and destination: the old value is returned, the source's old value written */
    v = 0x5555;
    __asm__ volatile("csrrw %0, sscratch, %0" : "+r"(v));
    CHECK_EQ("csrrw rd==rs1 old", v, 0x110);
    CHECK_EQ("csrrw rd==rs1 new", CSR_READ(sscratch), 0x5555);
    CSR_WRITE(sscratch, 0); /* the trap entry convention */
}

static void s_csrs(void)
{
    uint64_t saved, v;

    v = CSR_READ(sstatus);
    CHECK_EQ("sstatus UXL = 64", (v >> 32) & 3, 2);
    CHECK_EQ("sstatus SIE clear", v & SSTATUS_SIE, 0);
    CSR_SET(sstatus, SSTATUS_SUM | SSTATUS_MXR);
    CHECK_EQ("sstatus SUM/MXR set", CSR_READ(sstatus) & (SSTATUS_SUM | SSTATUS_MXR), SSTATUS_SUM | SSTATUS_MXR);
    CSR_CLEAR(sstatus, SSTATUS_SUM | SSTATUS_MXR);
    CHECK_EQ("sstatus SUM/MXR clear", CSR_READ(sstatus) & (SSTATUS_SUM | SSTATUS_MXR), 0);
    CSR_SET(sstatus, SSTATUS_SPIE | SSTATUS_SPP);
    CHECK_EQ("sstatus SPIE/SPP set", CSR_READ(sstatus) & (SSTATUS_SPIE | SSTATUS_SPP), SSTATUS_SPIE | SSTATUS_SPP);
    CSR_CLEAR(sstatus, SSTATUS_SPIE | SSTATUS_SPP);
    CHECK_EQ("sstatus SPIE/SPP clear", CSR_READ(sstatus) & (SSTATUS_SPIE | SSTATUS_SPP), 0);

    CHECK_EQ("sie at boot", CSR_READ(sie), 0);
    CSR_WRITE(sie, ~0ull);
    CHECK_EQ("sie writable bits", CSR_READ(sie), 0x222);
    CSR_WRITE(sie, 0);
    CHECK_EQ("sie cleared", CSR_READ(sie), 0);

    extern char _trap_entry[];
    saved = CSR_READ(stvec);
    CHECK_EQ("stvec = _trap_entry", saved, (uint64_t)_trap_entry);
    CSR_WRITE(stvec, 0x80300000ull);
    CHECK_EQ("stvec direct", CSR_READ(stvec), 0x80300000ull);
    CSR_WRITE(stvec, 0x80300101ull);
    CHECK_EQ("stvec vectored", CSR_READ(stvec), 0x80300101ull);
    CSR_WRITE(stvec, saved);

    /* sepc[0] must read 0, but QEMU 7.2 keeps it: not checked (README.md) */
    CSR_WRITE(sepc, 0x80201236ull);
    CHECK_EQ("sepc bit 1 kept (C)", CSR_READ(sepc), 0x80201236ull);
    CSR_WRITE(scause, 0x8000000000000005ull);
    CHECK_EQ("scause interrupt", CSR_READ(scause), 0x8000000000000005ull);
    CSR_WRITE(scause, 13);
    CHECK_EQ("scause exception", CSR_READ(scause), 13);
    CSR_WRITE(stval, 0x80201238ull);
    CHECK_EQ("stval", CSR_READ(stval), 0x80201238ull);
    CSR_WRITE(stval, 0);
    CHECK_EQ("stval 0", CSR_READ(stval), 0);

    CHECK_EQ("satp bare at boot", CSR_READ(satp), 0);
    CSR_WRITE(satp, (1ull << 60) | 0x80000ull); /* MODE 1 is reserved: the write has no effect */
    CHECK_EQ("satp reserved mode ignored", CSR_READ(satp), 0);

    saved = CSR_READ(scounteren);
    CSR_WRITE(scounteren, 7);
    CHECK_EQ("scounteren CY|TM|IR", CSR_READ(scounteren) & 7, 7);
    CSR_WRITE(scounteren, 0);
    CHECK_EQ("scounteren 0", CSR_READ(scounteren), 0);
    CSR_WRITE(scounteren, saved);

    CSR_SET(senvcfg, 1);
    CHECK_EQ("senvcfg FIOM set", CSR_READ(senvcfg) & 1, 1);
    CSR_CLEAR(senvcfg, 1);
    CHECK_EQ("senvcfg FIOM clear", CSR_READ(senvcfg) & 1, 0);
}

static void counters(void)
{
    uint64_t c0, c1, t0, t1, i0, i1;
    c0 = CSR_READ(cycle);
    t0 = CSR_READ(time);
    i0 = CSR_READ(instret);
    for (volatile int i = 0; i < 1000; i++)
        ;
    c1 = CSR_READ(cycle);
    t1 = CSR_READ(time);
    i1 = CSR_READ(instret);
    CHECK("cycle non-decreasing", c1 >= c0);
    CHECK("time non-decreasing", t1 >= t0);
    CHECK("instret increases", i1 > i0);
    /* the rs1 = x0 / uimm = 0 forms of CSRRS/CSRRC do not write: no trap on a read-only CSR */
    trap_expect();
    __asm__ volatile("csrrs %0, cycle, zero\n csrrc %0, cycle, zero\n csrrsi %0, time, 0\n csrrci %0, instret, 0"
                     : "=r"(c0));
    trap_hook = 0;
    CHECK_EQ("read-only csr read forms no trap", last_trap.count, 0);
}

static void illegal(void)
{
    uint64_t at;
    TRAP_AT("csrw cycle, zero", at);
    CHECK_EQ("csrw cycle traps", last_trap.count, 1);
    CHECK_EQ("csrw cycle scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("csrw cycle sepc", last_trap.sepc - at, 0);
    CHECK_EQ("csrw cycle stval = insn", last_trap.stval, 0xc0001073);
    TRAP_AT("csrrwi zero, time, 0", at);
    CHECK_EQ("csrrwi time 0 scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("csrrwi time 0 stval", last_trap.stval, 0xc0105073);
    TRAP_AT("csrrsi zero, instret, 1", at);
    CHECK_EQ("csrrsi instret 1 scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    TRAP_AT("csrr t0, mstatus", at);
    CHECK_EQ("csrr mstatus traps", last_trap.count, 1);
    CHECK_EQ("csrr mstatus scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("csrr mstatus stval = insn", last_trap.stval, 0x300022f3);
    TRAP_AT("csrw mscratch, zero", at);
    CHECK_EQ("csrw mscratch scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    TRAP_AT("csrr t0, 0x5ff", at);   /* an unallocated S-level CSR number */
    CHECK_EQ("unallocated csr scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    TRAP_AT("mret", at);
    CHECK_EQ("mret in S scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("mret in S stval", last_trap.stval, 0x30200073);

    TRAP_AT("ebreak", at);
    CHECK_EQ("ebreak traps", last_trap.count, 1);
    CHECK_EQ("ebreak scause", last_trap.scause, CAUSE_BREAKPOINT);
    CHECK_EQ("ebreak sepc", last_trap.sepc - at, 0);

    /* 0x00000000: two 16-bit all-zero (illegal) parcels; each traps, sepc 2 apart */
    TRAP_AT(".4byte 0", at);
    CHECK_EQ("insn 0 traps twice", last_trap.count, 2);
    CHECK_EQ("insn 0 scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("insn 0 second sepc", last_trap.sepc - at, 2);
    CHECK_EQ("insn 0 stval", last_trap.stval, 0);
}

/* 0xffffffff is not a 32-bit encoding (its low bits announce a long instruction), so skip it by hand. */
static int skip4_hook(struct trap_frame *f)
{
    last_trap.count++;
    last_trap.scause = f->scause;
    last_trap.sepc = f->sepc;
    f->sepc += 4;
    return 1;
}

static void illegal_ones(void)
{
    uint64_t at;
    last_trap.count = 0;
    trap_hook = skip4_hook;
    __asm__ volatile(NORVC("lla %0, 1f\n1: .4byte 0xffffffff") : "=&r"(at) :: "memory");
    trap_hook = 0;
    CHECK_EQ("insn 0xffffffff traps", last_trap.count, 1);
    CHECK_EQ("insn 0xffffffff scause", last_trap.scause, CAUSE_ILLEGAL_INSN);
    CHECK_EQ("insn 0xffffffff sepc", last_trap.sepc - at, 0);
}

/* ---- SRET and the SIE/SPIE/SPP stack ---- */

static uint64_t sret_to_s(uint64_t set, uint64_t clear)
{
    uint64_t after;
    CSR_SET(sstatus, set);
    CSR_CLEAR(sstatus, clear);
    __asm__ volatile(NORVC("lla t0, 1f\n csrw sepc, t0\n sret\n j .\n1: csrr %0, sstatus")
                     : "=r"(after) :: "t0", "memory");
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    return after & (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP);
}

static volatile uint64_t hook_sstatus;

static int record_sstatus_hook(struct trap_frame *f)
{
    hook_sstatus = f->sstatus;
    return trap_skip_hook(f);
}

static void sret_behaviour(void)
{
    CHECK_EQ("sret SPP=1 SPIE=1", sret_to_s(SSTATUS_SPP | SSTATUS_SPIE, SSTATUS_SIE), SSTATUS_SIE | SSTATUS_SPIE);
    CHECK_EQ("sret SPP=1 SPIE=0", sret_to_s(SSTATUS_SPP | SSTATUS_SIE, SSTATUS_SPIE), SSTATUS_SPIE);

    /* a trap from S with SIE = 1 (no interrupt enabled in sie): SPIE = 1, SIE = 0, SPP = 1 */
    trap_expect();
    trap_hook = record_sstatus_hook;
    CSR_SET(sstatus, SSTATUS_SIE);
    __asm__ volatile("ebreak" ::: "memory");
    uint64_t after = CSR_READ(sstatus);
    CSR_CLEAR(sstatus, SSTATUS_SIE);
    trap_hook = 0;
    CHECK_EQ("trap from S: SPP SPIE SIE", hook_sstatus & (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP),
             SSTATUS_SPIE | SSTATUS_SPP);
    CHECK_EQ("sret after trap restores SIE", after & SSTATUS_SIE, SSTATUS_SIE);

    trap_expect();
    trap_hook = record_sstatus_hook;
    __asm__ volatile("ebreak" ::: "memory");
    trap_hook = 0;
    CHECK_EQ("trap from S with SIE=0", hook_sstatus & (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP), SSTATUS_SPP);
}

/* ---- U mode ---- */

static long u_add(long x)
{
    return x + 1;
}

static long u_ecall(long x)
{
    register long a0 __asm__("a0") = x;
    register long a7 __asm__("a7") = 0x1234;
    __asm__ volatile(NORVC("ecall") : "+r"(a0) : "r"(a7) : "memory");
    return a0;
}

static long u_csr(long which)
{
    uint64_t v = 0;
    switch (which) {
    case 0: __asm__ volatile("csrr %0, sstatus" : "=r"(v)); break;
    case 1: __asm__ volatile("csrw sscratch, %0" :: "r"(v)); break;
    case 2: __asm__ volatile("sret"); break;
    case 3: __asm__ volatile("csrr %0, cycle" : "=r"(v)); break;
    case 4: __asm__ volatile("csrr %0, time" : "=r"(v)); break;
    case 5: __asm__ volatile("csrr %0, instret" : "=r"(v)); break;
    }
    return 77;
}

static volatile uint64_t u_ecall_sepc, u_ecall_a7;

static int u_ecall_hook(struct trap_frame *f)
{
    if (f->scause != CAUSE_USER_ECALL)
        return 0;
    hook_sstatus = f->sstatus;
    u_ecall_sepc = f->sepc;
    u_ecall_a7 = f->regs[17];
    f->regs[10] = f->regs[10] * 2;
    f->sepc += 4;
    return 1;
}

static void user_mode(void)
{
    CHECK_EQ("user_call runs U code", user_call(u_add, 41, USP), 42);
    trap_hook = u_ecall_hook;
    hook_sstatus = ~0ull;
    CHECK_EQ("U ecall handled", user_call(u_ecall, 21, USP), 42);
    trap_hook = 0;
    CHECK_EQ("U ecall a7", u_ecall_a7, 0x1234);
    CHECK_EQ("U ecall SPP = U", hook_sstatus & SSTATUS_SPP, 0);
    CHECK("U ecall sepc in u_ecall", u_ecall_sepc > (uint64_t)u_ecall && u_ecall_sepc < (uint64_t)u_ecall + 64);
    CHECK_EQ("sscratch 0 after U", CSR_READ(sscratch), 0);

    static const char *const names[][2] = { { "U csrr sstatus scause", "U csrr sstatus resumes" },
                                            { "U csrw sscratch scause", "U csrw sscratch resumes" },
                                            { "U sret scause", "U sret resumes" } };
    for (int i = 0; i < 3; i++) {
        trap_expect();
        long r = user_call(u_csr, i, USP);
        trap_hook = 0;
        CHECK_EQ(names[i][0], last_trap.scause, CAUSE_ILLEGAL_INSN);
        CHECK_EQ(names[i][1], r, 77);
    }

    /* scounteren gates U-mode counter reads */
    uint64_t saved = CSR_READ(scounteren);
    CSR_WRITE(scounteren, 0);
    /* time with TM=0 is not checked: OpenSBI 1.1 emulates the trapping read for U mode too (README.md) */
    static const char *const cnames[] = { "U cycle, CY=0", "U instret, IR=0" };
    for (int i = 0; i < 2; i++) {
        trap_expect();
        (void)user_call(u_csr, i ? 5 : 3, USP);
        trap_hook = 0;
        CHECK_EQ(cnames[i], last_trap.scause, CAUSE_ILLEGAL_INSN);
    }
    CSR_WRITE(scounteren, 7);
    trap_expect();
    (void)user_call(u_csr, 3, USP);
    (void)user_call(u_csr, 4, USP);
    (void)user_call(u_csr, 5, USP);
    trap_hook = 0;
    CHECK_EQ("U counters with scounteren=7", last_trap.count, 0);
    CSR_WRITE(scounteren, saved);
}

int main(void)
{
    test_begin("zicsr");
    csr_instructions();
    s_csrs();
    counters();
    illegal();
    illegal_ones();
    sret_behaviour();
    user_mode();
    return test_end();
}
