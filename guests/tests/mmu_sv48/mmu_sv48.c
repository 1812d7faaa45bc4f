/* Sv48 paging: see ../mmu_common.h. */
#define LEVELS 4
#include "../mmu_common.h"

int main(void)
{
    return mmu_main("mmu_sv48");
}
