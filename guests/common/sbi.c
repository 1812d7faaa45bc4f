#include "sbi.h"

struct sbiret sbi_ecall(long ext, long fid, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a4 __asm__("a4") = a4;
    register long r_a5 __asm__("a5") = a5;
    register long r_a6 __asm__("a6") = fid;
    register long r_a7 __asm__("a7") = ext;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6), "r"(r_a7)
                     : "memory");
    struct sbiret ret = { r_a0, r_a1 };
    return ret;
}

void sbi_console_putchar(int ch)
{
    sbi_ecall(SBI_EXT_PUTCHAR_LEGACY, 0, ch, 0, 0, 0, 0, 0);
}

long sbi_probe_extension(long eid)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0, 0, 0);
    return r.error ? 0 : r.value;
}

long sbi_set_timer(uint64_t stime_value)
{
    static int have_time = -1;
    if (have_time < 0)
        have_time = sbi_probe_extension(SBI_EXT_TIME) != 0;
    if (have_time)
        return sbi_ecall(SBI_EXT_TIME, 0, (long)stime_value, 0, 0, 0, 0, 0).error;
    /* Legacy calls return their error in a0 as well. */
    return sbi_ecall(SBI_EXT_SET_TIMER_LEGACY, 0, (long)stime_value, 0, 0, 0, 0, 0).error;
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
    return sbi_ecall(SBI_EXT_IPI, 0, (long)hart_mask, (long)hart_mask_base, 0, 0, 0, 0).error;
}

void sbi_shutdown(int fail)
{
    sbi_ecall(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, fail ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0, 0, 0, 0);
    /* SRST absent or refused: nothing else we can do. */
    for (;;)
        __asm__ volatile("wfi");
}
