/* Device MMIO with satp bare: see ../devices_common.h. */
#define LEVELS 0
#include "../devices_common.h"

int main(void)
{
    return devices_main("devices_bare");
}
