/*
 * Users and groups: who each service and the console program run as.
 *
 * init reads /etc/passwd and /etc/group from the boot image (like services.toml: before
 * the vfs runs) and gives each program the uid/gid of the name its configuration gives, or
 * the default (svc.h: a distinct non-zero uid per service, another for the console). init
 * then sets those credentials on the program's vfs session before handing it over.
 *
 * The files are input like any other: lines are bounded and split by hand, numbers range
 * checked; a malformed line is skipped, never trusted in part. No allocation.
 */
#include <stdio.h>
#include <string.h>

#include "os/init/svc.h"

#define ID_MAX 0xfffffffeu /* (uid_t)-1 means "unchanged" to setreuid: never an id */

/* Decimal digits only, at most ID_MAX: 0 and *out, else -1. */
static int parse_id(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    if (!len || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > ID_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int init_id_lookup(const char *text, size_t len, const char *name, uint32_t *id, uint32_t *gid)
{
    size_t nlen = strlen(name);
    for (size_t at = 0; text && at < len;) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - line) : len - at;
        at += ll + 1;
        /* fields: name:password:id[:gid...] */
        const char *f[4];
        size_t fl[4], nf = 0;
        for (size_t i = 0, start = 0; i <= ll && nf < 4; i++) {
            if (i == ll || line[i] == ':') {
                f[nf] = line + start;
                fl[nf++] = i - start;
                start = i + 1;
            }
        }
        if (nf < 3 || fl[0] != nlen || memcmp(f[0], name, nlen))
            continue;
        uint32_t a, b = 0;
        if (parse_id(f[2], fl[2], &a))
            continue;
        if (gid && (nf < 4 || parse_id(f[3], fl[3], &b)))
            continue;
        *id = a;
        if (gid)
            *gid = b;
        return 0;
    }
    return -1;
}

struct ctx {
    struct init_diag *d;
    size_t max, n;
};

static void report(struct ctx *c, const struct init_idname *at, const char *what, const char *file)
{
    if (c->n < c->max) {
        struct init_diag *d = &c->d[c->n];
        d->line = at->line;
        d->col = at->col;
        snprintf(d->msg, sizeof d->msg, "unknown %s '%s' (not in %s)", what, at->name, file);
    }
    c->n++;
}

/* uid (and primary gid) of a user name, gid of a group name; a name in the file wins over
 * its reading as a number. */
static int resolve_user(const char *passwd, size_t plen, const char *name, uint32_t *uid,
                        uint32_t *gid)
{
    if (!init_id_lookup(passwd, plen, name, uid, gid))
        return 0;
    if (parse_id(name, strlen(name), uid))
        return -1;
    *gid = *uid;
    return 0;
}

static int resolve_group(const char *group, size_t glen, const char *name, uint32_t *gid)
{
    if (!init_id_lookup(group, glen, name, gid, NULL))
        return 0;
    return parse_id(name, strlen(name), gid);
}

static void resolve(struct ctx *c, const char *passwd, size_t plen, const char *group, size_t glen,
                    const struct init_idname *user, const struct init_idname *grp, uint32_t *uid,
                    uint32_t *gid)
{
    if (user->name[0] && resolve_user(passwd, plen, user->name, uid, gid))
        report(c, user, "user", "/etc/passwd");
    if (grp->name[0] && resolve_group(group, glen, grp->name, gid))
        report(c, grp, "group", "/etc/group");
}

size_t init_users_resolve(struct init_config *cfg, const char *passwd, size_t passwd_len,
                          const char *group, size_t group_len, struct init_diag *diags,
                          size_t max_diags)
{
    struct ctx c = {diags, max_diags, 0};
    for (size_t i = 0; i < cfg->n; i++) {
        struct init_service *s = &cfg->svc[i];
        s->uid = s->gid = INIT_UID_SERVICE_BASE + (uint32_t)i;
        resolve(&c, passwd, passwd_len, group, group_len, &s->user, &s->group, &s->uid, &s->gid);
    }
    cfg->console_uid = cfg->console_gid = INIT_UID_CONSOLE;
    resolve(&c, passwd, passwd_len, group, group_len, &cfg->console_user, &cfg->console_group,
            &cfg->console_uid, &cfg->console_gid);
    return c.n;
}
