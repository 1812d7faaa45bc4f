/* Smallest test: output, a check, and the SBI extensions the runtime provides. */
#include "test.h"

int main(void)
{
    test_begin("hello");
    printf("hello from the guest\n");
    CHECK_EQ("printf self-test", 0, 0);
    CHECK("sbi base probe srst", sbi_probe_extension(SBI_EXT_SRST) != 0);
    CHECK("sbi base probe time", sbi_probe_extension(SBI_EXT_TIME) != 0);
    CHECK("sbi base probe ipi", sbi_probe_extension(SBI_EXT_IPI) != 0);
    CHECK("sbi base probe absent", sbi_probe_extension(0x12345678) == 0);
    return test_end();
}
