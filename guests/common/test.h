/*
 * Guest test framework: output, named checks, traps. See guests/README.md.
 *
 *   int main(void) {
 *       test_begin("rv64x");                     // prints "== rv64x =="
 *       CHECK_EQ("add basic", a + b, 3);         // "ok add basic" or "FAIL add basic: got 0x.. expected 0x.."
 *       return test_end();                       // "PASS rv64x (N checks)" / "FAIL rv64x (K of N checks failed)",
 *   }                                            // then SBI SRST shutdown (reason 0 pass, 1 failure)
 *
 * Print only deterministic values (never time/cycle/instret values or DTB addresses).
 */
#ifndef GUESTS_TEST_H
#define GUESTS_TEST_H

#include <stdint.h>
#include <stddef.h>
#include "sbi.h"

/* ---- output ---- */
void putchar_(int ch);
void puts_(const char *s);                 /* no newline appended */
/* %d %i %u %x %X %c %s %p %%, with optional 0 flag, width, and l/ll/z modifiers (64-bit). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- checks ---- */
void test_begin(const char *name);
int test_end(void) __attribute__((noreturn));
void check_eq(const char *name, uint64_t got, uint64_t expected);
void check_true(const char *name, int cond);
extern unsigned test_checks, test_failures;

#define CHECK_EQ(name, got, expected) check_eq((name), (uint64_t)(got), (uint64_t)(expected))
#define CHECK(name, cond) check_true((name), (cond) ? 1 : 0)

/* Print "FAIL <test>: <why>" and shut down with failure. */
void test_abort(const char *why) __attribute__((noreturn));
/* main()'s return value lands here: 0 = pass, else failure. */
void guest_exit(int code) __attribute__((noreturn));

/* ---- traps ---- */
struct trap_frame {
    uint64_t regs[32];     /* x0..x31 as at the trap; regs[2] is the interrupted sp; regs[0] is 0 */
    uint64_t sepc;         /* written back to sepc on return */
    uint64_t sstatus;      /* written back to sstatus on return */
    uint64_t scause;
    uint64_t stval;
};

#define SCAUSE_INTERRUPT        (1ull << 63)
#define CAUSE_MISALIGNED_FETCH  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL_INSN      2
#define CAUSE_BREAKPOINT        3
#define CAUSE_MISALIGNED_LOAD   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_MISALIGNED_STORE  6
#define CAUSE_STORE_ACCESS      7
#define CAUSE_USER_ECALL        8
#define CAUSE_SUPERVISOR_ECALL  9
#define CAUSE_FETCH_PAGE_FAULT  12
#define CAUSE_LOAD_PAGE_FAULT   13
#define CAUSE_STORE_PAGE_FAULT  15

#define SSTATUS_SIE   (1ull << 1)
#define SSTATUS_SPIE  (1ull << 5)
#define SSTATUS_SPP   (1ull << 8)
#define SSTATUS_FS    (3ull << 13)
#define SSTATUS_SUM   (1ull << 18)
#define SSTATUS_MXR   (1ull << 19)

/*
 * Called first for every trap (after the user_call exit ecall). Return nonzero if handled; it may change
 * frame->sepc, frame->sstatus and frame->regs[]. If it is NULL or returns 0, the trap is reported as
 * "unexpected trap scause=.. sepc=.. stval=.." and the test fails.
 */
extern int (*trap_hook)(struct trap_frame *frame);

/* A ready-made hook: records the trap in last_trap and resumes after the trapping instruction (2 or 4 bytes,
 * from the instruction at sepc; do not use it for instruction fetch faults). Interrupts are not handled. */
struct trap_record {
    uint64_t count, scause, sepc, stval;
};
extern volatile struct trap_record last_trap;
int trap_skip_hook(struct trap_frame *frame);
/* trap_hook = trap_skip_hook and last_trap cleared. */
void trap_expect(void);
/* Length in bytes (2 or 4) of the instruction at addr. */
unsigned insn_length(uint64_t addr);

/* Run fn(arg) in U mode on user_sp (16-byte aligned top of a stack); returns fn's result. Traps from U go to
 * trap_hook as usual (frame->sstatus has SPP = 0); an ecall from U with a7 = USER_EXIT_MAGIC is reserved. */
#define USER_EXIT_MAGIC 0x55534552
long user_call(long (*fn)(long), long arg, void *user_sp);

/* ---- misc ---- */
extern uint64_t boot_hartid, boot_dtb;
extern char _image_start[], _image_end[], _heap_start[], _heap_end[];

#define CSR_READ(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_) :: "memory"); v_; })
#define CSR_WRITE(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define CSR_SET(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define CSR_CLEAR(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
