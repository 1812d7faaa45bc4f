/* Device MMIO with satp in Sv48: see ../devices_common.h. */
#define LEVELS 4
#include "../devices_common.h"

int main(void)
{
    return devices_main("devices_sv48");
}
