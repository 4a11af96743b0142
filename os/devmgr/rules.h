/*
 * devmgr's driver table: /etc/drivers.toml parsed into match rules, and the matcher. Pure C
 * (vl_toml, no kernel calls), built for devmgr and for the host (tests/unit/devmgr).
 *
 * The file (TOML):
 *   [[driver]]
 *   name = "edu"                  the node, /dev/<name>: [a-z0-9_-], 1..31 characters, unique
 *   path = "/sbin/drivers/edu"    the driver's program in the boot image (absolute)
 *   vendor = 0x1234               PCI IDs to match (device needs vendor)
 *   device = 0x11e8
 *   class = 0x00ff00              optional: base << 16 | sub << 8 | prog-if ...
 *   class_mask = 0xffff00         ... compared under this mask (default 0xffffff)
 *   args = ["--intx"]             optional: the driver's argv after its name (at most
 *                                 DEVMGR_ARGS_MAX strings of 1..DEVMGR_ARG_MAX-1 bytes)
 * A rule needs vendor or class. A function gets the first rule (in file order) it matches.
 * Anything else (unknown keys, wrong types, out-of-range numbers, a TOML syntax error) is
 * refused with "file:line:col: what is wrong", and devmgr then starts no driver at all.
 */
#ifndef DEVMGR_RULES_H
#define DEVMGR_RULES_H

#include <stddef.h>
#include <stdint.h>

#define DEVMGR_RULES_MAX 32u
#define DEVMGR_NAME_MAX 32u
#define DEVMGR_PATH_MAX 128u
#define DEVMGR_ANY (-1)
#define DEVMGR_ARGS_MAX 4u
#define DEVMGR_ARG_MAX 64u

struct devmgr_rule {
    char name[DEVMGR_NAME_MAX];
    char path[DEVMGR_PATH_MAX];
    int32_t vendor, device; /* DEVMGR_ANY or 0..0xffff */
    int32_t class_code;     /* DEVMGR_ANY or 0..0xffffff */
    uint32_t class_mask;
    uint32_t nargs;
    char args[DEVMGR_ARGS_MAX][DEVMGR_ARG_MAX];
};

/* Parse text (len bytes; file names it in messages): 0 with rules[0..*n), or -VK_EINVAL /
 * -VK_ENOMEM with err (errlen bytes, NUL-terminated) saying file:line:col: what. */
int devmgr_rules_parse(const char *file, const char *text, size_t len, struct devmgr_rule *rules,
                       size_t max, size_t *n, char *err, size_t errlen);

/* The index of the first rule matching the function, or -1. */
int devmgr_match(const struct devmgr_rule *rules, size_t n, uint16_t vendor, uint16_t device,
                 uint32_t class_code);

#endif
