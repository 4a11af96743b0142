/*
 * init's model of services, and the pure logic that decides what to do with them:
 * configuration (config.c), dependency order (graph.c), restart policy and back-off
 * (policy.c), capability names (caps.c), users and groups (users.c), the start handles of a
 * program (start.c, its kernel calls through an ops table). No kernel calls here: init.c
 * runs the machine side; these modules are unit-tested on the host.
 */
#ifndef INIT_SVC_H
#define INIT_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/init.h"
#include "veridian/kcall.h"

enum init_policy { INIT_NEVER = 0, INIT_ON_FAILURE = 1, INIT_ALWAYS = 2 };

#define INIT_MAX_SERVICES 64
#define INIT_MAX_DEPS 16
#define INIT_MAX_ARGS 32
#define INIT_PATH_MAX 128
#define INIT_USER_MAX 32

/* Default credentials (README: "Users"): a service without `user` runs as
 * INIT_UID_SERVICE_BASE + its index in services.toml (gid the same number), the console
 * program without `[init] console_user` as INIT_UID_CONSOLE. None of them is 0. */
#define INIT_UID_SERVICE_BASE 60000u
#define INIT_UID_CONSOLE 1000u

/* A user or group name as written in services.toml, with its position; name[0] == 0 when
 * the key is absent. */
struct init_idname {
    char name[INIT_USER_MAX];
    uint32_t line, col;
};

struct init_service {
    char name[VK_INIT_NAME_MAX];
    char path[INIT_PATH_MAX];
    char *args[INIT_MAX_ARGS + 1]; /* argv[1..]; NULL-terminated */
    size_t nargs;
    char *env[INIT_MAX_ARGS + 1]; /* KEY=VALUE; NULL-terminated */
    size_t nenv;
    char dep_names[INIT_MAX_DEPS][VK_INIT_NAME_MAX];
    uint32_t deps[INIT_MAX_DEPS]; /* indices, after init_graph_resolve */
    size_t ndeps;
    uint32_t rights; /* the union of its capabilities' rights */
    struct init_idname user, group;
    uint32_t uid, gid; /* after init_users_resolve */
    int policy;        /* enum init_policy */
    int ready_notify;
    int is_namespace;   /* the vfs: gets the namespace endpoint; later services get sessions */
    uint32_t line, col; /* of its [[services]] header, for messages */
};

struct init_config {
    struct init_service svc[INIT_MAX_SERVICES];
    size_t n;
    uint64_t backoff_base_ns, backoff_cap_ns;
    uint32_t restart_limit; /* restarts allowed within restart_window_ns */
    uint64_t restart_window_ns;
    char *console[INIT_MAX_ARGS + 1]; /* the console program and its args, or empty */
    size_t nconsole;
    uint32_t console_rights; /* [init] console_caps */
    struct init_idname console_user, console_group;
    uint32_t console_uid, console_gid; /* after init_users_resolve */
};

struct init_diag {
    uint32_t line, col;
    char msg[200];
};

/* config.c: parse services.toml. Every problem becomes a diagnostic (line:col, what was
 * expected); returns the number of diagnostics (0: c is valid and complete). */
size_t init_config_parse(struct init_config *c, const char *text, size_t len,
                         struct init_diag *diags, size_t max_diags);
void init_config_free(struct init_config *c);

/* users.c: give every service and the console program its uid and gid: the defaults above,
 * or the names of `user`/`group` looked up in /etc/passwd and /etc/group (the texts given;
 * NULL/0 when the image has none). A user's primary group is its gid unless `group` names
 * another; a name of decimal digits alone is taken as the number itself when no entry has
 * that name. An unknown name is a diagnostic at its line:col. Returns the number of
 * diagnostics (0: every uid/gid is set). */
size_t init_users_resolve(struct init_config *c, const char *passwd, size_t passwd_len,
                          const char *group, size_t group_len, struct init_diag *diags,
                          size_t max_diags);
/* One /etc/passwd (fields 0, 2, 3) or /etc/group (fields 0, 2) lookup by name: 0 and the
 * ids, or -1. Malformed lines are skipped. gid may be NULL. */
int init_id_lookup(const char *text, size_t len, const char *name, uint32_t *id, uint32_t *gid);

/* caps.c: the rights a capability name grants; -1 for an unknown name. */
int init_cap_rights(const char *name, uint32_t *rights);

/* graph.c: resolve depends_on names to indices and check the graph: an unknown dependency
 * names both services; a cycle is reported as "a -> b -> c -> a". Returns the number of
 * diagnostics. On success order[] holds a start order (dependencies first, ties in
 * configuration order). */
size_t init_graph_check(struct init_config *c, uint32_t order[INIT_MAX_SERVICES],
                        struct init_diag *diags, size_t max_diags);
/* Services that depend (directly or not) on service i, marked in out[] (1/0). */
void init_graph_dependents(const struct init_config *c, uint32_t i, uint8_t out[INIT_MAX_SERVICES]);

/* policy.c */
/* Should a service that exited like this be started again? */
int init_policy_restart(int policy, uint32_t exit_kind, int32_t exit_code);
/* Delay before restart number n (1, 2, ...): base * 2^(n-1), capped. */
uint64_t init_backoff_ns(uint64_t base, uint64_t cap, uint32_t n);
/* Restart accounting over a sliding window: record a restart at `now`; returns 1 when it is
 * allowed, 0 when more than `limit` restarts fall within `window` (the service has failed).
 * limit 0 means no limit. */
struct init_restarts {
    uint64_t times[32]; /* ring of the most recent restart times */
    uint32_t count;     /* total */
};
int init_restart_record(struct init_restarts *r, uint64_t now, uint32_t limit, uint64_t window);

/* start.c: the start handles of a program init starts (vk_spawn's handle list). */
#define INIT_START_MAX 10
struct init_start {
    struct vk_start_handle hs[INIT_START_MAX]; /* for vk_spawn */
    size_t n;
    uint32_t owned[INIT_START_MAX]; /* made for it: ours to close until a spawn moves them */
    size_t nowned;
};

/* The kernel calls the assembly makes (init.c: the real ones; each returns 0 or -VK_E*). */
struct init_start_ops {
    long (*dup)(void *ctx, uint32_t h, uint32_t rights, uint32_t *out);
    long (*mint_control)(void *ctx, uint64_t badge, uint32_t *out); /* on init's endpoint */
    long (*serve)(void *ctx, uint32_t *out); /* a new namespace endpoint's receive end */
    /* a session as uid/gid: 0 with *out 0 when the namespace does not run */
    long (*session)(void *ctx, uint32_t uid, uint32_t gid, uint32_t *out);
    void (*close)(void *ctx, uint32_t h);
};

struct init_start_spec {
    uint32_t console_in, console_out, console_err; /* copied to it */
    uint32_t bootfs, root;    /* ours: it gets a read-only copy, and a resource copy */
    uint32_t resource_rights; /* the rights of its resource handle (0: it gets none) */
    uint64_t control_badge;   /* its control handle's badge (service number, 0: console) */
    uint32_t caps;            /* its capabilities' rights: CAP_SVC_CONTROL marks the badge */
    int is_namespace;         /* the vfs: the namespace endpoint and the console, no session */
    uint32_t uid, gid;        /* its session's credentials */
    uint32_t ready;           /* our readiness notification for it (0: none) */
};

/* Assemble st for sp: 0, or the first failed call's error with every handle made closed and
 * st empty. */
long init_start_assemble(const struct init_start_ops *ops, void *ctx,
                         const struct init_start_spec *sp, struct init_start *st);
/* Close the handles still ours (a spawn that failed); a spawn that succeeded moved them:
 * set st->nowned = 0 instead. */
void init_start_release(const struct init_start_ops *ops, void *ctx, struct init_start *st);

#endif
