/*
 * SMP: the boot hart starts the other three with SBI HSM hart_start; each records its opaque value, increments a
 * shared counter atomically, sends an IPI to the boot hart and stops itself. The boot hart sleeps in WFI until the
 * IPIs arrive. Which hart boots is the firmware's choice (OpenSBI's boot lottery on QEMU), so nothing depends on
 * it, and only the boot hart prints, so the output does not depend on how the harts interleave.
 */
#include "test.h"
#include "sbi.h"

#define NHARTS 4
#define SBI_EXT_HSM 0x48534D
#define HSM_STARTED 0
#define HSM_STOPPED 1
#define SIP_SSIP (1ul << 1)
#define SIE_SSIE (1ul << 1)

extern void secondary_entry(void);
static volatile long counter;
static volatile long arrived[NHARTS];

void secondary_main(long hartid, long opaque)
{
    arrived[hartid] = opaque;
    __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    sbi_send_ipi(1ul << boot_hartid, 0);
    sbi_ecall(SBI_EXT_HSM, 1, 0, 0, 0, 0, 0, 0); /* hart_stop: does not return */
}

static long hsm_status(long hart)
{
    struct sbiret r = sbi_ecall(SBI_EXT_HSM, 2, hart, 0, 0, 0, 0, 0);
    return r.error ? r.error : r.value;
}

int main(void)
{
    test_begin("smp");
    CHECK("hsm present", sbi_probe_extension(SBI_EXT_HSM) != 0);
    long other = boot_hartid == 0 ? 1 : 0;
    CHECK_EQ("another hart starts stopped", hsm_status(other), HSM_STOPPED);
    CHECK_EQ("the boot hart is started", hsm_status(boot_hartid), HSM_STARTED);
    CHECK_EQ("status of a missing hart", hsm_status(NHARTS + 3), -3);
    __asm__ volatile("csrs sie, %0" ::"r"(SIE_SSIE));
    for (long h = 0; h < NHARTS; h++) {
        if (h == (long)boot_hartid) continue;
        struct sbiret r = sbi_ecall(SBI_EXT_HSM, 0, h, (long)secondary_entry, 100 + h, 0, 0, 0);
        CHECK_EQ("hart_start", r.error, 0);
    }
    CHECK_EQ("hart_start of the running boot hart", sbi_ecall(SBI_EXT_HSM, 0, boot_hartid, (long)secondary_entry, 0, 0, 0, 0).error, -6);
    CHECK_EQ("hart_start of a missing hart", sbi_ecall(SBI_EXT_HSM, 0, NHARTS + 3, (long)secondary_entry, 0, 0, 0, 0).error, -3);
    int ipis = 0;
    for (long spins = 0; counter < NHARTS - 1 && spins < 1000000; spins++) {
        __asm__ volatile("wfi");
        unsigned long sip;
        __asm__ volatile("csrr %0, sip" : "=r"(sip));
        if (sip & SIP_SSIP) {
            ipis++;
            __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
        }
    }
    /* The secondaries may all finish before the loop above waits at all: their IPI is then still pending. */
    unsigned long sip;
    __asm__ volatile("csrr %0, sip" : "=r"(sip));
    if (sip & SIP_SSIP) {
        ipis++;
        __asm__ volatile("csrc sip, %0" ::"r"(SIP_SSIP));
    }
    CHECK_EQ("every secondary ran", counter, NHARTS - 1);
    CHECK("an IPI woke the boot hart", ipis > 0);
    for (long h = 0; h < NHARTS; h++) if (h != (long)boot_hartid) CHECK_EQ("opaque reached its hart", arrived[h], 100 + h);
    for (long h = 0; h < NHARTS; h++) {
        if (h == (long)boot_hartid) continue;
        long spins = 0;
        while (hsm_status(h) != HSM_STOPPED && spins++ < 1000000)
            ;
        CHECK_EQ("secondary stopped itself", hsm_status(h), HSM_STOPPED);
    }
    return test_end();
}
