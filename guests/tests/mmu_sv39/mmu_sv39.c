/* Sv39 paging: see ../mmu_common.h. */
#define LEVELS 3
#include "../mmu_common.h"

int main(void)
{
    return mmu_main("mmu_sv39");
}
