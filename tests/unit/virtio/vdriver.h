/*
 * A virtio driver's side of the unit tests (tests/unit/virtio): configuration and BAR 4 accesses
 * through the test platform's host (tests/unit/hwtest), the status and feature registers, and
 * little-endian words in the platform's RAM. The including test defines dev() (its model's
 * PCI function) and BAR4_BASE (where its setup placed BAR 4); every access must succeed.
 */
#ifndef VDRIVER_H
#define VDRIVER_H

#include <check.h>
#include <stdint.h>

#include "tests/unit/hwtest/hwtest.h"
#include "virtio_pci.h"

static struct pci_device *dev(void);

static inline void cfg_wr(uint32_t off, unsigned size, uint32_t v)
{
    ck_assert_int_eq(pci_config_write(dev(), off, size, v), 0);
}

static inline uint32_t cfg_rd(uint32_t off, unsigned size)
{
    uint32_t v;
    ck_assert_int_eq(pci_config_read(dev(), off, size, &v), 0);
    return v;
}

static inline uint64_t rd(uint32_t off, unsigned size)
{
    uint64_t v;
    ck_assert_int_eq(pci_host_mmio_read(&host, BAR4_BASE + off, size, &v), 0);
    return v;
}

static inline void wr(uint32_t off, unsigned size, uint64_t v)
{
    ck_assert_int_eq(pci_host_mmio_write(&host, BAR4_BASE + off, size, v), 0);
}

static inline uint8_t status(void)
{
    return (uint8_t)rd(VIRTIO_PCI_COMMON_STATUS, 1);
}

static inline void set_status(uint8_t s)
{
    wr(VIRTIO_PCI_COMMON_STATUS, 1, s);
}

static inline void write_features(uint64_t f)
{
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
    wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
}

static inline uint64_t device_features(void)
{
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
    uint64_t lo = rd(VIRTIO_PCI_COMMON_DF, 4);
    wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
    return lo | (rd(VIRTIO_PCI_COMMON_DF, 4) << 32);
}

static inline void negotiate(uint64_t f)
{
    set_status(0);
    set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE);
    set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    write_features(f);
    set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    ck_assert_uint_eq(status(), VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                    VIRTIO_CONFIG_S_FEATURES_OK);
}

static inline void put16(uint32_t a, uint16_t v)
{
    pl.ram[a] = (uint8_t)v;
    pl.ram[a + 1] = (uint8_t)(v >> 8);
}

static inline void put32(uint32_t a, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        pl.ram[a + i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t get16(uint32_t a)
{
    return (uint16_t)(pl.ram[a] | (pl.ram[a + 1] << 8));
}

static inline uint32_t get32(uint32_t a)
{
    return (uint32_t)get16(a) | ((uint32_t)get16(a + 2) << 16);
}

#endif
