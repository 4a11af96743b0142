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
 *
 * The keys of each table are const tables below (top_keys, init_keys, service_keys): a new
 * key is one entry there, and the unknown-key messages list the keys from them.
 */
#include <stdarg.h>
#include <stddef.h>
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

/* ---- the key tables ----
 *
 * Each table of services.toml ([init], a [[services]] entry, the top level) is a const table
 * of its keys: the type of each value, where it goes (an offset into the struct being
 * filled) and, for the few that need more than a type, a function. parse_table() walks a
 * TOML table against one; a key not in it is reported with the list of the keys it has, in
 * table order (so a new key is one line here, and the message stays right).
 */
enum key_type {
    KEY_UINT,   /* an integer 0..max, stored times scale in a uint32_t or uint64_t (size) */
    KEY_IDNAME, /* a user or group name: struct init_idname */
    KEY_CAPS,   /* capability names: their rights or'ed into a uint32_t */
    KEY_STRS,   /* strings: char *[max + 1] at offset, its count (size_t) at count_offset */
    KEY_ENUM,   /* one of the strings of values[]: its value stored in an int */
    KEY_BOOL,   /* true or false: an int */
    KEY_FUNC,   /* parse() does it */
};

struct key_value {
    const char *name;
    int value;
};

struct key_spec {
    const char *key;
    const char *shown; /* in the unknown-key message (NULL: the key) */
    enum key_type type;
    size_t offset; /* of the field in the struct being filled */
    size_t size;   /* KEY_UINT: of the field */
    size_t count_offset;
    uint64_t max; /* KEY_UINT: the largest value; KEY_STRS: the most entries */
    uint64_t scale;
    const struct key_value *values; /* KEY_ENUM, ended by {NULL} */
    void (*parse)(struct ctx *c, void *obj, const struct vl_toml_value *v);
};

struct key_table {
    const char *prefix; /* of the key in messages: "init." */
    const struct key_spec *keys;
    size_t n;
};

/* One key's value into obj, as k says (messages name it prefix.key). */
static void parse_key(struct ctx *c, const struct key_table *t, const struct key_spec *k, void *obj,
                      const struct vl_toml_value *v)
{
    char what[64];
    snprintf(what, sizeof what, "%s%s", t->prefix, k->key);
    char *field = (char *)obj + k->offset;
    switch (k->type) {
    case KEY_UINT: {
        uint64_t x;
        if (get_uint(c, v, what, k->max, &x))
            return;
        x *= k->scale;
        if (k->size == sizeof(uint32_t)) {
            uint32_t y = (uint32_t)x;
            memcpy(field, &y, sizeof y);
        } else {
            memcpy(field, &x, sizeof x);
        }
        return;
    }
    case KEY_IDNAME:
        get_idname(c, v, what, (struct init_idname *)(void *)field);
        return;
    case KEY_CAPS:
        get_caps(c, v, what, (uint32_t *)(void *)field);
        return;
    case KEY_STRS: {
        char **strs = (char **)(void *)field;
        size_t *n = (size_t *)(void *)((char *)obj + k->count_offset);
        if (!array_of(c, v, what, k->max))
            return;
        for (size_t a = 0; a < vl_toml_array_len(v); a++) {
            char *p = dup_str(c, vl_toml_array_at(v, a), what);
            if (p)
                strs[(*n)++] = p;
        }
        return;
    }
    case KEY_ENUM: {
        char buf[INIT_PATH_MAX], expected[160] = "";
        if (get_str(c, v, what, buf, sizeof buf))
            return;
        size_t nv = 0, off = 0;
        while (k->values[nv].name)
            nv++;
        for (size_t i = 0; i < nv; i++) {
            if (!strcmp(buf, k->values[i].name)) {
                memcpy(field, &k->values[i].value, sizeof(int));
                return;
            }
            off += (size_t)snprintf(expected + off, sizeof expected - off, "%s\"%s\"",
                                    !i           ? ""
                                    : i + 1 < nv ? ", "
                                                 : " or ",
                                    k->values[i].name);
            if (off >= sizeof expected)
                off = sizeof expected - 1;
        }
        report(c, v, 0, 0, "%s '%s': expected %s", what, buf, expected);
        return;
    }
    case KEY_BOOL: {
        int b;
        if (vl_toml_bool(v, &b))
            report(c, v, 0, 0, "%s: expected true or false", what);
        else
            memcpy(field, &b, sizeof b);
        return;
    }
    case KEY_FUNC:
        k->parse(c, obj, v);
        return;
    }
}

/* Every key of TOML table v against t, into obj. */
static void parse_table(struct ctx *c, const struct key_table *t, void *obj,
                        const struct vl_toml_value *v)
{
    for (size_t i = 0; i < vl_toml_table_len(v); i++) {
        const char *key;
        const struct vl_toml_value *e = vl_toml_table_at(v, i, &key, NULL);
        const struct key_spec *k = NULL;
        for (size_t j = 0; j < t->n && !k; j++)
            if (!strcmp(key, t->keys[j].key))
                k = &t->keys[j];
        if (k) {
            parse_key(c, t, k, obj, e);
            continue;
        }
        char expected[256];
        size_t off = 0;
        for (size_t j = 0; j < t->n && off < sizeof expected; j++)
            off += (size_t)snprintf(expected + off, sizeof expected - off, "%s%s",
                                    !j             ? ""
                                    : j + 1 < t->n ? ", "
                                                   : " or ",
                                    t->keys[j].shown ? t->keys[j].shown : t->keys[j].key);
        report(c, e, 0, 0, "unknown key '%s%s': expected %s", t->prefix, key, expected);
    }
}

/* ---- [init] ---- */

static void parse_console(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_config *cfg = obj;
    if (!array_of(c, v, "init.console", INIT_MAX_ARGS))
        return;
    if (!vl_toml_array_len(v))
        report(c, v, 0, 0, "init.console: expected the program and its arguments");
    for (size_t a = 0; a < vl_toml_array_len(v); a++) {
        char *s = dup_str(c, vl_toml_array_at(v, a), "init.console");
        if (s)
            cfg->console[cfg->nconsole++] = s;
    }
}

#define CFG(field) offsetof(struct init_config, field)
#define U64(field) CFG(field), sizeof(uint64_t)

static const struct key_spec init_keys[] = {
    {"console", NULL, KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_console},
    {"console_user", NULL, KEY_IDNAME, CFG(console_user), 0, 0, 0, 0, NULL, NULL},
    {"console_group", NULL, KEY_IDNAME, CFG(console_group), 0, 0, 0, 0, NULL, NULL},
    {"console_caps", NULL, KEY_CAPS, CFG(console_rights), 0, 0, 0, 0, NULL, NULL},
    {"restart_backoff_ms", NULL, KEY_UINT, U64(backoff_base_ns), 0, 3600000, MS, NULL, NULL},
    {"restart_backoff_max_ms", NULL, KEY_UINT, U64(backoff_cap_ns), 0, 3600000, MS, NULL, NULL},
    {"restart_limit", NULL, KEY_UINT, CFG(restart_limit), sizeof(uint32_t), 0, 1000000, 1, NULL,
     NULL},
    {"restart_window_ms", NULL, KEY_UINT, U64(restart_window_ns), 0, 86400000, MS, NULL, NULL},
};

static const struct key_table init_table = {"init.", init_keys,
                                            sizeof init_keys / sizeof init_keys[0]};

static void parse_init_table(struct ctx *c, void *obj, const struct vl_toml_value *t)
{
    struct init_config *cfg = obj;
    if (vl_toml_type_of(t) != VL_TOML_TABLE) {
        report(c, t, 0, 0, "init: expected a table");
        return;
    }
    parse_table(c, &init_table, cfg, t);
    if (cfg->backoff_cap_ns < cfg->backoff_base_ns) {
        report(c, t, 0, 0,
               "init: restart_backoff_max_ms (%llu) is below restart_backoff_ms "
               "(%llu)",
               (unsigned long long)(cfg->backoff_cap_ns / MS),
               (unsigned long long)(cfg->backoff_base_ns / MS));
        cfg->backoff_cap_ns = cfg->backoff_base_ns;
    }
}

/* ---- [[services]] ---- */

static void parse_name(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_service *s = obj;
    if (get_str(c, v, "name", s->name, sizeof s->name))
        return;
    if (!valid_name(s->name))
        report(c, v, 0, 0, "name '%s': expected letters, digits, '-', '_' or '.'", s->name);
}

static void parse_path(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_service *s = obj;
    if (get_str(c, v, "path", s->path, sizeof s->path))
        return;
    if (s->path[0] != '/')
        report(c, v, 0, 0, "path '%s': expected an absolute path", s->path);
}

static void parse_depends(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_service *s = obj;
    if (!array_of(c, v, "depends_on", INIT_MAX_DEPS))
        return;
    for (size_t a = 0; a < vl_toml_array_len(v); a++)
        if (!get_str(c, vl_toml_array_at(v, a), "depends_on", s->dep_names[s->ndeps],
                     sizeof s->dep_names[0]))
            s->ndeps++;
}

static void parse_env(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_service *s = obj;
    if (vl_toml_type_of(v) != VL_TOML_TABLE) {
        report(c, v, 0, 0, "env: expected a table of strings");
        return;
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
}

static const struct key_value policies[] = {
    {"never", INIT_NEVER}, {"on-failure", INIT_ON_FAILURE}, {"always", INIT_ALWAYS}, {NULL, 0}};
static const struct key_value readiness[] = {{"none", 0}, {"notify", 1}, {NULL, 0}};

#define SVC(field) offsetof(struct init_service, field)

static const struct key_spec service_keys[] = {
    {"name", NULL, KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_name},
    {"path", NULL, KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_path},
    {"depends_on", NULL, KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_depends},
    {"restart_policy", NULL, KEY_ENUM, SVC(policy), 0, 0, 0, 0, policies, NULL},
    {"capabilities", NULL, KEY_CAPS, SVC(rights), 0, 0, 0, 0, NULL, NULL},
    {"user", NULL, KEY_IDNAME, SVC(user), 0, 0, 0, 0, NULL, NULL},
    {"group", NULL, KEY_IDNAME, SVC(group), 0, 0, 0, 0, NULL, NULL},
    {"args", NULL, KEY_STRS, SVC(args), 0, SVC(nargs), INIT_MAX_ARGS, 0, NULL, NULL},
    {"env", NULL, KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_env},
    {"readiness", NULL, KEY_ENUM, SVC(ready_notify), 0, 0, 0, 0, readiness, NULL},
    {"namespace", NULL, KEY_BOOL, SVC(is_namespace), 0, 0, 0, 0, NULL, NULL},
};

static const struct key_table service_table = {"", service_keys,
                                               sizeof service_keys / sizeof service_keys[0]};

static void parse_service(struct ctx *c, struct init_config *cfg, const struct vl_toml_value *t)
{
    struct init_service *s = &cfg->svc[cfg->n];
    memset(s, 0, sizeof *s);
    vl_toml_pos(t, &s->line, &s->col);
    if (vl_toml_type_of(t) != VL_TOML_TABLE) {
        report(c, t, 0, 0, "services: expected a table ([[services]])");
        return;
    }
    parse_table(c, &service_table, s, t);
    /* present / present and valid */
    int have_name = vl_toml_table_get(t, "name") != NULL;
    int have_path = vl_toml_table_get(t, "path") != NULL;
    int name_ok = s->name[0] && valid_name(s->name);
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

/* ---- the top level ---- */

static void parse_services(struct ctx *c, void *obj, const struct vl_toml_value *v)
{
    struct init_config *cfg = obj;
    if (!array_of(c, v, "services", INIT_MAX_SERVICES))
        return;
    for (size_t s = 0; s < vl_toml_array_len(v); s++)
        parse_service(c, cfg, vl_toml_array_at(v, s));
}

static const struct key_spec top_keys[] = {
    {"services", "[[services]]", KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_services},
    {"init", "[init]", KEY_FUNC, 0, 0, 0, 0, 0, NULL, parse_init_table},
};

static const struct key_table top_table = {"", top_keys, sizeof top_keys / sizeof top_keys[0]};

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
    parse_table(&c, &top_table, cfg, root);
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
