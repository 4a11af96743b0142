/*
 * `vrsim lspci`: list a machine's PCI functions as Debian's lspci does (sim/lspci.c). The
 * machine is built (sim/core/pcibus) and read through ECAM only, like a driver would see it.
 */
#ifndef VS_LSPCI_H
#define VS_LSPCI_H

#include <stddef.h>

#include "sim/core/machfile.h"

/* vrsim's way to read a machine (FILE, NAME or the default when arg is NULL): 0, or nonzero
 * after printing why not. */
typedef int (*vs_lspci_load_fn)(const char *arg, struct vs_machine_desc *d);

/* argv after "lspci". Exit status: 0, 2 for a bad command line or machine file, 1 else. */
int vs_lspci_main(int argc, char **argv, vs_lspci_load_fn load);

/* Names from libpci's ID database (sim/lspci_names.c). numeric: 0 names, 1 numbers (lspci -n),
 * 2 both (lspci -nn); without a readable database (ids_path, or libpci's default when NULL) the
 * names are numbers as with 1. Each lookup returns buf (or NULL for an unknown prog-if). */
struct vs_pci_names;
struct vs_pci_names *vs_pci_names_open(int numeric, const char *ids_path);
void vs_pci_names_close(struct vs_pci_names *n);
const char *vs_pci_names_class(struct vs_pci_names *n, char *buf, size_t len, unsigned cls);
const char *vs_pci_names_device(struct vs_pci_names *n, char *buf, size_t len, unsigned vendor,
                                unsigned device);
const char *vs_pci_names_subsystem(struct vs_pci_names *n, char *buf, size_t len, unsigned vendor,
                                   unsigned device, unsigned sub_vendor, unsigned sub_device);
const char *vs_pci_names_progif(struct vs_pci_names *n, char *buf, size_t len, unsigned cls,
                                unsigned progif);

#endif
