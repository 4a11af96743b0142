/*
 * os/netstack/sock.h: the netstack's socket server (sock.c), as netstack.c's main loop sees
 * it. The protocol it serves is veridian/net_proto.h.
 *
 * ns_sock_create   makes the endpoint and registers /dev/net with vfs; NULL when it cannot
 *                  (the netstack then runs without sockets and says why)
 * ns_sock_wait_item  what the main loop waits on beside its devices (the endpoint, readable
 *                  when a request or a close notice is queued)
 * ns_sock_deadline the earliest virtual time at which a parked call times out (or
 *                  VK_DEADLINE_NEVER): the main loop wakes up by then
 * ns_sock_serve    serves everything queued (never waits), times parked calls out, runs the
 *                  loopback interface and republishes /proc/net/{tcp,udp} when they changed;
 *                  call it whenever the wait returns, and after lwIP's timers ran
 * Sockets of a client that is gone close when their handles' close notices arrive (served
 * like requests), so there is no separate hook for that.
 *
 * What netstack.c lends sock.c: ns_log ("netstack: ..." on stderr), ns_now (virtual time in
 * ns) and ns_publish (the text of /proc/NAME through vfs's VFS_OP_PUBLISH, waiting at most
 * until deadline; 0, or a positive errno).
 */
#ifndef NETSTACK_SOCK_H
#define NETSTACK_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"

struct ns_sockets;

void ns_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t ns_now(void);
int ns_publish(const char *name, const char *text, size_t len, uint64_t deadline);

struct ns_sockets *ns_sock_create(void);
void ns_sock_wait_item(const struct ns_sockets *S, struct vk_wait *item);
uint64_t ns_sock_deadline(const struct ns_sockets *S);
void ns_sock_serve(struct ns_sockets *S);

#endif
