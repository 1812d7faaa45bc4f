/* SBI calls: only the extensions tsvisor implements (see guests/README.md). */
#ifndef GUESTS_SBI_H
#define GUESTS_SBI_H

#include <stdint.h>

#define SBI_EXT_SET_TIMER_LEGACY 0x00
#define SBI_EXT_PUTCHAR_LEGACY   0x01
#define SBI_EXT_BASE             0x10
#define SBI_EXT_TIME             0x54494D45
#define SBI_EXT_IPI              0x735049
#define SBI_EXT_SRST             0x53525354

#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_SRST_SHUTDOWN        0
#define SBI_SRST_REASON_NONE     0
#define SBI_SRST_REASON_FAILURE  1

struct sbiret {
    long error;
    long value;
};

struct sbiret sbi_ecall(long ext, long fid, long a0, long a1, long a2, long a3, long a4, long a5);

void sbi_console_putchar(int ch);
/* BASE probe_extension: 0 if absent, nonzero if present. */
long sbi_probe_extension(long eid);
/* TIME set_timer if the TIME extension is present, else legacy set_timer. Returns the SBI error (0 = ok). */
long sbi_set_timer(uint64_t stime_value);
/* IPI send_ipi (hart_mask relative to hart_mask_base). Returns the SBI error. */
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
/* SRST shutdown with reason 0 (fail == 0) or 1 (system failure). Does not return. */
void sbi_shutdown(int fail) __attribute__((noreturn));

#endif
