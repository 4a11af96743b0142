/*
 * cfgdump: the configuration space (256 bytes) of every function on bus 0, read through the
 * pci_config_read kernel call as dwords, one line per 16 bytes ("00:03.0 040: 05 00 ..."):
 * what a driver sees, on either backend (tests/integration/qemu/config.sh compares them).
 * Run as the first process (vrsim run --no-init): its spawner handle is the root resource.
 */
#include <stdio.h>

#include "veridian/vk.h"

int main(void)
{
    uint32_t res = vr_start_handle(VK_ROLE_SPAWNER);
    int found = 0;
    for (uint32_t d = 0; d < 32; d++) {
        for (uint32_t f = 0; f < 8; f++) {
            long id = vk_pci_config_read(res, VK_BDF(0, d, f), 0, 4);
            if (id < 0 || id == 0xffffffffl)
                continue;
            found++;
            for (uint32_t off = 0; off < 256; off += 16) {
                printf("00:%02x.%x %03x:", d, f, off);
                for (uint32_t o = off; o < off + 16; o += 4) {
                    long v = vk_pci_config_read(res, VK_BDF(0, d, f), o, 4);
                    for (int b = 0; b < 4; b++)
                        printf(" %02lx", v < 0 ? 0xffl : ((unsigned long)v >> (8 * b)) & 0xff);
                }
                printf("\n");
            }
        }
    }
    return found ? 0 : 1;
}
