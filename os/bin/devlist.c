/*
 * devlist: the machine's PCI functions as devmgr sees them (/proc/devices), one per line:
 * address, IDs, class (with its name), driver, state, restarts, interrupts and IOMMU faults.
 * Exit status 1 when /proc/devices is missing (devmgr not running).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *class_name(unsigned cls)
{
    static const struct {
        unsigned base_sub;
        const char *name;
    } names[] = {
        {0x0600, "host bridge"},   {0x0604, "PCI bridge"}, {0x0200, "ethernet"},
        {0x0100, "SCSI storage"},  {0x0106, "SATA"},       {0x0108, "NVMe"},
        {0x0300, "VGA"},           {0x0700, "serial"},     {0x00ff, "unclassified"},
        {0x0780, "communication"}, {0x0c03, "USB"},        {0x0880, "system"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].base_sub == cls >> 8)
            return names[i].name;
    return "other";
}

int main(void)
{
    FILE *f = fopen("/proc/devices", "r");
    if (!f) {
        perror("devlist: /proc/devices");
        return 1;
    }
    char line[256];
    int first = 1;
    printf("%-8s %-9s %-22s %-8s %-10s %8s %6s %6s\n", "BDF", "ID", "CLASS", "DRIVER", "STATE",
           "RESTARTS", "IRQS", "FAULTS");
    while (fgets(line, sizeof line, f)) {
        if (first) { /* the header */
            first = 0;
            continue;
        }
        char *field[9];
        int nf = 0;
        for (char *t = strtok(line, " \n"); t && nf < 9; t = strtok(NULL, " \n"))
            field[nf++] = t;
        if (nf != 9)
            continue;
        const char *bdf = field[0], *drv = field[4], *state = field[5];
        unsigned ven = (unsigned)strtoul(field[1], NULL, 16);
        unsigned dev = (unsigned)strtoul(field[2], NULL, 16);
        unsigned cls = (unsigned)strtoul(field[3], NULL, 16);
        unsigned restarts = (unsigned)strtoul(field[6], NULL, 10);
        unsigned long long irqs = strtoull(field[7], NULL, 10);
        unsigned long long faults = strtoull(field[8], NULL, 10);
        char id[16], cl[40];
        snprintf(id, sizeof id, "%04x:%04x", ven, dev);
        snprintf(cl, sizeof cl, "%06x %s", cls, class_name(cls));
        printf("%-8s %-9s %-22s %-8s %-10s %8u %6llu %6llu\n", bdf, id, cl, drv, state, restarts,
               irqs, faults);
    }
    fclose(f);
    return 0;
}
