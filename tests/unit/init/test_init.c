/*
 * init's logic: dependency ordering (chains, diamonds, cycles, unknown names), restart
 * policy decisions, back-off arithmetic and the restart window, capability names, the
 * services.toml schema with its line:col diagnostics, and users: /etc/passwd and /etc/group
 * lookups, the default uids, user/group names and the console's credentials and capabilities.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "os/init/svc.h"
#include "veridian/caps.h"
#include "veridian/kcall.h"

static struct init_config cfg;
static struct init_diag d[16];

static void add(const char *name, const char *deps)
{
    struct init_service *s = &cfg.svc[cfg.n++];
    memset(s, 0, sizeof *s);
    strcpy(s->name, name);
    strcpy(s->path, "/bin/true");
    s->line = (uint32_t)cfg.n;
    s->col = 1;
    for (const char *p = deps; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        memcpy(s->dep_names[s->ndeps], p, n);
        s->dep_names[s->ndeps++][n] = 0;
        p = e ? e + 1 : p + n;
    }
}

static void setup(void)
{
    memset(&cfg, 0, sizeof cfg);
}

static int pos(const uint32_t *order, const char *name)
{
    for (size_t i = 0; i < cfg.n; i++)
        if (!strcmp(cfg.svc[order[i]].name, name))
            return (int)i;
    return -1;
}

START_TEST(test_chain_and_diamond)
{
    add("app", "db,cache");
    add("db", "storage");
    add("cache", "storage");
    add("storage", NULL);
    add("lone", NULL);
    uint32_t order[INIT_MAX_SERVICES];
    ck_assert_uint_eq(init_graph_check(&cfg, order, d, 16), 0);
    ck_assert_int_lt(pos(order, "storage"), pos(order, "db"));
    ck_assert_int_lt(pos(order, "storage"), pos(order, "cache"));
    ck_assert_int_lt(pos(order, "db"), pos(order, "app"));
    ck_assert_int_lt(pos(order, "cache"), pos(order, "app"));
    ck_assert_int_ge(pos(order, "lone"), 0);
    /* each service exactly once */
    uint8_t seen[INIT_MAX_SERVICES] = {0};
    for (size_t i = 0; i < cfg.n; i++)
        ck_assert_uint_eq(seen[order[i]]++, 0);
    uint8_t dep[INIT_MAX_SERVICES];
    init_graph_dependents(&cfg, 3 /* storage */, dep);
    ck_assert(dep[0] && dep[1] && dep[2] && !dep[3] && !dep[4]);
    init_graph_dependents(&cfg, 1 /* db */, dep);
    ck_assert(dep[0] && !dep[1] && !dep[2] && !dep[3]);
}
END_TEST

START_TEST(test_cycles)
{
    add("a", "b");
    add("b", "c");
    add("c", "a");
    add("d", NULL);
    uint32_t order[INIT_MAX_SERVICES];
    ck_assert_uint_eq(init_graph_check(&cfg, order, d, 16), 1);
    ck_assert_str_eq(d[0].msg, "dependency cycle: a -> b -> c -> a");
    setup();
    add("x", NULL);
    add("self", "self");
    ck_assert_uint_eq(init_graph_check(&cfg, order, d, 16), 1);
    ck_assert_str_eq(d[0].msg, "dependency cycle: self -> self");
    ck_assert_uint_eq(d[0].line, 2);
    /* a cycle behind a diamond */
    setup();
    add("top", "l,r");
    add("l", "bottom");
    add("r", "bottom");
    add("bottom", "top");
    ck_assert_uint_eq(init_graph_check(&cfg, order, d, 16), 1);
    ck_assert_str_eq(d[0].msg, "dependency cycle: top -> l -> bottom -> top");
}
END_TEST

START_TEST(test_missing)
{
    add("a", "nope");
    add("b", "a,ghost");
    uint32_t order[INIT_MAX_SERVICES];
    ck_assert_uint_eq(init_graph_check(&cfg, order, d, 16), 2);
    ck_assert_str_eq(d[0].msg, "service 'a' depends on unknown service 'nope'");
    ck_assert_str_eq(d[1].msg, "service 'b' depends on unknown service 'ghost'");
}
END_TEST

START_TEST(test_policy)
{
    ck_assert(!init_policy_restart(INIT_NEVER, VK_EXIT_FAULT, 139));
    ck_assert(!init_policy_restart(INIT_NEVER, VK_EXIT_NORMAL, 1));
    ck_assert(init_policy_restart(INIT_ON_FAILURE, VK_EXIT_FAULT, 139));
    ck_assert(init_policy_restart(INIT_ON_FAILURE, VK_EXIT_NORMAL, 1));
    ck_assert(init_policy_restart(INIT_ON_FAILURE, VK_EXIT_WATCHDOG, 137));
    ck_assert(!init_policy_restart(INIT_ON_FAILURE, VK_EXIT_NORMAL, 0));
    ck_assert(init_policy_restart(INIT_ALWAYS, VK_EXIT_NORMAL, 0));
    ck_assert(init_policy_restart(INIT_ALWAYS, VK_EXIT_KILLED, 137));
}
END_TEST

START_TEST(test_backoff)
{
    const uint64_t ms = 1000000;
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 0), 0);
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 1), 100 * ms);
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 2), 200 * ms);
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 6), 3200 * ms);
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 7), 5000 * ms);
    ck_assert_uint_eq(init_backoff_ns(100 * ms, 5000 * ms, 4000000000u), 5000 * ms);
    ck_assert_uint_eq(init_backoff_ns(UINT64_MAX / 2 + 1, UINT64_MAX, 3), UINT64_MAX);
    ck_assert_uint_eq(init_backoff_ns(7, 7, 10), 7);
}
END_TEST

START_TEST(test_restart_window)
{
    struct init_restarts r;
    memset(&r, 0, sizeof r);
    /* limit 3 within 1000: the 4th restart inside the window fails */
    ck_assert(init_restart_record(&r, 0, 3, 1000));
    ck_assert(init_restart_record(&r, 100, 3, 1000));
    ck_assert(init_restart_record(&r, 200, 3, 1000));
    ck_assert(!init_restart_record(&r, 300, 3, 1000));
    /* spread out, the same number is fine */
    memset(&r, 0, sizeof r);
    for (uint64_t t = 0; t < 20; t++)
        ck_assert(init_restart_record(&r, t * 600, 3, 1000));
    /* no limit */
    memset(&r, 0, sizeof r);
    for (int i = 0; i < 100; i++)
        ck_assert(init_restart_record(&r, 0, 0, 1000));
}
END_TEST

START_TEST(test_caps)
{
    uint32_t r;
    for (size_t i = 0; i < VK_CAP_COUNT; i++) {
        ck_assert_int_eq(init_cap_rights(vk_cap_names[i].name, &r), 0);
        ck_assert_uint_eq(r, vk_cap_names[i].rights);
        ck_assert_uint_ne(r, 0);
        ck_assert_uint_eq(r & ~(VK_CAP_RIGHTS_ALL | VK_CAP_INIT_RIGHTS), 0);
        ck_assert_uint_eq(r & VK_CAP_RIGHTS_ALL & VK_CAP_INIT_RIGHTS, 0);
    }
    ck_assert_int_eq(init_cap_rights("CAP_SPAWN", &r), 0);
    ck_assert_uint_eq(r, VK_RIGHT_SPAWN);
    ck_assert_int_eq(init_cap_rights("CAP_DEVICE", &r), 0);
    ck_assert_uint_eq(r, VK_RIGHT_MMIO | VK_RIGHT_IRQ);
    ck_assert_int_eq(init_cap_rights("cap_spawn", &r), -1);
    ck_assert_int_eq(init_cap_rights("CAP_", &r), -1);
    ck_assert_int_eq(init_cap_rights("", &r), -1);
}
END_TEST

static size_t parse(const char *text)
{
    return init_config_parse(&cfg, text, strlen(text), d, 16);
}

START_TEST(test_config_ok)
{
    const char *t = "[init]\nconsole = [\"/bin/sh\", \"-i\"]\nrestart_backoff_ms = 10\n"
                    "restart_backoff_max_ms = 80\nrestart_limit = 2\nrestart_window_ms = 500\n"
                    "[[services]]\nname = \"vfs\"\npath = \"/sbin/vfs\"\n"
                    "restart_policy = \"always\"\ncapabilities = [\"CAP_FS_MOUNT\", "
                    "\"CAP_IPC_CREATE\"]\n"
                    "[[services]]\nname = \"net\"\npath = \"/sbin/netstack\"\n"
                    "depends_on = [\"vfs\"]\nrestart_policy = \"on-failure\"\n"
                    "capabilities = [\"CAP_NET_ADMIN\", \"CAP_NET_RAW\"]\nargs = [\"-v\"]\n"
                    "env = { LOG = \"debug\" }\nreadiness = \"notify\"\n";
    ck_assert_uint_eq(parse(t), 0);
    ck_assert_uint_eq(cfg.n, 2);
    ck_assert_uint_eq(cfg.nconsole, 2);
    ck_assert_str_eq(cfg.console[1], "-i");
    ck_assert_uint_eq(cfg.backoff_base_ns, 10000000);
    ck_assert_uint_eq(cfg.backoff_cap_ns, 80000000);
    ck_assert_uint_eq(cfg.restart_limit, 2);
    ck_assert_uint_eq(cfg.restart_window_ns, 500000000);
    ck_assert_str_eq(cfg.svc[0].name, "vfs");
    ck_assert_int_eq(cfg.svc[0].policy, INIT_ALWAYS);
    ck_assert_uint_eq(cfg.svc[0].rights, VK_RIGHT_FS_MOUNT | VK_RIGHT_IPC_CREATE);
    ck_assert_uint_eq(cfg.svc[0].line, 7);
    ck_assert_int_eq(cfg.svc[1].policy, INIT_ON_FAILURE);
    ck_assert_uint_eq(cfg.svc[1].rights, VK_RIGHT_NET_ADMIN | VK_RIGHT_NET_RAW);
    ck_assert_str_eq(cfg.svc[1].dep_names[0], "vfs");
    ck_assert_str_eq(cfg.svc[1].args[0], "-v");
    ck_assert_str_eq(cfg.svc[1].env[0], "LOG=debug");
    ck_assert_int_eq(cfg.svc[1].ready_notify, 1);
    ck_assert_int_eq(cfg.svc[0].ready_notify, 0);
    init_config_free(&cfg);
    /* an empty file: defaults, no services */
    ck_assert_uint_eq(parse(""), 0);
    ck_assert_uint_eq(cfg.n, 0);
    ck_assert_uint_eq(cfg.restart_limit, 5);
}
END_TEST

START_TEST(test_config_errors)
{
    /* every problem reported, each with its position */
    ck_assert_uint_eq(parse("[[services]]\nname = \"a b\"\npath = 3\nfoo = 1\n"
                            "[[services]]\nname = \"x\"\npath = \"/bin/x\"\n"
                            "capabilities = [\"CAP_FLY\"]\nrestart_policy = \"maybe\"\n"
                            "[[services]]\nname = \"x\"\npath = \"/bin/y\"\n"),
                      6);
    ck_assert_uint_eq(d[0].line, 2);
    ck_assert_uint_eq(d[0].col, 8);
    ck_assert_str_eq(d[0].msg, "name 'a b': expected letters, digits, '-', '_' or '.'");
    ck_assert_uint_eq(d[1].line, 3);
    ck_assert_str_eq(d[1].msg, "path: expected a string, found integer");
    ck_assert_uint_eq(d[2].line, 4);
    ck_assert(strstr(d[2].msg, "unknown key 'foo'"));
    ck_assert_uint_eq(d[3].line, 8);
    ck_assert_uint_eq(d[3].col, 17);
    ck_assert_str_eq(d[3].msg, "unknown capability 'CAP_FLY'");
    ck_assert_uint_eq(d[4].line, 9);
    ck_assert(strstr(d[4].msg, "restart_policy 'maybe'"));
    ck_assert(strstr(d[5].msg, "service 'x' is defined twice (first at line 5)"));
    /* TOML syntax errors come through with their positions */
    ck_assert_uint_ge(parse("[[services]]\nname = \"a\"\npath = /bin/x\nx = [1,\n"), 1);
    ck_assert_uint_eq(d[0].line, 3);
    ck_assert_uint_eq(d[0].col, 8);
    /* wrong shapes */
    ck_assert_uint_eq(parse("services = 3\n"), 1);
    ck_assert_str_eq(d[0].msg, "services: expected an array, found integer");
    ck_assert_uint_eq(parse("[init]\nrestart_backoff_ms = 50\nrestart_backoff_max_ms = 10\n"), 1);
    ck_assert(strstr(d[0].msg, "below restart_backoff_ms"));
}
END_TEST

/* Every message of the schema, whole and with its position: the key tables of config.c must
 * keep them byte for byte (tests/integration/init/config.sh matches them in init's output). */
START_TEST(test_config_messages)
{
    static const struct {
        const char *text;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"[init]\ncolour = 1\n", 2, 10,
         "unknown key 'init.colour': expected console, console_user, console_group, "
         "console_caps, restart_backoff_ms, restart_backoff_max_ms, restart_limit or "
         "restart_window_ms"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\ncolour = 1\n", 4, 10,
         "unknown key 'colour': expected name, path, depends_on, restart_policy, capabilities, "
         "user, group, args, env, readiness or namespace"},
        {"colour = 1\n", 1, 10, "unknown key 'colour': expected [[services]] or [init]"},
        {"init = 1\n", 1, 8, "init: expected a table"},
        {"services = [1]\n", 1, 13, "services: expected a table ([[services]])"},
        {"[init]\nconsole = []\n", 2, 11, "init.console: expected the program and its arguments"},
        {"[init]\nconsole = 1\n", 2, 11, "init.console: expected an array, found integer"},
        {"[init]\nconsole = [1]\n", 2, 12, "init.console: expected a string, found integer"},
        {"[init]\nconsole_caps = [\"CAP_X\"]\n", 2, 17, "unknown capability 'CAP_X'"},
        {"[init]\nconsole_user = 1\n", 2, 16,
         "init.console_user: expected a string, found integer"},
        {"[init]\nrestart_window_ms = \"x\"\n", 2, 21,
         "init.restart_window_ms: expected an integer, found string"},
        {"[init]\nrestart_backoff_ms = 3600001\n", 2, 22,
         "init.restart_backoff_ms: expected 0..3600000, found 3600001"},
        {"[init]\nrestart_backoff_max_ms = -1\n", 2, 26,
         "init.restart_backoff_max_ms: expected 0..3600000, found -1"},
        {"[init]\nrestart_limit = 1000001\n", 2, 17,
         "init.restart_limit: expected 0..1000000, found 1000001"},
        {"[init]\nrestart_window_ms = 86400001\n", 2, 21,
         "init.restart_window_ms: expected 0..86400000, found 86400001"},
        {"[init]\nrestart_backoff_ms = 50\nrestart_backoff_max_ms = 10\n", 1, 1,
         "init: restart_backoff_max_ms (10) is below restart_backoff_ms (50)"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nrestart_policy = \"sometimes\"\n", 4, 18,
         "restart_policy 'sometimes': expected \"never\", \"on-failure\" or \"always\""},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nreadiness = \"soon\"\n", 4, 13,
         "readiness 'soon': expected \"none\" or \"notify\""},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nnamespace = 1\n", 4, 13,
         "namespace: expected true or false"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nenv = 1\n", 4, 7,
         "env: expected a table of strings"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nenv = { \"A=B\" = \"c\" }\n", 4, 17,
         "env: expected a variable name without '='"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nenv = { A = 1 }\n", 4, 13,
         "env value: expected a string, found integer"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nargs = 1\n", 4, 8,
         "args: expected an array, found integer"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nargs = [\"\"]\n", 4, 9,
         "args: expected a non-empty string of at most 255 bytes without NUL"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\ndepends_on = [1]\n", 4, 15,
         "depends_on: expected a string, found integer"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\n"
         "depends_on = "
         "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\","
         "\"14\",\"15\",\"16\",\"17\"]\n",
         4, 14, "depends_on: at most 16 entries"},
        {"[[services]]\nname = \"a\"\npath = \"a\"\n", 3, 8, "path 'a': expected an absolute path"},
        {"[[services]]\npath = \"/a\"\n", 1, 1, "service: 'name' is required"},
        {"[[services]]\nname = \"a\"\n", 1, 1, "service a: 'path' is required"},
        {"[[services]]\nname = \"a b\"\n", 1, 1, "service: 'path' is required"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nnamespace = true\nuser = \"u\"\n", 5, 8,
         "user: the namespace service has no session, so no user or group"},
        {"[[services]]\nname = \"a\"\npath = \"/a\"\nuser = \"a b\"\n", 4, 8,
         "user 'a b': expected letters, digits, '-', '_' or '.'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = parse(cases[i].text);
        ck_assert_msg(n >= 1, "case %zu: no diagnostic", i);
        size_t k = 0;
        while (k + 1 < n && strcmp(d[k].msg, cases[i].msg))
            k++;
        ck_assert_msg(!strcmp(d[k].msg, cases[i].msg), "case %zu: '%s'", i, d[0].msg);
        ck_assert_msg(d[k].line == cases[i].line && d[k].col == cases[i].col, "case %zu: at %u:%u",
                      i, d[k].line, d[k].col);
    }
    /* values land where they belong, scaled */
    ck_assert_uint_eq(parse("[init]\nrestart_backoff_ms = 7\nrestart_backoff_max_ms = 9\n"
                            "restart_limit = 0\nrestart_window_ms = 3\nconsole_caps = "
                            "[\"CAP_FS_MOUNT\"]\nconsole_user = \"u\"\nconsole_group = \"g\"\n"
                            "[[services]]\nname = \"a\"\npath = \"/a\"\nnamespace = true\n"
                            "readiness = \"notify\"\nrestart_policy = \"on-failure\"\n"),
                      0);
    ck_assert_uint_eq(cfg.backoff_base_ns, 7000000);
    ck_assert_uint_eq(cfg.backoff_cap_ns, 9000000);
    ck_assert_uint_eq(cfg.restart_limit, 0);
    ck_assert_uint_eq(cfg.restart_window_ns, 3000000);
    ck_assert_uint_eq(cfg.console_rights, VK_RIGHT_FS_MOUNT);
    ck_assert_str_eq(cfg.console_user.name, "u");
    ck_assert_str_eq(cfg.console_group.name, "g");
    ck_assert_int_eq(cfg.svc[0].is_namespace, 1);
    ck_assert_int_eq(cfg.svc[0].ready_notify, 1);
    ck_assert_int_eq(cfg.svc[0].policy, INIT_ON_FAILURE);
    init_config_free(&cfg);
}
END_TEST

static const char passwd[] = "root:x:0:0:root:/:/bin/vsh\n"
                             "# a comment, and malformed lines: skipped\n"
                             "broken:x:12\n"
                             "huge:x:99999999999:1:\n"
                             "neg:x:-1:1:\n"
                             "netd:x:101:102:network:/:/bin/false\n"
                             "user:x:1000:1000::/tmp:/bin/vsh\n"
                             "4242:x:7:7::/:\n"
                             "last:x:300:301"; /* no final newline */
static const char group[] = "root:x:0:\nwheel:x:10:user\nnet:x:102:\nbad:x:1x:\n";

static size_t resolve(void)
{
    return init_users_resolve(&cfg, passwd, sizeof passwd - 1, group, sizeof group - 1, d, 16);
}

START_TEST(test_id_lookup)
{
    uint32_t u = 9, g = 9;
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "netd", &u, &g), 0);
    ck_assert_uint_eq(u, 101);
    ck_assert_uint_eq(g, 102);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "last", &u, &g), 0);
    ck_assert_uint_eq(u, 300);
    ck_assert_uint_eq(g, 301);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "root", &u, &g), 0);
    ck_assert_uint_eq(u, 0);
    /* malformed or missing: not found, never half-read */
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "broken", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "huge", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "neg", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "net", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(passwd, sizeof passwd - 1, "", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(NULL, 0, "root", &u, &g), -1);
    /* a prefix of the text is all there is */
    ck_assert_int_eq(init_id_lookup(passwd, 9, "root", &u, &g), -1);
    ck_assert_int_eq(init_id_lookup(group, sizeof group - 1, "wheel", &g, NULL), 0);
    ck_assert_uint_eq(g, 10);
    ck_assert_int_eq(init_id_lookup(group, sizeof group - 1, "bad", &g, NULL), -1);
}
END_TEST

START_TEST(test_users)
{
    const char *t = "[init]\nconsole_user = \"netd\"\nconsole_group = \"wheel\"\n"
                    "console_caps = [\"CAP_SVC_CONTROL\", \"CAP_SETUID\"]\n"
                    "[[services]]\nname = \"vfs\"\npath = \"/sbin/vfs\"\nnamespace = true\n"
                    "[[services]]\nname = \"a\"\npath = \"/bin/a\"\n"
                    "[[services]]\nname = \"b\"\npath = \"/bin/b\"\nuser = \"netd\"\n"
                    "capabilities = [\"CAP_SVC_CONTROL\"]\n"
                    "[[services]]\nname = \"c\"\npath = \"/bin/c\"\nuser = \"root\"\n"
                    "group = \"net\"\n"
                    "[[services]]\nname = \"d\"\npath = \"/bin/d\"\nuser = \"2000\"\n"
                    "[[services]]\nname = \"e\"\npath = \"/bin/e\"\nuser = \"4242\"\n"
                    "group = \"55\"\n";
    ck_assert_uint_eq(parse(t), 0);
    ck_assert_uint_eq(resolve(), 0);
    /* defaults: a distinct non-zero uid per service */
    ck_assert_uint_eq(cfg.svc[1].uid, INIT_UID_SERVICE_BASE + 1);
    ck_assert_uint_eq(cfg.svc[1].gid, INIT_UID_SERVICE_BASE + 1);
    ck_assert_uint_ne(cfg.svc[1].uid, 0);
    /* a user's primary group, unless `group` names another */
    ck_assert_uint_eq(cfg.svc[2].uid, 101);
    ck_assert_uint_eq(cfg.svc[2].gid, 102);
    ck_assert_uint_eq(cfg.svc[2].rights, VK_RIGHT_SVC_CONTROL);
    ck_assert_uint_eq(cfg.svc[3].uid, 0);
    ck_assert_uint_eq(cfg.svc[3].gid, 102);
    /* numbers: the number itself, unless an entry has that name */
    ck_assert_uint_eq(cfg.svc[4].uid, 2000);
    ck_assert_uint_eq(cfg.svc[4].gid, 2000);
    ck_assert_uint_eq(cfg.svc[5].uid, 7);
    ck_assert_uint_eq(cfg.svc[5].gid, 55);
    /* the console */
    ck_assert_uint_eq(cfg.console_uid, 101);
    ck_assert_uint_eq(cfg.console_gid, 10);
    ck_assert_uint_eq(cfg.console_rights, VK_RIGHT_SVC_CONTROL | VK_RIGHT_SETUID);
    init_config_free(&cfg);

    /* no [init] keys: the console is uid 1000 with no capabilities; no /etc/passwd at all */
    ck_assert_uint_eq(parse("[[services]]\nname = \"a\"\npath = \"/bin/a\"\n"), 0);
    ck_assert_uint_eq(init_users_resolve(&cfg, NULL, 0, NULL, 0, d, 16), 0);
    ck_assert_uint_eq(cfg.console_uid, INIT_UID_CONSOLE);
    ck_assert_uint_eq(cfg.console_gid, INIT_UID_CONSOLE);
    ck_assert_uint_eq(cfg.console_rights, 0);
    ck_assert_uint_eq(cfg.svc[0].uid, INIT_UID_SERVICE_BASE);
    init_config_free(&cfg);
}
END_TEST

START_TEST(test_users_errors)
{
    /* unknown names: one diagnostic each, at the value */
    ck_assert_uint_eq(parse("[init]\nconsole_user = \"ghost\"\nconsole_group = \"spooks\"\n"
                            "[[services]]\nname = \"a\"\npath = \"/bin/a\"\n"
                            "user = \"nosuch\"\n"
                            "[[services]]\nname = \"b\"\npath = \"/bin/b\"\n"
                            "group = \"nogroup\"\nuser = \"99999999999\"\n"),
                      0);
    ck_assert_uint_eq(resolve(), 5);
    ck_assert_uint_eq(d[0].line, 7);
    ck_assert_uint_eq(d[0].col, 8);
    ck_assert_str_eq(d[0].msg, "unknown user 'nosuch' (not in /etc/passwd)");
    ck_assert_uint_eq(d[1].line, 12);
    ck_assert_str_eq(d[1].msg, "unknown user '99999999999' (not in /etc/passwd)");
    ck_assert_uint_eq(d[2].line, 11);
    ck_assert_uint_eq(d[2].col, 9);
    ck_assert_str_eq(d[2].msg, "unknown group 'nogroup' (not in /etc/group)");
    ck_assert_uint_eq(d[3].line, 2);
    ck_assert_uint_eq(d[3].col, 16);
    ck_assert_str_eq(d[3].msg, "unknown user 'ghost' (not in /etc/passwd)");
    ck_assert_uint_eq(d[4].line, 3);
    ck_assert_str_eq(d[4].msg, "unknown group 'spooks' (not in /etc/group)");
    init_config_free(&cfg);

    /* schema: shapes, names, capabilities, and no user for the namespace */
    ck_assert_uint_eq(parse("[init]\nconsole_user = 3\nconsole_caps = [\"CAP_NOPE\"]\n"
                            "console_group = \"a b\"\n"
                            "[[services]]\nname = \"vfs\"\npath = \"/sbin/vfs\"\n"
                            "user = \"root\"\nnamespace = true\n"
                            "[[services]]\nname = \"x\"\npath = \"/bin/x\"\n"
                            "group = [\"wheel\"]\n"),
                      5);
    ck_assert_uint_eq(d[0].line, 2);
    ck_assert_str_eq(d[0].msg, "init.console_user: expected a string, found integer");
    ck_assert_uint_eq(d[1].line, 3);
    ck_assert_uint_eq(d[1].col, 17);
    ck_assert_str_eq(d[1].msg, "unknown capability 'CAP_NOPE'");
    ck_assert_uint_eq(d[2].line, 4);
    ck_assert(strstr(d[2].msg, "init.console_group 'a b': expected letters"));
    ck_assert_uint_eq(d[3].line, 8);
    ck_assert_uint_eq(d[3].col, 8);
    ck_assert_str_eq(d[3].msg, "user: the namespace service has no session, so no user or group");
    ck_assert_uint_eq(d[4].line, 13);
    ck_assert_str_eq(d[4].msg, "group: expected a string, found array");
}
END_TEST

static Suite *init_suite(void)
{
    Suite *s = suite_create("init");
    TCase *tc = tcase_create("init");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_chain_and_diamond);
    tcase_add_test(tc, test_cycles);
    tcase_add_test(tc, test_missing);
    tcase_add_test(tc, test_policy);
    tcase_add_test(tc, test_backoff);
    tcase_add_test(tc, test_restart_window);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_config_ok);
    tcase_add_test(tc, test_config_errors);
    tcase_add_test(tc, test_config_messages);
    tcase_add_test(tc, test_id_lookup);
    tcase_add_test(tc, test_users);
    tcase_add_test(tc, test_users_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(init_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
