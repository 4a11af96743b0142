/*
 * /etc/services.toml: from TOML (os/lib/toml) to struct init_config, checking the schema.
 *
 *   [init]                          optional
 *   console = ["/bin/vsh"]          the console program, when vrsim names none
 *   console_user = "root"           who the console program runs as (default: uid 1000)
 *   console_group = "wheel"         its group (default: the user's primary group)
 *   console_caps = ["CAP_SVC_CONTROL"]  its capabilities beyond CAP_SPAWN, which it always
 *                                   has (default: none)
 *   restart_backoff_ms = 100        first restart delay; doubles per restart...
 *   restart_backoff_max_ms = 5000   ...up to this
 *   restart_limit = 5               restarts allowed within restart_window_ms (0: no limit);
 *   restart_window_ms = 60000       one more and the service has failed
 *
 *   [[services]]
 *   name = "vfs"                    required: letters, digits, '-', '_', '.'; unique
 *   path = "/sbin/vfs"              required: the program in the boot image
 *   depends_on = ["devmgr"]         started once these are ready
 *   restart_policy = "always"       "never" (default) | "on-failure" | "always"
 *   capabilities = ["CAP_FS_MOUNT"] names from veridian/caps.h
 *   user = "netd"                   runs as this user of /etc/passwd (default: a uid of
 *                                   its own, INIT_UID_SERVICE_BASE + its index)
 *   group = "net"                   ... and group of /etc/group (default: the user's)
 *   args = ["--verbose"]            argv[1..]
 *   env = { LOG = "debug" }         environment (strings)
 *   readiness = "notify"            "none" (default): ready when spawned; "notify": when
 *                                   it signals its VK_ROLE_READY notification
 *   namespace = true                this service is the vfs: it receives the namespace
 *                                   endpoint (VK_ROLE_SERVE); every program started after
 *                                   it is ready gets a session of its own (VK_ROLE_NSROOT)
 *
 * The namespace service (vfs) has no session, so no user or group. Names are resolved
 * against /etc/passwd and /etc/group by users.c, after this parse.
 *
 * Every problem is a diagnostic with the line:col of the offending value and what was
 * expected there; nothing is half-applied (the caller starts nothing on any diagnostic).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/init/svc.h"
#include "vl_toml.h"

#define MS 1000000ull

struct ctx {
    struct init_diag *d;
    size_t max, n;
};

static void report(struct ctx *c, const struct vl_toml_value *at, uint32_t line, uint32_t col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct ctx *c, const struct vl_toml_value *at, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
    if (c->n < c->max) {
        struct init_diag *d = &c->d[c->n];
        if (at)
            vl_toml_pos(at, &d->line, &d->col);
        else {
            d->line = line;
            d->col = col;
        }
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    c->n++;
}

/* A string without NUL of at most max-1 bytes, copied into buf. */
static int get_str(struct ctx *c, const struct vl_toml_value *v, const char *what, char *buf,
                   size_t max)
{
    const char *s;
    size_t len;
    if (vl_toml_string(v, &s, &len)) {
        report(c, v, 0, 0, "%s: expected a string, found %s", what,
               vl_toml_type_name(vl_toml_type_of(v)));
        return -1;
    }
    if (memchr(s, 0, len) || len >= max || len == 0) {
        report(c, v, 0, 0, "%s: expected a non-empty string of at most %zu bytes without NUL", what,
               max - 1);
        return -1;
    }
    memcpy(buf, s, len + 1);
    return 0;
}

static char *dup_str(struct ctx *c, const struct vl_toml_value *v, const char *what)
{
    char buf[256];
    if (get_str(c, v, what, buf, sizeof buf))
        return NULL;
    char *p = malloc(strlen(buf) + 1);
    if (p)
        strcpy(p, buf);
    else
        report(c, v, 0, 0, "%s: out of memory", what);
    return p;
}

static int get_uint(struct ctx *c, const struct vl_toml_value *v, const char *what, uint64_t max,
                    uint64_t *out)
{
    int64_t x;
    if (vl_toml_int(v, &x)) {
        report(c, v, 0, 0, "%s: expected an integer, found %s", what,
               vl_toml_type_name(vl_toml_type_of(v)));
        return -1;
    }
    if (x < 0 || (uint64_t)x > max) {
        report(c, v, 0, 0, "%s: expected 0..%llu, found %lld", what, (unsigned long long)max,
               (long long)x);
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

static int valid_name(const char *s)
{
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}

static const struct vl_toml_value *array_of(struct ctx *c, const struct vl_toml_value *v,
                                            const char *what, size_t max)
{
    if (vl_toml_type_of(v) != VL_TOML_ARRAY) {
        report(c, v, 0, 0, "%s: expected an array, found %s", what,
               vl_toml_type_name(vl_toml_type_of(v)));
        return NULL;
    }
    if (vl_toml_array_len(v) > max) {
        report(c, v, 0, 0, "%s: at most %zu entries", what, max);
        return NULL;
    }
    return v;
}

/* A user or group name (checked like a service name), remembered with its position. */
static void get_idname(struct ctx *c, const struct vl_toml_value *v, const char *what,
                       struct init_idname *out)
{
    if (get_str(c, v, what, out->name, sizeof out->name))
        return;
    if (!valid_name(out->name)) {
        report(c, v, 0, 0, "%s '%s': expected letters, digits, '-', '_' or '.'", what, out->name);
        out->name[0] = 0;
        return;
    }
    vl_toml_pos(v, &out->line, &out->col);
}

/* An array of capability names: the union of their rights into *rights. */
static void get_caps(struct ctx *c, const struct vl_toml_value *v, const char *what,
                     uint32_t *rights)
{
    char buf[INIT_PATH_MAX];
    if (!array_of(c, v, what, 32))
        return;
    for (size_t a = 0; a < vl_toml_array_len(v); a++) {
        const struct vl_toml_value *e = vl_toml_array_at(v, a);
        uint32_t r;
        if (get_str(c, e, what, buf, sizeof buf))
            continue;
        if (init_cap_rights(buf, &r))
            report(c, e, 0, 0, "unknown capability '%s'", buf);
        else
            *rights |= r;
    }
}

static void parse_init_table(struct ctx *c, struct init_config *cfg, const struct vl_toml_value *t)
{
    if (vl_toml_type_of(t) != VL_TOML_TABLE) {
        report(c, t, 0, 0, "init: expected a table");
        return;
    }
    uint64_t base = cfg->backoff_base_ns / MS, cap = cfg->backoff_cap_ns / MS;
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, NULL);
        uint64_t x;
        if (!strcmp(key, "console")) {
            if (!array_of(c, v, "init.console", INIT_MAX_ARGS))
                continue;
            if (!vl_toml_array_len(v))
                report(c, v, 0, 0, "init.console: expected the program and its arguments");
            for (size_t a = 0; a < vl_toml_array_len(v); a++) {
                char *s = dup_str(c, vl_toml_array_at(v, a), "init.console");
                if (s)
                    cfg->console[cfg->nconsole++] = s;
            }
        } else if (!strcmp(key, "console_user")) {
            get_idname(c, v, "init.console_user", &cfg->console_user);
        } else if (!strcmp(key, "console_group")) {
            get_idname(c, v, "init.console_group", &cfg->console_group);
        } else if (!strcmp(key, "console_caps")) {
            get_caps(c, v, "init.console_caps", &cfg->console_rights);
        } else if (!strcmp(key, "restart_backoff_ms")) {
            if (!get_uint(c, v, "init.restart_backoff_ms", 3600000, &x))
                base = x;
        } else if (!strcmp(key, "restart_backoff_max_ms")) {
            if (!get_uint(c, v, "init.restart_backoff_max_ms", 3600000, &x))
                cap = x;
        } else if (!strcmp(key, "restart_limit")) {
            if (!get_uint(c, v, "init.restart_limit", 1000000, &x))
                cfg->restart_limit = (uint32_t)x;
        } else if (!strcmp(key, "restart_window_ms")) {
            if (!get_uint(c, v, "init.restart_window_ms", 86400000, &x))
                cfg->restart_window_ns = x * MS;
        } else {
            report(c, v, 0, 0,
                   "unknown key 'init.%s': expected console, console_user, console_group, "
                   "console_caps, restart_backoff_ms, restart_backoff_max_ms, restart_limit "
                   "or restart_window_ms",
                   key);
        }
    }
    if (cap < base) {
        report(c, t, 0, 0,
               "init: restart_backoff_max_ms (%llu) is below restart_backoff_ms "
               "(%llu)",
               (unsigned long long)cap, (unsigned long long)base);
        cap = base;
    }
    cfg->backoff_base_ns = base * MS;
    cfg->backoff_cap_ns = cap * MS;
}

static void parse_service(struct ctx *c, struct init_config *cfg, const struct vl_toml_value *t)
{
    struct init_service *s = &cfg->svc[cfg->n];
    memset(s, 0, sizeof *s);
    vl_toml_pos(t, &s->line, &s->col);
    if (vl_toml_type_of(t) != VL_TOML_TABLE) {
        report(c, t, 0, 0, "services: expected a table ([[services]])");
        return;
    }
    int have_name = 0, have_path = 0, name_ok = 0; /* present / present and valid */
    for (size_t i = 0; i < vl_toml_table_len(t); i++) {
        const char *key;
        const struct vl_toml_value *v = vl_toml_table_at(t, i, &key, NULL);
        char buf[INIT_PATH_MAX];
        if (!strcmp(key, "name")) {
            have_name = 1;
            if (get_str(c, v, "name", s->name, sizeof s->name))
                continue;
            if (!valid_name(s->name)) {
                report(c, v, 0, 0, "name '%s': expected letters, digits, '-', '_' or '.'", s->name);
                continue;
            }
            name_ok = 1;
        } else if (!strcmp(key, "path")) {
            have_path = 1;
            if (get_str(c, v, "path", s->path, sizeof s->path))
                continue;
            if (s->path[0] != '/')
                report(c, v, 0, 0, "path '%s': expected an absolute path", s->path);
        } else if (!strcmp(key, "depends_on")) {
            if (!array_of(c, v, "depends_on", INIT_MAX_DEPS))
                continue;
            for (size_t a = 0; a < vl_toml_array_len(v); a++)
                if (!get_str(c, vl_toml_array_at(v, a), "depends_on", s->dep_names[s->ndeps],
                             sizeof s->dep_names[0]))
                    s->ndeps++;
        } else if (!strcmp(key, "restart_policy")) {
            if (get_str(c, v, "restart_policy", buf, sizeof buf))
                continue;
            if (!strcmp(buf, "never"))
                s->policy = INIT_NEVER;
            else if (!strcmp(buf, "on-failure"))
                s->policy = INIT_ON_FAILURE;
            else if (!strcmp(buf, "always"))
                s->policy = INIT_ALWAYS;
            else
                report(c, v, 0, 0,
                       "restart_policy '%s': expected \"never\", \"on-failure\" or \"always\"",
                       buf);
        } else if (!strcmp(key, "capabilities")) {
            get_caps(c, v, "capabilities", &s->rights);
        } else if (!strcmp(key, "user")) {
            get_idname(c, v, "user", &s->user);
        } else if (!strcmp(key, "group")) {
            get_idname(c, v, "group", &s->group);
        } else if (!strcmp(key, "args")) {
            if (!array_of(c, v, "args", INIT_MAX_ARGS))
                continue;
            for (size_t a = 0; a < vl_toml_array_len(v); a++) {
                char *p = dup_str(c, vl_toml_array_at(v, a), "args");
                if (p)
                    s->args[s->nargs++] = p;
            }
        } else if (!strcmp(key, "env")) {
            if (vl_toml_type_of(v) != VL_TOML_TABLE) {
                report(c, v, 0, 0, "env: expected a table of strings");
                continue;
            }
            for (size_t a = 0; a < vl_toml_table_len(v) && s->nenv < INIT_MAX_ARGS; a++) {
                const char *k;
                size_t klen;
                const struct vl_toml_value *e = vl_toml_table_at(v, a, &k, &klen);
                char val[200];
                if (get_str(c, e, "env value", val, sizeof val))
                    continue;
                if (klen == 0 || klen > 60 || memchr(k, '=', klen) || memchr(k, 0, klen)) {
                    report(c, e, 0, 0, "env: expected a variable name without '='");
                    continue;
                }
                char *p = malloc(klen + strlen(val) + 2);
                if (!p)
                    continue;
                memcpy(p, k, klen);
                p[klen] = '=';
                strcpy(p + klen + 1, val);
                s->env[s->nenv++] = p;
            }
        } else if (!strcmp(key, "namespace")) {
            int b;
            if (vl_toml_bool(v, &b))
                report(c, v, 0, 0, "namespace: expected true or false");
            else
                s->is_namespace = b;
        } else if (!strcmp(key, "readiness")) {
            if (get_str(c, v, "readiness", buf, sizeof buf))
                continue;
            if (!strcmp(buf, "notify"))
                s->ready_notify = 1;
            else if (strcmp(buf, "none"))
                report(c, v, 0, 0, "readiness '%s': expected \"none\" or \"notify\"", buf);
        } else {
            report(c, v, 0, 0,
                   "unknown key '%s': expected name, path, depends_on, restart_policy, "
                   "capabilities, user, group, args, env, readiness or namespace",
                   key);
        }
    }
    if (!have_name)
        report(c, t, 0, 0, "service: 'name' is required");
    if (!have_path)
        report(c, t, 0, 0, "service%s%s: 'path' is required", name_ok ? " " : "",
               name_ok ? s->name : "");
    if (s->is_namespace && (s->user.name[0] || s->group.name[0])) {
        const struct init_idname *at = s->user.name[0] ? &s->user : &s->group;
        report(c, NULL, at->line, at->col,
               "%s: the namespace service has no session, so no user or group",
               s->user.name[0] ? "user" : "group");
    }
    for (size_t k = 0; s->is_namespace && k < cfg->n; k++)
        if (cfg->svc[k].is_namespace)
            report(c, t, 0, 0, "only one service can be the namespace ('%s' is)", cfg->svc[k].name);
    for (size_t k = 0; name_ok && k < cfg->n; k++)
        if (!strcmp(cfg->svc[k].name, s->name))
            report(c, t, 0, 0, "service '%s' is defined twice (first at line %u)", s->name,
                   cfg->svc[k].line);
    cfg->n++;
}

size_t init_config_parse(struct init_config *cfg, const char *text, size_t len,
                         struct init_diag *diags, size_t max_diags)
{
    struct ctx c = {diags, max_diags, 0};
    memset(cfg, 0, sizeof *cfg);
    cfg->backoff_base_ns = 100 * MS;
    cfg->backoff_cap_ns = 5000 * MS;
    cfg->restart_limit = 5;
    cfg->restart_window_ns = 60000 * MS;

    struct vl_toml_error errs[16];
    size_t nerrs = 0;
    struct vl_toml_value *root = NULL;
    if (vl_toml_parse_all(text, len, &root, errs, 16, &nerrs)) {
        for (size_t i = 0; i < nerrs; i++)
            report(&c, NULL, errs[i].line, errs[i].col, "%s", errs[i].msg);
        if (!nerrs)
            report(&c, NULL, 1, 1, "cannot parse (out of memory)");
        return c.n;
    }
    for (size_t i = 0; i < vl_toml_table_len(root); i++) {
        const char *key;
        const struct vl_toml_value *v = vl_toml_table_at(root, i, &key, NULL);
        if (!strcmp(key, "services")) {
            if (!array_of(&c, v, "services", INIT_MAX_SERVICES))
                continue;
            for (size_t s = 0; s < vl_toml_array_len(v); s++)
                parse_service(&c, cfg, vl_toml_array_at(v, s));
        } else if (!strcmp(key, "init")) {
            parse_init_table(&c, cfg, v);
        } else {
            report(&c, v, 0, 0, "unknown key '%s': expected [[services]] or [init]", key);
        }
    }
    vl_toml_free(root);
    if (c.n)
        init_config_free(cfg);
    return c.n;
}

void init_config_free(struct init_config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        for (size_t a = 0; a < cfg->svc[i].nargs; a++)
            free(cfg->svc[i].args[a]);
        for (size_t a = 0; a < cfg->svc[i].nenv; a++)
            free(cfg->svc[i].env[a]);
        cfg->svc[i].nargs = cfg->svc[i].nenv = 0;
    }
    for (size_t a = 0; a < cfg->nconsole; a++)
        free(cfg->console[a]);
    cfg->nconsole = 0;
    cfg->n = 0;
}
