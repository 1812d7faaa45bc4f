/* Device MMIO with satp in Sv39: see ../devices_common.h. */
#define LEVELS 3
#include "../devices_common.h"

int main(void)
{
    return devices_main("devices_sv39");
}
