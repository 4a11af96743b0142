/*
 * svc: talk to init's control channel.
 *   svc list                      every service: state, pid, restarts, last exit, start time
 *   svc status NAME               one service, in detail
 *   svc start|stop|restart NAME   needs CAP_SVC_CONTROL (services.toml; for the console
 *                                 program [init] console_caps): else "Operation not permitted"
 *   svc stats                     init's heap and the kernel's live object counts
 *   svc wait NAME STATE [SECONDS] wait (virtual time) until NAME is in STATE
 * Several commands can be chained with "," as a separate argument: svc wait x failed , list
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "veridian/init.h"
#include "veridian/vk.h"

static const char *const state_names[] = {
    [VK_SVC_WAITING] = "waiting", [VK_SVC_STARTING] = "starting", [VK_SVC_RUNNING] = "running",
    [VK_SVC_BACKOFF] = "backoff", [VK_SVC_STOPPED] = "stopped",   [VK_SVC_FAILED] = "failed",
};

static const char *state_name(uint32_t s)
{
    return s < sizeof state_names / sizeof state_names[0] && state_names[s] ? state_names[s] : "?";
}

static long request(uint32_t op, const char *name, void *buf, size_t len, struct vk_msg *out)
{
    /* the start handle from init, looked up where it is used: no file-scope state */
    long rc = vr_request(vr_start_handle(VK_ROLE_INIT), op, name, name ? strlen(name) : 0, buf, len,
                         0, 0, out);
    return rc > 0 ? 0 : rc;
}

static void describe_exit(const struct vk_init_status *s, char *buf, size_t len)
{
    if (!s->restarts && !s->last_exit_code && !s->last_exit_kind && s->state != VK_SVC_STOPPED &&
        s->state != VK_SVC_FAILED && s->state != VK_SVC_BACKOFF)
        snprintf(buf, len, "-");
    else if (s->last_exit_kind == VK_EXIT_NORMAL)
        snprintf(buf, len, "status %d", s->last_exit_code);
    else if (s->last_exit_kind == VK_EXIT_FAULT)
        snprintf(buf, len, "signal %u", s->last_signo);
    else
        snprintf(buf, len, "killed");
}

static int cmd_list(void)
{
    struct vk_init_status st[64];
    struct vk_msg m;
    long rc = request(VK_INIT_LIST, NULL, st, sizeof st, &m);
    if (rc) {
        fprintf(stderr, "svc: list: %s\n", strerror((int)-rc));
        return 1;
    }
    printf("%-16s %-9s %5s %8s %-12s %12s\n", "SERVICE", "STATE", "PID", "RESTARTS", "LAST EXIT",
           "STARTED(ms)");
    for (uint64_t i = 0; i < m.data[0]; i++) {
        char ex[32];
        describe_exit(&st[i], ex, sizeof ex);
        printf("%-16s %-9s %5u %8u %-12s %12.3f\n", st[i].name, state_name(st[i].state), st[i].pid,
               st[i].restarts, ex, (double)st[i].start_time_ns / 1e6);
    }
    return 0;
}

static int get_status(const char *name, struct vk_init_status *st)
{
    long rc = request(VK_INIT_STATUS, name, st, sizeof *st, NULL);
    if (rc) {
        fprintf(stderr, "svc: %s: %s\n", name,
                rc == -VK_ENOENT ? "no such service" : strerror((int)-rc));
        return 1;
    }
    return 0;
}

static int cmd_status(const char *name)
{
    struct vk_init_status st;
    if (get_status(name, &st))
        return 1;
    char ex[32];
    describe_exit(&st, ex, sizeof ex);
    printf("%s: %s\n  pid: %u\n  restarts: %u\n  last exit: %s\n  started: %.3f ms\n"
           "  ready: %.3f ms\n  reason: %s\n",
           st.name, state_name(st.state), st.pid, st.restarts, ex, (double)st.start_time_ns / 1e6,
           (double)st.ready_time_ns / 1e6, st.reason);
    return 0;
}

static int cmd_simple(uint32_t op, const char *verb, const char *name)
{
    long rc = request(op, name, NULL, 0, NULL);
    if (rc) {
        fprintf(stderr, "svc: %s %s: %s\n", verb, name,
                rc == -VK_ENOENT ? "no such service" : strerror((int)-rc));
        return 1;
    }
    return 0;
}

static int cmd_stats(void)
{
    struct vk_msg m;
    long rc = request(VK_INIT_STATS, NULL, NULL, 0, &m);
    struct vk_kernel_info ki;
    if (rc || vk_kernel_info(&ki)) {
        fprintf(stderr, "svc: stats: %s\n", strerror((int)-rc));
        return 1;
    }
    printf("init heap: %llu bytes in use, %llu mapped\n", (unsigned long long)m.data[0],
           (unsigned long long)m.data[1]);
    printf("kernel: %llu objects, %llu handles, %llu processes, %llu bytes of memory objects\n",
           (unsigned long long)ki.objects, (unsigned long long)ki.handles,
           (unsigned long long)ki.processes, (unsigned long long)ki.memory_object_bytes);
    return 0;
}

static int cmd_wait(const char *name, const char *state, const char *secs)
{
    double limit = secs ? atof(secs) : 60;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct vk_init_status st;
        if (get_status(name, &st))
            return 1;
        if (!strcmp(state_name(st.state), state))
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > limit) {
            fprintf(stderr, "svc: %s is %s, not %s, after %g s\n", name, state_name(st.state),
                    state, limit);
            return 1;
        }
        struct timespec d = {0, 1000000}; /* 1 ms of virtual time */
        nanosleep(&d, NULL);
    }
}

static int run(int argc, char **argv)
{
    const char *c = argc > 0 ? argv[0] : "list";
    if (!strcmp(c, "list") && argc <= 1)
        return cmd_list();
    if (!strcmp(c, "stats") && argc <= 1)
        return cmd_stats();
    if (!strcmp(c, "status") && argc == 2)
        return cmd_status(argv[1]);
    if (!strcmp(c, "start") && argc == 2)
        return cmd_simple(VK_INIT_START, c, argv[1]);
    if (!strcmp(c, "stop") && argc == 2)
        return cmd_simple(VK_INIT_STOP, c, argv[1]);
    if (!strcmp(c, "restart") && argc == 2)
        return cmd_simple(VK_INIT_RESTART, c, argv[1]);
    if (!strcmp(c, "wait") && (argc == 3 || argc == 4))
        return cmd_wait(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
    fprintf(stderr, "usage: svc list | status NAME | start|stop|restart NAME | stats |\n"
                    "           wait NAME STATE [SECONDS]   (chain commands with ' , ')\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (!vr_start_handle(VK_ROLE_INIT)) {
        fprintf(stderr, "svc: no handle to init (run me from init's console)\n");
        return 1;
    }
    int status = 0, start = 1;
    for (int i = 1; i <= argc; i++) {
        if (i == argc || !strcmp(argv[i], ",")) {
            status = run(i - start, argv + start);
            if (status)
                return status;
            start = i + 1;
        }
    }
    return status;
}
