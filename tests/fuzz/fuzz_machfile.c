/*
 * libFuzzer harness for machine files (sim/core/machfile): any bytes as a machine file either
 * give a description that holds the format's invariants or one message that starts with the
 * file's name; never a crash, an over-read or a leak. Seeded with sim/machines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/machfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vs_machine_desc d;
    char err[512];
    if (vs_machfile_parse((const char *)data, size, "f/m.toml", &d, err, sizeof err) == 0) {
        if (!d.memory || d.memory % VS_MACH_PAGE || d.memory > VS_MACH_MEMORY_MAX ||
            d.npci > VS_MACH_PCI_MAX)
            abort();
        for (uint32_t i = 0; i < d.npci; i++)
            if (!d.pci[i].model || !d.pci[i].dev || d.pci[i].dev >= VS_MACH_PCI_DEVS ||
                d.pci[i].fn >= VS_MACH_PCI_FNS)
                abort();
        vs_machfile_check_implemented(&d, err, sizeof err);
    } else if (strncmp(err, "f/m.toml:", 9)) {
        abort();
    }
    return 0;
}
