/*
 * Vendor, device and class names for `vrsim lspci`, from libpci's ID database (pci.ids), the
 * one Debian's lspci uses (never udev's hwdb). Only name lookup: no pci_init, so libpci never
 * touches the host's PCI bus. A missing or unreadable pci.ids is never an error: the names then
 * come out numeric, as `lspci -n` prints them. Kept apart from sim/lspci.c because libpci's
 * <pci/pci.h> defines the same PCI_* register names as hw-models/pci/pci.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <pci/pci.h>

#include "sim/lspci.h"

struct vs_pci_names {
    struct pci_access *pacc;
};

/*
 * libpci reports a malformed pci.ids through pacc->error, which must not return and has no
 * context argument: the handler jumps back into vs_pci_names_open, the only caller that can
 * reach it (the list is loaded there, once). A CLI-only file-scope jump buffer, never part of
 * a simulated machine's state.
 */
static jmp_buf names_load_failed;

static void names_error(char *msg, ...) PCI_NONRET;

static void names_error(char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    fputs("vrsim lspci: pci.ids: ", stderr);
    vfprintf(stderr, msg, ap);
    va_end(ap);
    longjmp(names_load_failed, 1);
}

/* pci_init would install these; name lookup alone calls them too (warnings about the database,
 * debug traces of the hwdb lookup). */
static void names_quiet(char *msg, ...)
{
    (void)msg;
}

/* 1 when the ID list loaded; 0 (missing or malformed) leaves libpci's state consistent enough
 * for pci_cleanup, and nothing but numbers is looked up afterwards. */
static int load_names(struct pci_access *const pacc)
{
    if (setjmp(names_load_failed))
        return 0;
    return pci_load_name_list(pacc);
}

struct vs_pci_names *vs_pci_names_open(int numeric, const char *ids_path)
{
    struct vs_pci_names *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    if (!(n->pacc = pci_alloc())) {
        free(n);
        return NULL;
    }
    n->pacc->error = names_error;
    n->pacc->warning = names_quiet;
    n->pacc->debug = names_quiet;
    n->pacc->numeric_ids = numeric;
    /* pci.ids only, never udev's hwdb: that is host state, and libpci's hwdb lookup leaks a
     * udev context per call (LeakSanitizer). Debian's hwdb names come from the same pci.ids. */
    n->pacc->id_lookup_mode |= PCI_LOOKUP_NO_HWDB;
    if (ids_path)
        pci_set_name_list_path(n->pacc, (char *)ids_path, 0);
    if ((!numeric || numeric > 1) && !load_names(n->pacc))
        n->pacc->numeric_ids = 1; /* no database: numbers only, as lspci -n */
    return n;
}

void vs_pci_names_close(struct vs_pci_names *n)
{
    if (!n)
        return;
    pci_cleanup(n->pacc);
    free(n);
}

const char *vs_pci_names_class(struct vs_pci_names *n, char *buf, size_t len, unsigned cls)
{
    return pci_lookup_name(n->pacc, buf, (int)len, PCI_LOOKUP_CLASS, cls);
}

const char *vs_pci_names_device(struct vs_pci_names *n, char *buf, size_t len, unsigned vendor,
                                unsigned device)
{
    return pci_lookup_name(n->pacc, buf, (int)len, PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, vendor,
                           device);
}

const char *vs_pci_names_subsystem(struct vs_pci_names *n, char *buf, size_t len, unsigned vendor,
                                   unsigned device, unsigned sub_vendor, unsigned sub_device)
{
    return pci_lookup_name(n->pacc, buf, (int)len,
                           PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, vendor,
                           device, sub_vendor, sub_device);
}

const char *vs_pci_names_progif(struct vs_pci_names *n, char *buf, size_t len, unsigned cls,
                                unsigned progif)
{
    return pci_lookup_name(n->pacc, buf, (int)len, PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS, cls,
                           progif);
}
