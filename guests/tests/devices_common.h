/*
 * Device MMIO test body, shared by tests/devices_bare, tests/devices_sv39 and tests/devices_sv48: every device of
 * QEMU virt that tsvisor's guests/dts/basic.dts also has, driven through its registers the way a driver does, with
 * satp bare (LEVELS 0), Sv39 (3) or Sv48 (4). Define LEVELS, include this file and return devices_main(name).
 *
 * Devices (physical addresses and interrupts of QEMU virt, and of basic.dts):
 *   0x00100000 sifive,test0 finisher      the program ends through it (0x5555 pass, 0x3333 | 1 << 16 fail)
 *   0x00101000 goldfish RTC, IRQ 11
 *   0x0c000000 PLIC; hart 0's S-mode context is context 1 (enables 0x2080, threshold/claim 0x201000/0x201004)
 *   0x10000000 ns16550a UART, IRQ 10 (on QEMU also OpenSBI's console: see "UART and the SBI console" below)
 *   0x10001000 + 0x1000 * i   virtio-mmio transports 0..7, IRQ 1 + i; a virtio-blk-device (qemu.args) sits in
 *              transport 7 (QEMU plugs -device into the highest free transport), the others are empty (ID 0)
 *
 * With paging (Sv39 / Sv48) no device is identity-mapped: each is reached through its own mapping in the upper
 * half (DEV_BASE), with leaves of every size, and registers are used at non-zero offsets of their pages:
 *   DEV_BASE + 0x1000      4 KiB  -> 0x0c201000 (PLIC context 1: threshold at +0, claim/complete at +4)
 *   DEV_BASE + 0x3000      4 KiB  -> 0x00101000 (RTC)
 *   DEV_BASE + 0x5000      4 KiB  -> 0x10000000 (UART)
 *   DEV_BASE + 0x7000      4 KiB  -> 0x00100000 (finisher)
 *   DEV_BASE + 0x9000      4 KiB  -> 0x10000000 (UART, U page, read/write)
 *   DEV_BASE + 0xa000      4 KiB  -> 0x00101000 (RTC, U page, read only)
 *   DEV_BASE + 0xb000      4 KiB  -> 0x10008000 (virtio-blk transport, U page, read only)
 *   DEV_BASE + 0x10000     4 KiB  -> the .text.upage page (U code); DEV_BASE + 0x11000: U stack
 *   DEV_BASE + 0x200000    2 MiB  -> 0x0c000000 (PLIC priorities, pending bits at +0x1000, enables at +0x2000)
 *   DEV_BASE + 0x40000000  1 GiB  -> 0x00000000 (the virtio transports, at +0x10001000 + 0x1000 * i)
 *   0x80000000             1 GiB  -> 0x80000000 (RAM, identity, S only: the image, its data, the virtqueue)
 * and U mode reads and writes devices through the U pages (with satp bare, U mode uses the physical addresses).
 *
 * UART and the SBI console. On QEMU, OpenSBI's console is this UART: every printf goes through its THR. So the
 * UART checks run with nothing printed between their register accesses (results are kept and printed
 * afterwards, DEFER_EQ), the divisor latch and loopback are only set while nothing is printed, and IER is 0
 * whenever anything is printed (a THR write by OpenSBI re-arms the THR-empty interrupt on QEMU).
 *
 * What is not checked, because QEMU 7.2 does it differently from the specifications, the specifications leave it
 * open, or it depends on timing (see guests/README.md): PLIC priority and threshold values above 7 (QEMU keeps
 * them modulo 8, tsvisor clamps), enable bit 0 (QEMU stores it), completing a source whose line is still high
 * (QEMU loses it), a line that drops before its source is claimed (stays pending on QEMU, as the PLIC spec says;
 * the programs claim first), the character-timeout interrupt (QEMU raises it 4 character times after the last
 * received byte), UART delta bits in loopback (QEMU never sets them), virtio QueueNumMax (QEMU reports 1024 for
 * every queue), the write-only queue registers, DeviceFeaturesSel > 1, FEATURES_OK with features the device does
 * not offer, the used length of a failed request (QEMU reports the whole buffer), wall-clock values.
 */
#include "test.h"

#ifndef LEVELS
#error "define LEVELS (0 bare, 3 Sv39, 4 Sv48)"
#endif
#if LEVELS == 0
#define MODE_NAME "bare"
#elif LEVELS == 3
#define MODE_NAME "sv39"
#define SATP_MODE 8ull
#define DEV_BASE 0xffffffd000000000ull
#elif LEVELS == 4
#define MODE_NAME "sv48"
#define SATP_MODE 9ull
#define DEV_BASE 0xffffa00000000000ull
#else
#error "LEVELS must be 0, 3 or 4"
#endif

#define PAGE 4096ull
#define MEGA (1ull << 21)
#define GIGA (1ull << 30)

/* Physical addresses and interrupts (QEMU virt). */
#define PA_FINISHER  0x00100000ull
#define PA_RTC       0x00101000ull
#define PA_PLIC      0x0c000000ull
#define PA_PLIC_CTX1 0x0c201000ull
#define PA_UART      0x10000000ull
#define PA_VIRTIO(i) (0x10001000ull + 0x1000ull * (unsigned)(i))
#define VIRTIO_COUNT 8
#define BLK_SLOT     7
#define IRQ_VIRTIO(i) (1u + (unsigned)(i))
#define IRQ_BLK      IRQ_VIRTIO(BLK_SLOT)
#define IRQ_UART     10u
#define IRQ_RTC      11u

#define SIP_SEIP (1ull << 9)
#define SIE_STIE (1ull << 5)
#define SIE_SEIE (1ull << 9)
#define CAUSE_IRQ_TIMER    (SCAUSE_INTERRUPT | 5)
#define CAUSE_IRQ_EXTERNAL (SCAUSE_INTERRUPT | 9)
#define TICKS_PER_MS 10000ull /* timebase 10 MHz on QEMU virt and on tsvisor */

/* ---------------------------------------------------------------------------------------------------------- */
/* Where each device is reached (set up by map_devices)                                                       */

static uint64_t va_uart, va_rtc, va_fin, va_plic, va_plic_ctx, va_io;
static uint64_t va_u_uart, va_u_rtc, va_u_blk;

#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define RTC_TIME_LOW        0x00
#define RTC_TIME_HIGH       0x04
#define RTC_ALARM_LOW       0x08
#define RTC_ALARM_HIGH      0x0c
#define RTC_IRQ_ENABLED     0x10
#define RTC_CLEAR_ALARM     0x14
#define RTC_ALARM_STATUS    0x18
#define RTC_CLEAR_INTERRUPT 0x1c

#define VIO_MAGIC            0x000
#define VIO_VERSION          0x004
#define VIO_DEVICE_ID        0x008
#define VIO_VENDOR_ID        0x00c
#define VIO_DEVICE_FEATURES  0x010
#define VIO_DEVICE_FEAT_SEL  0x014
#define VIO_DRIVER_FEATURES  0x020
#define VIO_DRIVER_FEAT_SEL  0x024
#define VIO_QUEUE_SEL        0x030
#define VIO_QUEUE_NUM_MAX    0x034
#define VIO_QUEUE_NUM        0x038
#define VIO_QUEUE_READY      0x044
#define VIO_QUEUE_NOTIFY     0x050
#define VIO_INTERRUPT_STATUS 0x060
#define VIO_INTERRUPT_ACK    0x064
#define VIO_STATUS           0x070
#define VIO_QUEUE_DESC_LOW   0x080
#define VIO_QUEUE_DESC_HIGH  0x084
#define VIO_QUEUE_AVAIL_LOW  0x090
#define VIO_QUEUE_AVAIL_HIGH 0x094
#define VIO_QUEUE_USED_LOW   0x0a0
#define VIO_QUEUE_USED_HIGH  0x0a4
#define VIO_CONFIG_GEN       0x0fc
#define VIO_CONFIG           0x100

#define VIRTIO_MAGIC  0x74726976u /* "virt" */
#define VIRTIO_VENDOR 0x554d4551u /* "QEMU" */
#define ST_ACKNOWLEDGE 1u
#define ST_DRIVER      2u
#define ST_DRIVER_OK   4u
#define ST_FEATURES_OK 8u

#define BLK_F_RO       (1u << 5)
#define BLK_F_SEG_MAX  (1u << 2)
#define BLK_F_BLK_SIZE (1u << 6)
#define BLK_F_FLUSH    (1u << 9)
#define F_VERSION_1_HI 1u /* feature 32, bit 0 of word 1 */

#define BLK_T_IN     0u
#define BLK_T_FLUSH  4u
#define BLK_T_GET_ID 8u
#define BLK_T_BOGUS  0x20u
#define BLK_S_OK     0u
#define BLK_S_IOERR  1u
#define BLK_S_UNSUPP 2u
#define BLK_SERIAL "tsvisor-blk0" /* qemu.args serial=, basic.dts blkdev_id */

static inline uint8_t rd8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

static inline uint8_t uart_rd(unsigned r) { return rd8(va_uart + r); }
static inline void uart_wr(unsigned r, uint8_t v) { wr8(va_uart + r, v); }
static inline uint32_t rtc_rd(unsigned r) { return rd32(va_rtc + r); }
static inline void rtc_wr(unsigned r, uint32_t v) { wr32(va_rtc + r, v); }
static inline uint64_t vio(unsigned i) { return va_io + PA_VIRTIO(i); }
static inline uint32_t blk_rd(unsigned r) { return rd32(vio(BLK_SLOT) + r); }
static inline void blk_wr(unsigned r, uint32_t v) { wr32(vio(BLK_SLOT) + r, v); }

static inline uint64_t plic_prio(unsigned src) { return va_plic + 4ull * src; }
static inline uint64_t plic_pending(unsigned word) { return va_plic + 0x1000 + 4ull * word; }
static inline uint64_t plic_enable1(unsigned word) { return va_plic + 0x2080 + 4ull * word; }
#define PLIC_THRESHOLD1 (va_plic_ctx + 0)
#define PLIC_CLAIM1     (va_plic_ctx + 4)

static inline uint32_t plic_claim(void) { return rd32(PLIC_CLAIM1); }
static inline void plic_complete(uint32_t id) { wr32(PLIC_CLAIM1, id); }
static inline uint64_t seip(void) { return CSR_READ(sip) & SIP_SEIP ? 1 : 0; }

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline void stimecmp_write(uint64_t v)
{
    __asm__ volatile("csrw 0x14d, %0" ::"r"(v) : "memory");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Deferred checks: recorded while printing is not allowed (the UART is the console on QEMU), printed later.  */

static struct {
    const char *name;
    uint64_t got, expected;
} deferred[48];
static unsigned deferred_n;

static void defer_eq(const char *name, uint64_t got, uint64_t expected)
{
    if (deferred_n < sizeof deferred / sizeof deferred[0]) {
        deferred[deferred_n].name = name;
        deferred[deferred_n].got = got;
        deferred[deferred_n].expected = expected;
    }
    deferred_n++;
}
#define DEFER_EQ(name, got, expected) defer_eq((name), (uint64_t)(got), (uint64_t)(expected))
#define DEFER(name, cond) defer_eq((name), (cond) ? 1 : 0, 1)

static void flush_deferred(void)
{
    if (deferred_n > sizeof deferred / sizeof deferred[0])
        test_abort("too many deferred checks");
    for (unsigned i = 0; i < deferred_n; i++)
        check_eq(deferred[i].name, deferred[i].got, deferred[i].expected);
    deferred_n = 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* U-mode code: one page, mapped with U=1 at VA_U_CODE when paging is on; each function ends with the           */
/* user_call exit ecall. u_load8/u_load32 read a register, u_store8_load8 writes 0xc3 and reads it back,      */
/* u_rtc_time reads TIME_LOW then TIME_HIGH of the RTC at a0.                                                  */

__asm__("   .pushsection .text.upage, \"ax\", @progbits\n"
        "   .option push\n"
        "   .option norvc\n"
        "   .balign 4096\n"
        "upage_start:\n"
        "u_load8:\n"
        "u_load8_insn:\n"
        "   lbu     a0, 0(a0)\n"
        "   li      a7, 0x55534552\n"
        "   ecall\n"
        "u_load32:\n"
        "   lwu     a0, 0(a0)\n"
        "   li      a7, 0x55534552\n"
        "   ecall\n"
        "u_store8_load8:\n"
        "   li      t0, 0xc3\n"
        "   sb      t0, 0(a0)\n"
        "   fence   o, i\n"
        "   lbu     a0, 0(a0)\n"
        "   li      a7, 0x55534552\n"
        "   ecall\n"
        "u_rtc_time:\n"
        "   lwu     t0, 0(a0)\n"
        "   lwu     t1, 4(a0)\n"
        "   slli    t1, t1, 32\n"
        "   or      a0, t0, t1\n"
        "   li      a7, 0x55534552\n"
        "   ecall\n"
        "   .balign 4096\n"
        "upage_end:\n"
        "   .option pop\n"
        "   .popsection\n");

extern char upage_start[], u_load8[], u_load8_insn[], u_load32[], u_store8_load8[], u_rtc_time[];

/* ---------------------------------------------------------------------------------------------------------- */
/* Traps: external interrupts (claimed and serviced here), the timeout timer, and expected faults.            */

#define LOG_MAX 64
static volatile unsigned irq_traps;          /* external interrupt traps taken */
static volatile unsigned irq_spurious;       /* of which found nothing to claim */
static volatile unsigned irq_log[LOG_MAX];   /* the source claimed by each (0: nothing to claim) */
static volatile uint64_t irq_last_scause, irq_last_sepc_ok;
static volatile unsigned timed_out;
static volatile unsigned uart_irqs, uart_last_iir, rtc_irqs, blk_irqs, blk_isr_or;
/* Interrupt-driven UART output: the handler sends tx_text[tx_pos++] on each THR-empty interrupt. */
static const char *volatile tx_text;
static volatile unsigned tx_pos;
static volatile int fault_expected;
static volatile struct {
    uint64_t count, scause, sepc, stval;
} fault;
static uint64_t wait_lo, wait_hi; /* code range of the waiting loop: interrupts must arrive there */

static void service(unsigned id)
{
    if (id == IRQ_UART) {
        uart_irqs++;
        unsigned iir = uart_rd(UART_IIR);
        uart_last_iir = iir;
        if ((iir & 0x0f) == 0x02 && tx_text) {
            if (tx_text[tx_pos])
                uart_wr(UART_THR, (uint8_t)tx_text[tx_pos++]);
            else
                uart_wr(UART_IER, 0);
        }
    } else if (id == IRQ_RTC) {
        rtc_irqs++;
        rtc_wr(RTC_CLEAR_INTERRUPT, 1);
    } else if (id == IRQ_BLK) {
        blk_irqs++;
        uint32_t isr = blk_rd(VIO_INTERRUPT_STATUS);
        blk_isr_or |= isr;
        blk_wr(VIO_INTERRUPT_ACK, isr);
    }
}

static int devices_hook(struct trap_frame *f)
{
    if (f->scause == CAUSE_IRQ_EXTERNAL) {
        unsigned id = plic_claim();
        unsigned n = irq_traps;
        if (n < LOG_MAX)
            irq_log[n] = id;
        irq_traps = n + 1;
        irq_last_scause = f->scause;
        irq_last_sepc_ok = f->sepc >= wait_lo && f->sepc < wait_hi;
        if (id) {
            service(id);
            plic_complete(id);
        } else if (++irq_spurious >= 100) {
            /* SEIP without anything to claim, again and again (a broken PLIC path): stop taking external
             * interrupts so the program can still report its checks. */
            CSR_CLEAR(sie, SIE_SEIE);
        }
        return 1;
    }
    if (f->scause == CAUSE_IRQ_TIMER) {
        timed_out = 1;
        stimecmp_write(~0ull);
        return 1;
    }
    if (fault_expected && !(f->scause & SCAUSE_INTERRUPT)) {
        fault.count++;
        fault.scause = f->scause;
        fault.sepc = f->sepc;
        fault.stval = f->stval;
        /* The U page's code is all 4-byte instructions (and S may not read it without SUM). */
        f->sepc += f->sstatus & SSTATUS_SPP ? insn_length(f->sepc) : 4;
        return 1;
    }
    return 0;
}

/*
 * wait_loop(counter, target, timed_out): WFI until *counter >= target or *timed_out. The condition is tested with
 * SIE = 0 and interrupts are enabled only after the WFI, so none can slip in between the test and the WFI; every
 * interrupt is taken inside [wait_loop, wait_loop_end).
 */
__asm__("   .text\n"
        "   .balign 4\n"
        "wait_loop:\n"
        "   csrci   sstatus, 2\n"
        "   lwu     t0, 0(a0)\n"
        "   bgeu    t0, a1, 1f\n"
        "   lwu     t0, 0(a2)\n"
        "   bnez    t0, 1f\n"
        "   wfi\n"
        "   csrsi   sstatus, 2\n"
        "   nop\n"
        "   j       wait_loop\n"
        "1: ret\n"
        "wait_loop_end:\n");
void wait_loop(volatile unsigned *counter, unsigned target, volatile unsigned *timeout);
extern char wait_loop_end[];

/* Wait, taking interrupts, until *counter reaches target or `ms` milliseconds pass (the Sstc timer ends the
 * wait). Returns whether the counter got there. */
static int wait_for(volatile unsigned *counter, unsigned target, uint64_t ms)
{
    timed_out = 0;
    stimecmp_write(rdtime() + ms * TICKS_PER_MS);
    CSR_SET(sie, SIE_STIE | SIE_SEIE);
    wait_loop(counter, target, &timed_out);
    stimecmp_write(~0ull);
    CSR_CLEAR(sie, SIE_STIE);
    return *counter >= target;
}

/* Let `ms` milliseconds pass with interrupts enabled (stray ones are serviced), then disable them again. */
static void settle(uint64_t ms)
{
    static volatile unsigned never;
    wait_for(&never, 1, ms);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Page tables                                                                                                */

#if LEVELS
#define PTE_V 0x01ull
#define PTE_R 0x02ull
#define PTE_W 0x04ull
#define PTE_X 0x08ull
#define PTE_U 0x10ull
#define PTE_A 0x40ull
#define PTE_D 0x80ull
#define DEV_S  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define DEV_U  (DEV_S | PTE_U)
#define DEV_UR (PTE_V | PTE_R | PTE_U | PTE_A)

#define VA_PLIC_CTX (DEV_BASE + 0x1000)
#define VA_RTC      (DEV_BASE + 0x3000)
#define VA_UART     (DEV_BASE + 0x5000)
#define VA_FIN      (DEV_BASE + 0x7000)
#define VA_U_UART   (DEV_BASE + 0x9000)
#define VA_U_RTC    (DEV_BASE + 0xa000)
#define VA_U_BLK    (DEV_BASE + 0xb000)
#define VA_U_CODE   (DEV_BASE + 0x10000)
#define VA_U_STACK  (DEV_BASE + 0x11000)
#define VA_PLIC     (DEV_BASE + 0x200000)
#define VA_IO       (DEV_BASE + 0x40000000)

static uint64_t heap_next;
static uint64_t *pt_root;

static uint64_t alloc_page(void)
{
    uint64_t p = heap_next;
    heap_next += PAGE;
    if (heap_next > (uint64_t)_heap_start + 0x100000)
        test_abort("page allocator out of pages");
    memset((void *)p, 0, PAGE);
    return p;
}

static volatile uint64_t *pte_slot(uint64_t va, int level)
{
    uint64_t *t = pt_root;
    for (int l = LEVELS - 1; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
        if (!(*e & PTE_V))
            *e = (alloc_page() >> 12) << 10 | PTE_V;
        t = (uint64_t *)(((*e >> 10) & ((1ull << 44) - 1)) << 12);
    }
    return &t[(va >> (12 + 9 * level)) & 511];
}

static void map(uint64_t va, uint64_t pa, int level, uint64_t flags)
{
    *pte_slot(va, level) = (pa >> 12) << 10 | flags;
}

static uint64_t satp_value(void)
{
    return SATP_MODE << 60 | (uint64_t)pt_root >> 12;
}

static void map_devices(void)
{
    heap_next = (uint64_t)_heap_start;
    pt_root = (uint64_t *)alloc_page();
    map(0x80000000ull, 0x80000000ull, 2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    map(VA_PLIC_CTX, PA_PLIC_CTX1, 0, DEV_S);
    map(VA_RTC, PA_RTC, 0, DEV_S);
    map(VA_UART, PA_UART, 0, DEV_S);
    map(VA_FIN, PA_FINISHER, 0, DEV_S);
    map(VA_U_UART, PA_UART, 0, DEV_U);
    map(VA_U_RTC, PA_RTC, 0, DEV_UR);
    map(VA_U_BLK, PA_VIRTIO(BLK_SLOT), 0, DEV_UR);
    map(VA_U_CODE, (uint64_t)upage_start, 0, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    map(VA_U_STACK, alloc_page(), 0, DEV_U);
    map(VA_PLIC, PA_PLIC, 1, DEV_S);
    map(VA_IO, 0, 2, DEV_S);
    __asm__ volatile("sfence.vma" ::: "memory");
    CSR_WRITE(satp, satp_value());
    __asm__ volatile("sfence.vma" ::: "memory");
    va_uart = VA_UART;
    va_rtc = VA_RTC;
    va_fin = VA_FIN;
    va_plic = VA_PLIC;
    va_plic_ctx = VA_PLIC_CTX;
    va_io = VA_IO;
    va_u_uart = VA_U_UART;
    va_u_rtc = VA_U_RTC;
    va_u_blk = VA_U_BLK;
}

#define U_FN(sym) ((long (*)(long))(VA_U_CODE + ((uint64_t)(sym) - (uint64_t)upage_start)))
#define U_STACK_TOP ((void *)(VA_U_STACK + PAGE))
#else
static uint64_t user_stack[512] __attribute__((aligned(16)));

static void map_devices(void)
{
    va_uart = va_u_uart = PA_UART;
    va_rtc = va_u_rtc = PA_RTC;
    va_fin = PA_FINISHER;
    va_plic = PA_PLIC;
    va_plic_ctx = PA_PLIC_CTX1;
    va_io = 0;
    va_u_blk = PA_VIRTIO(BLK_SLOT);
}

#define U_FN(sym) ((long (*)(long))(uint64_t)(sym))
#define U_STACK_TOP ((void *)(user_stack + 512))
#endif

static uint64_t user_run(char *fn, uint64_t arg)
{
    return (uint64_t)user_call(U_FN(fn), (long)arg, U_STACK_TOP);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* ns16550a                                                                                                   */

static void uart_putc(char c)
{
    for (unsigned spins = 0; !(uart_rd(UART_LSR) & 0x20) && spins < 10000; spins++)
        ;
    uart_wr(UART_THR, (uint8_t)c);
}

static void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

/* The state the UART is left in whenever the SBI console may print: 8N1, FIFOs on, no interrupts, no loop. */
static void uart_quiet(void)
{
    uart_wr(UART_IER, 0);
    uart_wr(UART_LCR, 0x03);
    uart_wr(UART_MCR, 0x00);
    uart_wr(UART_FCR, 0x07);
}

static void test_uart_registers(void)
{
    /* Scratch and divisor latches. The divisor ends at its largest: QEMU's character-timeout interrupt then
     * comes 4 characters (at 399193 / 65535 baud, over 6 s) after a received byte, long after the loopback
     * checks below are done. */
    uart_wr(UART_SCR, 0x5a);
    DEFER_EQ("uart scratch 5a", uart_rd(UART_SCR), 0x5a);
    uart_wr(UART_SCR, 0xa5);
    DEFER_EQ("uart scratch a5", uart_rd(UART_SCR), 0xa5);
    uart_wr(UART_LCR, 0x83);
    uart_wr(UART_DLL, 0x34);
    uart_wr(UART_DLM, 0x12);
    DEFER_EQ("uart lcr dlab", uart_rd(UART_LCR), 0x83);
    DEFER_EQ("uart dll", uart_rd(UART_DLL), 0x34);
    DEFER_EQ("uart dlm", uart_rd(UART_DLM), 0x12);
    uart_wr(UART_DLL, 0xff);
    uart_wr(UART_DLM, 0xff);
    DEFER_EQ("uart divisor ffff", (unsigned)uart_rd(UART_DLM) << 8 | uart_rd(UART_DLL), 0xffff);
    uart_wr(UART_LCR, 0x03);
    DEFER_EQ("uart lcr 8n1", uart_rd(UART_LCR), 0x03);
    DEFER_EQ("uart ier not dlm with dlab off", uart_rd(UART_IER), 0x00);

    /* IER: four bits. */
    uart_wr(UART_IER, 0xff);
    DEFER_EQ("uart ier masks to 4 bits", uart_rd(UART_IER), 0x0f);
    uart_wr(UART_IER, 0x00);
    DEFER_EQ("uart ier cleared", uart_rd(UART_IER), 0x00);

    /* FIFOs on and cleared: no interrupt, transmitter empty, no data; MSR with the modem lines up. */
    uart_wr(UART_FCR, 0x07);
    DEFER_EQ("uart iir fifo no interrupt", uart_rd(UART_IIR), 0xc1);
    DEFER_EQ("uart lsr after fifo reset", uart_rd(UART_LSR), 0x60);
    DEFER_EQ("uart msr lines", uart_rd(UART_MSR), 0xb0);

    /* THR empty interrupt: armed by IER.THRI, reported in IIR, cleared by reading IIR, re-armed by a sent byte
     * and by a transmit FIFO reset. */
    uart_wr(UART_IER, 0x02);
    DEFER_EQ("uart iir thre", uart_rd(UART_IIR), 0xc2);
    DEFER_EQ("uart iir read clears thre", uart_rd(UART_IIR), 0xc1);
    uart_wr(UART_THR, '<'); /* "<>" on a line of its own in the output */
    DEFER_EQ("uart lsr after write", uart_rd(UART_LSR), 0x60);
    DEFER_EQ("uart iir thre after write", uart_rd(UART_IIR), 0xc2);
    DEFER_EQ("uart iir clear again", uart_rd(UART_IIR), 0xc1);
    uart_wr(UART_FCR, 0x05);
    DEFER_EQ("uart iir thre after xmit fifo reset", uart_rd(UART_IIR), 0xc2);
    uart_wr(UART_IER, 0x00);
    DEFER_EQ("uart iir thre masked by ier", uart_rd(UART_IIR), 0xc1);
    uart_wr(UART_THR, '>');
    uart_wr(UART_THR, '\n');

    /* Loopback (MCR bit 4): transmitted bytes are received; modem outputs drive the modem inputs. */
    uart_wr(UART_MCR, 0x10);
    DEFER_EQ("uart mcr loop", uart_rd(UART_MCR), 0x10);
    DEFER_EQ("uart loop msr outputs off", uart_rd(UART_MSR) & 0xf0, 0x00);
    uart_wr(UART_MCR, 0x1f);
    DEFER_EQ("uart loop msr outputs on", uart_rd(UART_MSR) & 0xf0, 0xf0);
    uart_wr(UART_MCR, 0x13);
    DEFER_EQ("uart loop msr rts dtr", uart_rd(UART_MSR) & 0xf0, 0x30);
    uart_wr(UART_MCR, 0x10);
    uart_wr(UART_FCR, 0x07); /* FIFOs, trigger level 1 */
    uart_wr(UART_THR, 'A');
    uart_wr(UART_THR, 'B');
    uart_wr(UART_THR, 'C');
    DEFER_EQ("uart loop lsr data ready", uart_rd(UART_LSR), 0x61);
    DEFER_EQ("uart loop iir rdi masked", uart_rd(UART_IIR), 0xc1);
    uart_wr(UART_IER, 0x01);
    DEFER_EQ("uart loop iir rdi", uart_rd(UART_IIR), 0xc4);
    unsigned a = uart_rd(UART_RBR), b = uart_rd(UART_RBR), c = uart_rd(UART_RBR);
    DEFER_EQ("uart loop received", a << 16 | b << 8 | c, 'A' << 16 | 'B' << 8 | 'C');
    DEFER_EQ("uart loop lsr drained", uart_rd(UART_LSR), 0x60);
    DEFER_EQ("uart loop iir drained", uart_rd(UART_IIR), 0xc1);
    uart_wr(UART_IER, 0x00);
    /* Trigger level 4 (FCR 0x40): four bytes are a data-available interrupt. */
    uart_wr(UART_FCR, 0x47);
    uart_wr(UART_IER, 0x01);
    for (int i = 0; i < 4; i++)
        uart_wr(UART_THR, (uint8_t)('0' + i));
    DEFER_EQ("uart loop iir trigger level 4", uart_rd(UART_IIR), 0xc4);
    uart_wr(UART_IER, 0x00);
    uart_wr(UART_FCR, 0x07);
    /* FIFO overrun: 17 bytes into 16 places; the 17th is lost and LSR.OE is set until LSR is read. */
    for (int i = 0; i < 17; i++)
        uart_wr(UART_THR, (uint8_t)('a' + i));
    DEFER_EQ("uart fifo overrun lsr", uart_rd(UART_LSR), 0x63);
    DEFER_EQ("uart fifo lsr read clears oe", uart_rd(UART_LSR), 0x61);
    unsigned sum = 0, last = 0;
    for (int i = 0; i < 16; i++) {
        last = uart_rd(UART_RBR);
        sum += last;
    }
    DEFER_EQ("uart fifo kept the first 16", sum << 8 | last, (16 * 'a' + 120) << 8 | ('a' + 15));
    DEFER_EQ("uart fifo empty after 16", uart_rd(UART_LSR), 0x60);
    /* FIFOs off: one holding register; a second byte overwrites the first and sets OE. */
    uart_wr(UART_FCR, 0x00);
    DEFER_EQ("uart iir fifos off", uart_rd(UART_IIR), 0x01);
    uart_wr(UART_THR, 'X');
    uart_wr(UART_THR, 'Y');
    DEFER_EQ("uart rbr overrun lsr", uart_rd(UART_LSR), 0x63);
    DEFER_EQ("uart rbr keeps the newest byte", uart_rd(UART_RBR), 'Y');
    DEFER_EQ("uart rbr drained", uart_rd(UART_LSR), 0x60);
    uart_quiet();
    flush_deferred();
    uart_puts("uart: written to THR under " MODE_NAME "\n");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* PLIC (with the UART's and the RTC's interrupts as controllable sources)                                   */

static void plic_quiet(void)
{
    wr32(plic_enable1(0), 0);
    wr32(PLIC_THRESHOLD1, 0);
    for (unsigned s = 1; s < 32; s++)
        wr32(plic_prio(s), 0);
}

/*
 * Claim and complete whatever is pending, without printing anything about it. A source stays pending once its
 * line has been high, even if the line drops again, until it is claimed (the PLIC specification's gateway; QEMU
 * 7.2 does that): the UART register checks leave IRQ 10 pending that way on QEMU.
 */
static void plic_drain(void)
{
    for (unsigned s = 1; s < 32; s++)
        wr32(plic_prio(s), 1);
    wr32(plic_enable1(0), 0xfffffffeu);
    wr32(PLIC_THRESHOLD1, 0);
    for (unsigned i = 0; i < 64; i++) {
        uint32_t id = plic_claim();
        if (!id)
            break;
        plic_complete(id);
    }
    plic_quiet();
}

/* Raise the UART's interrupt line: THR empty with IER.THRI (IER goes through 0 so QEMU sees a rising edge). */
static void uart_line_high(void)
{
    uart_wr(UART_IER, 0x00);
    uart_wr(UART_IER, 0x02);
}

static void uart_line_low(void)
{
    uart_wr(UART_IER, 0x00);
}

/* Raise the RTC's interrupt line: an alarm in the past fires at once. */
static void rtc_line_high(void)
{
    rtc_wr(RTC_IRQ_ENABLED, 1);
    rtc_wr(RTC_ALARM_HIGH, 0);
    rtc_wr(RTC_ALARM_LOW, 1);
}

static void rtc_line_low(void)
{
    rtc_wr(RTC_CLEAR_INTERRUPT, 1);
    rtc_wr(RTC_IRQ_ENABLED, 0);
}

static void test_plic(void)
{
    plic_drain();
    /* Priorities of sources 1..31: 3 bits on QEMU virt and in basic.dts; all ones reads 7. */
    uint32_t bad_ones = 0, bad_vals = 0;
    for (unsigned s = 1; s < 32; s++) {
        wr32(plic_prio(s), 0xffffffffu);
        if (rd32(plic_prio(s)) != 7)
            bad_ones |= 1u << s;
        wr32(plic_prio(s), s & 7);
        if (rd32(plic_prio(s)) != (s & 7))
            bad_vals |= 1u << s;
    }
    CHECK_EQ("plic priority all ones reads 7 (sources 1..31)", bad_ones, 0);
    CHECK_EQ("plic priority 0..7 read back (sources 1..31)", bad_vals, 0);
    wr32(plic_prio(0), 7);
    CHECK_EQ("plic source 0 has no priority", rd32(plic_prio(0)), 0);
    for (unsigned s = 1; s < 32; s++)
        wr32(plic_prio(s), 0);
    CHECK_EQ("plic priority cleared", rd32(plic_prio(IRQ_UART)), 0);

    /* Threshold and enables of context 1 (hart 0, S mode). */
    wr32(PLIC_THRESHOLD1, 0xffffffffu);
    CHECK_EQ("plic threshold all ones reads 7", rd32(PLIC_THRESHOLD1), 7);
    wr32(PLIC_THRESHOLD1, 3);
    CHECK_EQ("plic threshold 3", rd32(PLIC_THRESHOLD1), 3);
    wr32(PLIC_THRESHOLD1, 0);
    CHECK_EQ("plic threshold 0", rd32(PLIC_THRESHOLD1), 0);
    wr32(plic_enable1(0), 0xfffffffeu);
    CHECK_EQ("plic enables 1..31", rd32(plic_enable1(0)), 0xfffffffeu);
    wr32(plic_enable1(0), 1u << IRQ_RTC | 1u << IRQ_UART);
    CHECK_EQ("plic enables uart rtc", rd32(plic_enable1(0)), 1u << IRQ_RTC | 1u << IRQ_UART);
    wr32(plic_enable1(0), 0);
    CHECK_EQ("plic enables cleared", rd32(plic_enable1(0)), 0);
    CHECK_EQ("plic nothing pending", rd32(plic_pending(0)), 0);

    /* A pending source, step by step: pending whatever the enables, priority and threshold; the hart's SEIP
     * only when enabled with a priority above the threshold. (No printing while the UART line is high.) */
    uart_line_high();
    DEFER_EQ("plic uart pending", rd32(plic_pending(0)), 1u << IRQ_UART);
    DEFER_EQ("plic disabled: no seip", seip(), 0);
    DEFER_EQ("plic disabled: claim 0", plic_claim(), 0);
    wr32(plic_enable1(0), 1u << IRQ_UART);
    DEFER_EQ("plic priority 0: no seip", seip(), 0);
    DEFER_EQ("plic priority 0: claim 0", plic_claim(), 0);
    wr32(plic_prio(IRQ_UART), 1);
    wr32(PLIC_THRESHOLD1, 1);
    DEFER_EQ("plic threshold 1 masks priority 1", seip(), 0);
    DEFER_EQ("plic threshold 1: claim 0", plic_claim(), 0);
    wr32(PLIC_THRESHOLD1, 0);
    DEFER_EQ("plic threshold 0: seip", seip(), 1);
    DEFER_EQ("plic still pending before claim", rd32(plic_pending(0)), 1u << IRQ_UART);
    DEFER_EQ("plic claim uart", plic_claim(), IRQ_UART);
    DEFER_EQ("plic claimed: not pending", rd32(plic_pending(0)), 0);
    DEFER_EQ("plic claimed: no seip", seip(), 0);
    DEFER_EQ("plic claimed: second claim 0", plic_claim(), 0);
    uart_line_low();
    plic_complete(IRQ_UART);
    DEFER_EQ("plic completed: no seip", seip(), 0);
    DEFER_EQ("plic completed: not pending", rd32(plic_pending(0)), 0);
    DEFER_EQ("plic completed: claim 0", plic_claim(), 0);

    /* Two sources: the higher priority first; equal priorities, the lower ID first; the threshold between. */
    wr32(plic_enable1(0), 1u << IRQ_UART | 1u << IRQ_RTC);
    wr32(plic_prio(IRQ_UART), 2);
    wr32(plic_prio(IRQ_RTC), 5);
    uart_line_high();
    rtc_line_high();
    DEFER_EQ("plic two pending", rd32(plic_pending(0)), 1u << IRQ_UART | 1u << IRQ_RTC);
    uint32_t first = plic_claim(), second = plic_claim(), third = plic_claim();
    DEFER_EQ("plic higher priority first", first << 16 | second << 8 | third, IRQ_RTC << 16 | IRQ_UART << 8);
    uart_line_low();
    rtc_line_low();
    plic_complete(second);
    plic_complete(first);
    wr32(plic_prio(IRQ_UART), 4);
    wr32(plic_prio(IRQ_RTC), 4);
    uart_line_high();
    rtc_line_high();
    first = plic_claim();
    second = plic_claim();
    DEFER_EQ("plic equal priority lower id first", first << 8 | second, IRQ_UART << 8 | IRQ_RTC);
    uart_line_low();
    rtc_line_low();
    plic_complete(first);
    plic_complete(second);
    wr32(plic_prio(IRQ_UART), 2);
    wr32(plic_prio(IRQ_RTC), 5);
    wr32(PLIC_THRESHOLD1, 3);
    uart_line_high();
    rtc_line_high();
    first = plic_claim();
    second = plic_claim();
    DEFER_EQ("plic threshold 3 lets only priority 5 through", first << 8 | second, IRQ_RTC << 8);
    DEFER_EQ("plic below threshold stays pending", rd32(plic_pending(0)), 1u << IRQ_UART);
    DEFER_EQ("plic below threshold: no seip", seip(), 0);
    wr32(PLIC_THRESHOLD1, 0);
    DEFER_EQ("plic threshold lowered: seip", seip(), 1);
    second = plic_claim();
    DEFER_EQ("plic threshold lowered: claim uart", second, IRQ_UART);
    uart_line_low();
    rtc_line_low();
    plic_complete(first);
    plic_complete(second);
    DEFER_EQ("plic all completed: nothing pending", rd32(plic_pending(0)), 0);
    DEFER_EQ("plic all completed: no seip", seip(), 0);
    plic_quiet();
    flush_deferred();
}

/* The UART's THR-empty interrupt as a real S-mode external interrupt: a line sent by the interrupt handler, one
 * character per interrupt (the last interrupt finds nothing to send and clears IER). */
static void test_uart_interrupt(void)
{
    static const char text[] = "uart: interrupt-driven output under " MODE_NAME "\n";
    wr32(plic_prio(IRQ_UART), 1);
    wr32(plic_enable1(0), 1u << IRQ_UART);
    wr32(PLIC_THRESHOLD1, 0);
    irq_traps = 0;
    uart_irqs = 0;
    tx_text = text;
    tx_pos = 0;
    unsigned want = sizeof text; /* one per character, and the last one */
    uart_line_high();
    int done = wait_for(&uart_irqs, want, 500);
    tx_text = 0;
    uart_quiet();
    plic_quiet();
    CHECK("uart irq: every character sent", done && tx_pos == sizeof text - 1);
    CHECK_EQ("uart irq: interrupts taken", uart_irqs, want);
    CHECK_EQ("uart irq: traps", irq_traps, want);
    unsigned bad = 0;
    for (unsigned i = 0; i < want && i < LOG_MAX; i++)
        bad += irq_log[i] != IRQ_UART;
    CHECK_EQ("uart irq: every claim returned 10", bad, 0);
    CHECK_EQ("uart irq: scause", irq_last_scause, CAUSE_IRQ_EXTERNAL);
    CHECK("uart irq: taken in the wait loop", irq_last_sepc_ok);
    CHECK_EQ("uart irq: last iir was thre", uart_last_iir, 0xc2);
    CHECK_EQ("uart irq: seip clear after", seip(), 0);
    CHECK_EQ("uart irq: nothing pending after", rd32(plic_pending(0)), 0);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* goldfish RTC                                                                                               */

#define NS_2000 946684800000000000ull  /* 2000-01-01T00:00:00Z */
#define NS_2100 4102444800000000000ull /* 2100-01-01T00:00:00Z */

static uint64_t rtc_now(void)
{
    uint32_t lo = rtc_rd(RTC_TIME_LOW); /* latches TIME_HIGH */
    uint32_t hi = rtc_rd(RTC_TIME_HIGH);
    return (uint64_t)hi << 32 | lo;
}

static void busy_wait_ms(uint64_t ms)
{
    uint64_t end = rdtime() + ms * TICKS_PER_MS;
    while (rdtime() < end)
        ;
}

static void test_rtc(void)
{
    CHECK_EQ("rtc irq disabled at reset", rtc_rd(RTC_IRQ_ENABLED), 0);
    CHECK_EQ("rtc no alarm at reset", rtc_rd(RTC_ALARM_STATUS), 0);
    uint64_t t0 = rtc_now();
    CHECK("rtc time after 2000", t0 > NS_2000);
    CHECK("rtc time before 2100", t0 < NS_2100);
    /* TIME_HIGH is the half latched by the last TIME_LOW read, however often it is read. */
    uint32_t lo = rtc_rd(RTC_TIME_LOW);
    uint32_t h1 = rtc_rd(RTC_TIME_HIGH);
    busy_wait_ms(1);
    uint32_t h2 = rtc_rd(RTC_TIME_HIGH);
    CHECK("rtc time_high latched", h1 == h2 && ((uint64_t)h1 << 32 | lo) >= t0);
    /* Over 10 ms of the time CSR the RTC advances as much: each RTC read is bracketed by two time reads (on QEMU
     * the host may preempt the hart between any two of them), with 1% and 10 us to spare (QEMU's RTC follows the
     * host's wall clock at 1 us resolution, the time CSR its monotonic clock). */
    uint64_t c0 = rdtime(), r0 = rtc_now(), c0b = rdtime();
    busy_wait_ms(10);
    uint64_t c1 = rdtime(), r1 = rtc_now(), c1b = rdtime();
    uint64_t rtc_ns = r1 - r0, least = (c1 - c0b) * 100, most = (c1b - c0) * 100;
    CHECK("rtc monotonic", r1 > r0 && r0 >= t0);
    CHECK("rtc advances with the time csr",
          rtc_ns + least / 100 + 10000 >= least && rtc_ns <= most + most / 100 + 10000);
    /* IRQ_ENABLED is one bit. */
    rtc_wr(RTC_IRQ_ENABLED, 0xffffffffu);
    CHECK_EQ("rtc irq enable reads 1", rtc_rd(RTC_IRQ_ENABLED), 1);
    rtc_wr(RTC_IRQ_ENABLED, 0);
    CHECK_EQ("rtc irq enable reads 0", rtc_rd(RTC_IRQ_ENABLED), 0);

    /* Setting the time: the clock runs on from the value written (high half, then low half). */
    uint64_t saved = rtc_now();
    rtc_wr(RTC_TIME_LOW, 0);
    rtc_wr(RTC_TIME_HIGH, 0x1234);
    uint64_t set = rtc_now();
    CHECK("rtc set time", set >> 32 == 0x1234 && (uint32_t)set < 1000000000u);
    rtc_wr(RTC_TIME_HIGH, (uint32_t)(saved >> 32));
    rtc_wr(RTC_TIME_LOW, (uint32_t)saved);
    uint64_t back = rtc_now();
    CHECK("rtc time restored", back >= saved && back - saved < 1000000000ull);

    /* An alarm 100 ms ahead: armed (ALARM_STATUS), read back, not pending before it fires; then it arrives as an
     * S-mode external interrupt (IRQ 11, cleared by CLEAR_INTERRUPT in the handler). */
    wr32(plic_prio(IRQ_RTC), 1);
    wr32(plic_enable1(0), 1u << IRQ_RTC);
    wr32(PLIC_THRESHOLD1, 0);
    uint64_t alarm = rtc_now() + 100000000ull;
    rtc_wr(RTC_ALARM_HIGH, (uint32_t)(alarm >> 32));
    rtc_wr(RTC_ALARM_LOW, (uint32_t)alarm);
    CHECK_EQ("rtc alarm armed", rtc_rd(RTC_ALARM_STATUS), 1);
    CHECK_EQ("rtc alarm low", rtc_rd(RTC_ALARM_LOW), (uint32_t)alarm);
    CHECK_EQ("rtc alarm high", rtc_rd(RTC_ALARM_HIGH), (uint32_t)(alarm >> 32));
    CHECK_EQ("rtc alarm not yet pending", rd32(plic_pending(0)), 0);
    rtc_wr(RTC_IRQ_ENABLED, 1);
    irq_traps = 0;
    rtc_irqs = 0;
    int fired = wait_for(&rtc_irqs, 1, 1000);
    uint64_t after = rtc_now();
    CHECK("rtc alarm interrupt", fired);
    CHECK_EQ("rtc alarm claim 11", irq_log[0], IRQ_RTC);
    CHECK_EQ("rtc alarm one interrupt", irq_traps, 1);
    CHECK("rtc alarm not early", after >= alarm);
    CHECK_EQ("rtc alarm disarmed after firing", rtc_rd(RTC_ALARM_STATUS), 0);
    CHECK_EQ("rtc cleared: not pending", rd32(plic_pending(0)), 0);

    /* An alarm in the past fires at once; with IRQ_ENABLED = 0 the line stays low until it is set. */
    rtc_wr(RTC_IRQ_ENABLED, 0);
    rtc_wr(RTC_ALARM_HIGH, 0);
    rtc_wr(RTC_ALARM_LOW, 5);
    CHECK_EQ("rtc past alarm not running", rtc_rd(RTC_ALARM_STATUS), 0);
    CHECK_EQ("rtc past alarm masked", rd32(plic_pending(0)), 0);
    rtc_wr(RTC_IRQ_ENABLED, 1);
    CHECK_EQ("rtc past alarm pending when enabled", rd32(plic_pending(0)), 1u << IRQ_RTC);
    CHECK_EQ("rtc past alarm seip", seip(), 1);
    CHECK_EQ("rtc past alarm claim", plic_claim(), IRQ_RTC);
    rtc_wr(RTC_CLEAR_INTERRUPT, 1);
    plic_complete(IRQ_RTC);
    CHECK_EQ("rtc clear interrupt: not pending", rd32(plic_pending(0)), 0);
    CHECK_EQ("rtc clear interrupt: no seip", seip(), 0);

    /* CLEAR_ALARM disarms an alarm that has not fired. */
    alarm = rtc_now() + 10000000000ull;
    rtc_wr(RTC_ALARM_HIGH, (uint32_t)(alarm >> 32));
    rtc_wr(RTC_ALARM_LOW, (uint32_t)alarm);
    CHECK_EQ("rtc far alarm armed", rtc_rd(RTC_ALARM_STATUS), 1);
    rtc_wr(RTC_CLEAR_ALARM, 1);
    CHECK_EQ("rtc clear alarm", rtc_rd(RTC_ALARM_STATUS), 0);
    CHECK_EQ("rtc cleared alarm not pending", rd32(plic_pending(0)), 0);
    rtc_wr(RTC_IRQ_ENABLED, 0);
    plic_quiet();
}

/* ---------------------------------------------------------------------------------------------------------- */
/* virtio-mmio and virtio-blk                                                                                 */

#define QSIZE 8
struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
struct vq_avail {
    uint16_t flags, idx, ring[QSIZE], used_event;
};
struct vq_used {
    uint16_t flags, idx;
    struct {
        uint32_t id, len;
    } ring[QSIZE];
    uint16_t avail_event;
};
struct blk_req {
    uint32_t type, reserved;
    uint64_t sector;
};
#define DESC_F_NEXT  1
#define DESC_F_WRITE 2

static struct vq_desc vq_desc[QSIZE] __attribute__((aligned(16)));
static struct vq_avail vq_avail __attribute__((aligned(4)));
static volatile struct vq_used vq_used __attribute__((aligned(4)));
static struct blk_req reqs[3];
static uint8_t req_status[3];
static uint8_t id_buf[20];
static uint8_t sector_buf[512];

/* Queue a request in descriptors 3*slot.. (header, optional data, status) and make it available. */
static void blk_queue(unsigned slot, uint32_t type, void *data, uint32_t len, int data_writable)
{
    unsigned d = 3 * (slot % 2);
    reqs[slot].type = type;
    reqs[slot].reserved = 0;
    reqs[slot].sector = 0;
    req_status[slot] = 0xee;
    vq_desc[d].addr = (uint64_t)&reqs[slot];
    vq_desc[d].len = sizeof reqs[slot];
    vq_desc[d].flags = DESC_F_NEXT;
    vq_desc[d].next = (uint16_t)(d + 1);
    unsigned s = d + 1;
    if (data) {
        vq_desc[d + 1].addr = (uint64_t)data;
        vq_desc[d + 1].len = len;
        vq_desc[d + 1].flags = DESC_F_NEXT | (data_writable ? DESC_F_WRITE : 0);
        vq_desc[d + 1].next = (uint16_t)(d + 2);
        s = d + 2;
    }
    vq_desc[s].addr = (uint64_t)&req_status[slot];
    vq_desc[s].len = 1;
    vq_desc[s].flags = DESC_F_WRITE;
    vq_desc[s].next = 0;
    vq_avail.ring[vq_avail.idx % QSIZE] = (uint16_t)d;
    __asm__ volatile("fence rw, rw" ::: "memory");
    vq_avail.idx++;
    __asm__ volatile("fence rw, rw" ::: "memory");
}

static void blk_notify(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
    blk_wr(VIO_QUEUE_NOTIFY, 0);
}

static volatile unsigned used_seen;

/* Wait (polling, interrupts off) until the used index reaches `idx`; at most `ms` milliseconds. */
static int poll_used(uint16_t idx, uint64_t ms)
{
    uint64_t end = rdtime() + ms * TICKS_PER_MS;
    while (vq_used.idx != idx && rdtime() < end)
        ;
    __asm__ volatile("fence rw, rw" ::: "memory");
    return vq_used.idx == idx;
}

static void test_virtio(void)
{
    /* Every transport: magic, version 2 (legacy-free), vendor; ID 0 except the block device. */
    unsigned bad_magic = 0, bad_version = 0, bad_vendor = 0, bad_empty = 0;
    for (unsigned i = 0; i < VIRTIO_COUNT; i++) {
        bad_magic |= (rd32(vio(i) + VIO_MAGIC) != VIRTIO_MAGIC) << i;
        bad_version |= (rd32(vio(i) + VIO_VERSION) != 2) << i;
        bad_vendor |= (rd32(vio(i) + VIO_VENDOR_ID) != VIRTIO_VENDOR) << i;
        if (i != BLK_SLOT)
            bad_empty |= (rd32(vio(i) + VIO_DEVICE_ID) != 0) << i;
    }
    CHECK_EQ("virtio magic (transports 0..7)", bad_magic, 0);
    CHECK_EQ("virtio version 2 (transports 0..7)", bad_version, 0);
    CHECK_EQ("virtio vendor QEMU (transports 0..7)", bad_vendor, 0);
    CHECK_EQ("virtio transports 0..6 empty", bad_empty, 0);
    CHECK_EQ("virtio-blk magic", blk_rd(VIO_MAGIC), VIRTIO_MAGIC);
    CHECK_EQ("virtio-blk version", blk_rd(VIO_VERSION), 2);
    CHECK_EQ("virtio-blk device id", blk_rd(VIO_DEVICE_ID), 2);
    CHECK_EQ("virtio-blk vendor id", blk_rd(VIO_VENDOR_ID), VIRTIO_VENDOR);
    CHECK_EQ("virtio-blk config generation", blk_rd(VIO_CONFIG_GEN), 0);

    /* Status handshake (virtio 1.x, 3.1.1): reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
    CHECK_EQ("virtio-blk status at reset", blk_rd(VIO_STATUS), 0);
    blk_wr(VIO_STATUS, 0);
    blk_wr(VIO_STATUS, ST_ACKNOWLEDGE);
    CHECK_EQ("virtio-blk status acknowledge", blk_rd(VIO_STATUS), ST_ACKNOWLEDGE);
    blk_wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
    CHECK_EQ("virtio-blk status driver", blk_rd(VIO_STATUS), ST_ACKNOWLEDGE | ST_DRIVER);
    blk_wr(VIO_DEVICE_FEAT_SEL, 0);
    uint32_t f0 = blk_rd(VIO_DEVICE_FEATURES);
    blk_wr(VIO_DEVICE_FEAT_SEL, 1);
    uint32_t f1 = blk_rd(VIO_DEVICE_FEATURES);
    blk_wr(VIO_DEVICE_FEAT_SEL, 0);
    uint32_t f0again = blk_rd(VIO_DEVICE_FEATURES);
    CHECK_EQ("virtio-blk offers seg_max blk_size flush", f0 & (BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH),
             BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH);
    CHECK_EQ("virtio-blk not read-only", f0 & BLK_F_RO, 0);
    CHECK_EQ("virtio-blk offers version_1", f1 & F_VERSION_1_HI, F_VERSION_1_HI);
    CHECK("virtio-blk features selector switches", f0again == f0 && f0 != f1);
    blk_wr(VIO_DRIVER_FEAT_SEL, 0);
    blk_wr(VIO_DRIVER_FEATURES, BLK_F_BLK_SIZE);
    blk_wr(VIO_DRIVER_FEAT_SEL, 1);
    blk_wr(VIO_DRIVER_FEATURES, F_VERSION_1_HI);
    blk_wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    CHECK_EQ("virtio-blk features ok", blk_rd(VIO_STATUS), ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);

    /* Configuration space: no medium (capacity 0), 512-byte blocks, seg_max = queue size - 2. */
    CHECK_EQ("virtio-blk capacity low", blk_rd(VIO_CONFIG + 0), 0);
    CHECK_EQ("virtio-blk capacity high", blk_rd(VIO_CONFIG + 4), 0);
    CHECK_EQ("virtio-blk seg_max", blk_rd(VIO_CONFIG + 0x0c), 254);
    CHECK_EQ("virtio-blk blk_size", blk_rd(VIO_CONFIG + 0x14), 512);

    /* Queue 0 (the only one): set up with QueueNum 8 at the virtqueue's physical addresses. */
    blk_wr(VIO_QUEUE_SEL, 1);
    CHECK_EQ("virtio-blk no queue 1", blk_rd(VIO_QUEUE_NUM_MAX), 0);
    blk_wr(VIO_QUEUE_SEL, 0);
    CHECK("virtio-blk queue 0 max", blk_rd(VIO_QUEUE_NUM_MAX) >= QSIZE);
    CHECK_EQ("virtio-blk queue 0 not ready", blk_rd(VIO_QUEUE_READY), 0);
    memset(vq_desc, 0, sizeof vq_desc);
    memset(&vq_avail, 0, sizeof vq_avail);
    memset((void *)&vq_used, 0, sizeof vq_used);
    blk_wr(VIO_QUEUE_NUM, QSIZE);
    blk_wr(VIO_QUEUE_DESC_LOW, (uint32_t)(uint64_t)vq_desc);
    blk_wr(VIO_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)vq_desc >> 32));
    blk_wr(VIO_QUEUE_AVAIL_LOW, (uint32_t)(uint64_t)&vq_avail);
    blk_wr(VIO_QUEUE_AVAIL_HIGH, (uint32_t)((uint64_t)&vq_avail >> 32));
    blk_wr(VIO_QUEUE_USED_LOW, (uint32_t)(uint64_t)&vq_used);
    blk_wr(VIO_QUEUE_USED_HIGH, (uint32_t)((uint64_t)&vq_used >> 32));
    blk_wr(VIO_QUEUE_READY, 1);
    CHECK_EQ("virtio-blk queue ready", blk_rd(VIO_QUEUE_READY), 1);
    blk_wr(VIO_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    CHECK_EQ("virtio-blk driver ok", blk_rd(VIO_STATUS), ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    CHECK_EQ("virtio-blk no interrupt yet", blk_rd(VIO_INTERRUPT_STATUS), 0);

    /* GET_ID, answered with a used-buffer interrupt (IRQ 8) that the handler claims and acknowledges. */
    wr32(plic_prio(IRQ_BLK), 1);
    wr32(plic_enable1(0), 1u << IRQ_BLK);
    wr32(PLIC_THRESHOLD1, 0);
    irq_traps = 0;
    blk_irqs = 0;
    blk_isr_or = 0;
    memset(id_buf, 0xff, sizeof id_buf);
    blk_queue(0, BLK_T_GET_ID, id_buf, sizeof id_buf, 1);
    blk_notify();
    int got_irq = wait_for(&blk_irqs, 1, 500);
    int done = poll_used(1, 500);
    settle(2);
    CHECK("virtio-blk get_id interrupt", got_irq);
    CHECK_EQ("virtio-blk get_id claim 8", irq_log[0], IRQ_BLK);
    CHECK_EQ("virtio-blk interrupt status used buffer", blk_isr_or, 1);
    CHECK("virtio-blk get_id used", done);
    CHECK_EQ("virtio-blk get_id used id", vq_used.ring[0].id, 0);
    CHECK_EQ("virtio-blk get_id used len", vq_used.ring[0].len, sizeof id_buf + 1);
    CHECK_EQ("virtio-blk get_id status", req_status[0], BLK_S_OK);
    CHECK_EQ("virtio-blk serial", strcmp((const char *)id_buf, BLK_SERIAL), 0);
    CHECK_EQ("virtio-blk interrupt acknowledged", blk_rd(VIO_INTERRUPT_STATUS), 0);
    CHECK_EQ("virtio-blk irq line low", rd32(plic_pending(0)), 0);

    /* Two requests at once: reading sector 0 of an empty drive fails (IOERR) without touching the buffer;
     * an unknown request type is UNSUPP. */
    blk_irqs = 0;
    memset(sector_buf, 0xa5, sizeof sector_buf);
    blk_queue(1, BLK_T_IN, sector_buf, sizeof sector_buf, 1);
    blk_queue(2, BLK_T_BOGUS, 0, 0, 0);
    blk_notify();
    got_irq = wait_for(&blk_irqs, 1, 500);
    done = poll_used(3, 500);
    settle(2);
    CHECK("virtio-blk batch interrupt", got_irq);
    CHECK("virtio-blk batch used", done);
    CHECK_EQ("virtio-blk read past capacity ioerr", req_status[1], BLK_S_IOERR);
    unsigned touched = 0;
    for (unsigned i = 0; i < sizeof sector_buf; i++)
        touched += sector_buf[i] != 0xa5;
    CHECK_EQ("virtio-blk failed read left the buffer", touched, 0);
    CHECK_EQ("virtio-blk unknown type unsupp", req_status[2], BLK_S_UNSUPP);
    CHECK_EQ("virtio-blk batch used ids", vq_used.ring[1].id << 8 | vq_used.ring[2].id, 3u << 8 | 0u);

    /* VIRTQ_AVAIL_F_NO_INTERRUPT: a FLUSH is answered without an interrupt. */
    blk_irqs = 0;
    vq_avail.flags = 1;
    blk_queue(0, BLK_T_FLUSH, 0, 0, 0);
    blk_notify();
    done = poll_used(4, 500);
    settle(2);
    CHECK("virtio-blk flush used", done);
    CHECK_EQ("virtio-blk flush status", req_status[0], BLK_S_OK);
    CHECK_EQ("virtio-blk no_interrupt: no interrupt", blk_irqs, 0);
    CHECK_EQ("virtio-blk no_interrupt: status 0", blk_rd(VIO_INTERRUPT_STATUS), 0);
    vq_avail.flags = 0;

    /* Device reset. */
    blk_wr(VIO_STATUS, 0);
    CHECK_EQ("virtio-blk reset status", blk_rd(VIO_STATUS), 0);
    CHECK_EQ("virtio-blk reset queue not ready", blk_rd(VIO_QUEUE_READY), 0);
    CHECK_EQ("virtio-blk reset interrupt status", blk_rd(VIO_INTERRUPT_STATUS), 0);
    plic_quiet();
}

/* ---------------------------------------------------------------------------------------------------------- */
/* U mode                                                                                                     */

static void test_user(void)
{
    uart_wr(UART_SCR, 0x3c);
    CHECK_EQ("user reads uart scratch", user_run(u_load8, va_u_uart + UART_SCR), 0x3c);
    CHECK_EQ("user writes uart scratch", user_run(u_store8_load8, va_u_uart + UART_SCR), 0xc3);
    CHECK_EQ("user write seen by S", uart_rd(UART_SCR), 0xc3);
    CHECK_EQ("user reads uart lsr", user_run(u_load8, va_u_uart + UART_LSR), 0x60);
    uint64_t t = user_run(u_rtc_time, va_u_rtc);
    CHECK("user reads rtc time", t > NS_2000 && t < NS_2100);
    CHECK_EQ("user reads virtio-blk device id", user_run(u_load32, va_u_blk + VIO_DEVICE_ID), 2);
    CHECK_EQ("user reads virtio-blk magic", user_run(u_load32, va_u_blk + VIO_MAGIC), VIRTIO_MAGIC);
#if LEVELS
    /* U mode on the S-only mapping of the UART: a load page fault at that address. */
    fault.count = 0;
    fault_expected = 1;
    user_run(u_load8, VA_UART + UART_SCR);
    fault_expected = 0;
    CHECK_EQ("user on S device page faults", fault.count << 8 | fault.scause, 1u << 8 | CAUSE_LOAD_PAGE_FAULT);
    CHECK_EQ("user on S device page stval", fault.stval, VA_UART + UART_SCR);
    CHECK_EQ("user on S device page sepc", fault.sepc, (uint64_t)U_FN(u_load8_insn));
    /* S mode on the U mapping: only with SUM. */
    fault.count = 0;
    fault_expected = 1;
    uint8_t v = rd8(VA_U_UART + UART_SCR);
    fault_expected = 0;
    (void)v;
    CHECK_EQ("S on U device page faults without sum", fault.count << 8 | fault.scause,
             1u << 8 | CAUSE_LOAD_PAGE_FAULT);
    CHECK_EQ("S on U device page stval", fault.stval, VA_U_UART + UART_SCR);
    CSR_SET(sstatus, SSTATUS_SUM);
    CHECK_EQ("S on U device page with sum", rd8(VA_U_UART + UART_SCR), 0xc3);
    CSR_CLEAR(sstatus, SSTATUS_SUM);
#endif
    uart_wr(UART_SCR, 0);
}

/* ---------------------------------------------------------------------------------------------------------- */

/* The verdict line as test_end() prints it, then the end through the test finisher (SBI SRST if that fails). */
static void __attribute__((noreturn)) devices_end(const char *name)
{
    if (test_failures)
        printf("FAIL %s (%u of %u checks failed)\n", name, test_failures, test_checks);
    else
        printf("PASS %s (%u checks)\n", name, test_checks);
    wr32(va_fin, test_failures ? 0x3333u | 1u << 16 : 0x5555u);
    sbi_shutdown(test_failures != 0);
}

static int devices_main(const char *name)
{
    test_begin(name);
    trap_hook = devices_hook;
    wait_lo = (uint64_t)wait_loop;
    wait_hi = (uint64_t)wait_loop_end;
    stimecmp_write(~0ull);
    map_devices();
#if LEVELS
    CHECK_EQ("satp mode", CSR_READ(satp) >> 60, SATP_MODE);
#else
    CHECK_EQ("satp bare", CSR_READ(satp), 0);
#endif
    CHECK_EQ("finisher reads 0", rd32(va_fin), 0);
    test_uart_registers();
    test_plic();
    test_uart_interrupt();
    test_rtc();
    test_virtio();
    test_user();
    CHECK_EQ("no stray interrupts", CSR_READ(sip) & SIP_SEIP, 0);
    devices_end(name);
}
