/* devmgr's driver table: see rules.h for the contract. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "veridian/errors.h"
#include "vl_toml.h"

static int fail_at(char *err, size_t errlen, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_at(char *err, size_t errlen, const char *file, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    int k = snprintf(err, errlen, "%s:%u:%u: ", file, line, col);
    if (k >= 0 && (size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -VK_EINVAL;
}

#define FAIL(v, ...)                                                                               \
    do {                                                                                           \
        uint32_t l_, c_;                                                                           \
        vl_toml_pos((v), &l_, &c_);                                                                \
        return fail_at(err, errlen, file, l_, c_, __VA_ARGS__);                                    \
    } while (0)

static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= DEVMGR_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int parse_rule(const char *file, const struct vl_toml_value *t, struct devmgr_rule *r,
                      char *err, size_t errlen)
{
    *r = (struct devmgr_rule){.vendor = DEVMGR_ANY,
                              .device = DEVMGR_ANY,
                              .class_code = DEVMGR_ANY,
                              .class_mask = 0xffffff};
    int have_name = 0, have_path = 0, have_mask = 0;
    if (vl_toml_type_of(t) != VL_TOML_TABLE)
        FAIL(t, "a driver entry must be a table ([[driver]])");
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, NULL);
        const char *s;
        size_t sn;
        int64_t x;
        if (!strcmp(key, "name") || !strcmp(key, "path")) {
            if (vl_toml_string(v, &s, &sn))
                FAIL(v, "%s: expected a string, found %s", key,
                     vl_toml_type_name(vl_toml_type_of(v)));
            if (key[0] == 'n') {
                if (!name_ok(s, sn))
                    FAIL(v, "name: expected 1..%u characters of [a-z0-9_-]", DEVMGR_NAME_MAX - 1);
                memcpy(r->name, s, sn + 1);
                have_name = 1;
            } else {
                if (sn == 0 || s[0] != '/' || sn >= DEVMGR_PATH_MAX || memchr(s, 0, sn))
                    FAIL(v, "path: expected an absolute path shorter than %u bytes",
                         DEVMGR_PATH_MAX);
                memcpy(r->path, s, sn + 1);
                have_path = 1;
            }
            continue;
        }
        if (!strcmp(key, "args")) {
            if (vl_toml_type_of(v) != VL_TOML_ARRAY)
                FAIL(v, "args: expected an array of strings, found %s",
                     vl_toml_type_name(vl_toml_type_of(v)));
            if (vl_toml_array_len(v) > DEVMGR_ARGS_MAX)
                FAIL(v, "args: at most %u strings", DEVMGR_ARGS_MAX);
            for (size_t j = 0; j < vl_toml_array_len(v); j++) {
                const struct vl_toml_value *a = vl_toml_array_at(v, j);
                if (vl_toml_string(a, &s, &sn) || sn == 0 || sn >= DEVMGR_ARG_MAX ||
                    memchr(s, 0, sn))
                    FAIL(a, "args: expected strings of 1..%u bytes", DEVMGR_ARG_MAX - 1);
                memcpy(r->args[j], s, sn + 1);
            }
            r->nargs = (uint32_t)vl_toml_array_len(v);
            continue;
        }
        int64_t max;
        if (!strcmp(key, "vendor") || !strcmp(key, "device"))
            max = 0xffff;
        else if (!strcmp(key, "class") || !strcmp(key, "class_mask"))
            max = 0xffffff;
        else
            FAIL(v,
                 "unknown key '%s' (expected name, path, vendor, device, class, class_mask, "
                 "args)",
                 key);
        if (vl_toml_int(v, &x))
            FAIL(v, "%s: expected an integer, found %s", key,
                 vl_toml_type_name(vl_toml_type_of(v)));
        if (x < 0 || x > max)
            FAIL(v, "%s: %lld is out of range 0..%#llx", key, (long long)x, (long long)max);
        if (!strcmp(key, "vendor"))
            r->vendor = (int32_t)x;
        else if (!strcmp(key, "device"))
            r->device = (int32_t)x;
        else if (!strcmp(key, "class"))
            r->class_code = (int32_t)x;
        else {
            r->class_mask = (uint32_t)x;
            have_mask = 1;
        }
    }
    if (!have_name || !have_path)
        FAIL(t, "a driver needs name and path");
    if (r->vendor == DEVMGR_ANY && r->class_code == DEVMGR_ANY)
        FAIL(t, "driver %s: needs vendor or class to match", r->name);
    if (r->device != DEVMGR_ANY && r->vendor == DEVMGR_ANY)
        FAIL(t, "driver %s: device needs vendor", r->name);
    if (have_mask && r->class_code == DEVMGR_ANY)
        FAIL(t, "driver %s: class_mask needs class", r->name);
    return 0;
}

int devmgr_rules_parse(const char *file, const char *text, size_t len, struct devmgr_rule *rules,
                       size_t max, size_t *n, char *err, size_t errlen)
{
    struct vl_toml_value *root;
    struct vl_toml_error te;
    int rc = vl_toml_parse(text, len, &root, &te);
    *n = 0;
    if (rc)
        return rc == -VK_ENOMEM ? rc : fail_at(err, errlen, file, te.line, te.col, "%s", te.msg);
    for (size_t i = 0; i < vl_toml_table_len(root) && !rc; i++) {
        const char *key;
        const struct vl_toml_value *v = vl_toml_table_at(root, i, &key, NULL);
        uint32_t l, c;
        vl_toml_pos(v, &l, &c);
        if (strcmp(key, "driver") || vl_toml_type_of(v) != VL_TOML_ARRAY) {
            rc = fail_at(err, errlen, file, l, c, "unknown key '%s' (expected [[driver]])", key);
            break;
        }
        for (size_t j = 0; j < vl_toml_array_len(v) && !rc; j++) {
            const struct vl_toml_value *t = vl_toml_array_at(v, j);
            if (*n == max) {
                vl_toml_pos(t, &l, &c);
                rc = fail_at(err, errlen, file, l, c, "more than %zu drivers", max);
                break;
            }
            if ((rc = parse_rule(file, t, &rules[*n], err, errlen)))
                break;
            for (size_t k = 0; k < *n && !rc; k++) {
                if (!strcmp(rules[k].name, rules[*n].name)) {
                    vl_toml_pos(t, &l, &c);
                    rc = fail_at(err, errlen, file, l, c, "driver name '%s' used twice",
                                 rules[k].name);
                }
            }
            if (!rc)
                (*n)++;
        }
    }
    vl_toml_free(root);
    if (rc)
        *n = 0;
    return rc;
}

int devmgr_match(const struct devmgr_rule *rules, size_t n, uint16_t vendor, uint16_t device,
                 uint32_t class_code)
{
    for (size_t i = 0; i < n; i++) {
        const struct devmgr_rule *r = &rules[i];
        if (r->vendor != DEVMGR_ANY && (uint32_t)r->vendor != vendor)
            continue;
        if (r->device != DEVMGR_ANY && (uint32_t)r->device != device)
            continue;
        if (r->class_code != DEVMGR_ANY &&
            ((uint32_t)r->class_code & r->class_mask) != (class_code & r->class_mask))
            continue;
        return (int)i;
    }
    return -1;
}
