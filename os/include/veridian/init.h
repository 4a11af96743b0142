/*
 * init's protocols.
 *
 * Readiness: a service whose readiness mode is "notify" gets a notification handle with
 * role VK_ROLE_READY (SIGNAL right only) and signals VK_INIT_READY_BIT on it once it serves;
 * until then init reports it "starting" and starts nothing that depends on it. With mode
 * "none" a service counts as ready once spawned.
 *
 * Control channel: init's endpoint; programs started by init receive a send handle to it
 * with role VK_ROLE_INIT (badged with their service number; the console program's badge is
 * 0), plus VK_INIT_BADGE_CONTROL when they hold CAP_SVC_CONTROL (services.toml
 * `capabilities`, or `[init] console_caps` for the console program). LIST, STATUS, STATS
 * are open to every holder; START, STOP and RESTART need the control badge (else VK_EPERM).
 * The badge is the kernel's word (only init mints handles to its endpoint, and a handle
 * passed on keeps its badge), never the message's. A request names a service in the call's
 * send buffer (not NUL-terminated); the reply's opcode is 0 or a VK_E* error number, and
 * data[0] is the count of records written into the receive buffer (struct vk_init_status
 * each) for LIST and STATUS.
 */
#ifndef VERIDIAN_INIT_H
#define VERIDIAN_INIT_H

#include <stdint.h>

#define VK_INIT_READY_BIT 1ull
#define VK_INIT_BADGE_CONTROL (1ull << 62) /* this init handle may start/stop/restart */

enum vk_init_op {
    VK_INIT_LIST = 1,    /* every service, in configuration order */
    VK_INIT_STATUS = 2,  /* one service */
    VK_INIT_START = 3,   /* start a stopped or failed service (and what it needs) */
    VK_INIT_STOP = 4,    /* stop a service and what depends on it */
    VK_INIT_RESTART = 5, /* stop, then start */
    VK_INIT_STATS = 6,   /* data[0] = init's heap bytes in use, data[1] = mapped */
};

enum vk_init_state {
    VK_SVC_WAITING = 1,  /* for its dependencies */
    VK_SVC_STARTING = 2, /* spawned, not ready yet */
    VK_SVC_RUNNING = 3,
    VK_SVC_BACKOFF = 4, /* exited; restarts after the back-off delay */
    VK_SVC_STOPPED = 5, /* exited and stays down (policy, svc stop, a dependency) */
    VK_SVC_FAILED = 6,  /* restarted too often, or could not be started */
};

#define VK_INIT_NAME_MAX 32
#define VK_INIT_REASON_MAX 80

struct vk_init_status {
    char name[VK_INIT_NAME_MAX];
    uint32_t state; /* enum vk_init_state */
    uint32_t pid;   /* 0 when not running */
    uint32_t restarts;
    uint32_t last_exit_kind; /* enum vk_exit_kind of the last exit */
    int32_t last_exit_code;
    uint32_t last_signo;
    uint64_t start_time_ns;          /* virtual time of the last start */
    uint64_t ready_time_ns;          /* and of the readiness that followed (0: not yet) */
    char reason[VK_INIT_REASON_MAX]; /* why it is in this state, for people */
};

_Static_assert(sizeof(struct vk_init_status) == 152, "vk_init_status");

#endif
