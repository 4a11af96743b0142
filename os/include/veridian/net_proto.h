/*
 * The socket protocol: how programs reach the netstack service (libveridian's socket.c speaks
 * it; os/netstack/sock.c serves it). BSD socket semantics over lwIP's raw API live in the
 * server; the client only marshals.
 *
 * Reaching netstack. netstack creates an endpoint and registers it with vfs as the device node
 * /dev/net (VFS_OP_REGISTER, with its CAP_IPC_CREATE right). A process opens /dev/net once, on
 * its first socket(), and keeps that *control* handle (badge VFS_BADGE_DEVICE | n, tracked by
 * vfs's mint; netstack ignores its close notice). NET_OP_SOCKET on the control handle returns
 * a *socket* handle: a send handle to netstack's endpoint with a badge of its own
 * (NET_BADGE_SOCKET | generation << 16 | slot), minted with VK_MINT_TRACK_CLOSE, so the socket
 * lives exactly as long as some process holds a copy of that handle (dup, posix_spawn and exit
 * just work): when the last copy is gone netstack closes it (TCP: FIN, or RST when unread data
 * is left or SO_LINGER is on with 0 s; a listener's unaccepted connections are reset).
 *
 * Capabilities. NET_OP_SOCKET carries a duplicate of the caller's resource handle (start
 * role VK_ROLE_SPAWNER) in handles[0]; netstack asks the kernel what it is (handle_info: a
 * VK_OBJ_RESOURCE whose rights the kernel vouches for) and creates the socket only when it
 * holds VK_RIGHT_NET (CAP_NET), else EACCES; SOCK_RAW needs VK_RIGHT_NET_RAW too (EPERM;
 * IPv4 raw sockets read IP headers, IPv6 ones do not, as Linux's; no IPPROTO_RAW).
 * Ping sockets (SOCK_DGRAM with IPPROTO_ICMP/ICMPV6, as Linux's) need only CAP_NET.
 *
 * A socket handle speaks vfs's file protocol for what files and sockets share
 * (veridian/vfs_proto.h): VFS_OP_READ/WRITE (recv/send with no flags: read() and write()),
 * VFS_OP_POLL, VFS_OP_WATCH/UNWATCH (so poll() and select() mix sockets, pipes and files),
 * VFS_OP_GETFL/SETFL (O_NONBLOCK: a status flag of the socket, shared by every copy),
 * VFS_OP_FSTAT (S_IFSOCK). Anything else of that protocol is ESPIPE or EINVAL. The socket
 * calls are the NET_OP_* below; on a handle that is not a socket (vfs answers an opcode it
 * does not know with EINVAL/ENOSYS) libveridian reports ENOTSOCK.
 *
 * Messages. The reply's opcode is 0 or a positive errno (Linux numbers); data[0] is the
 * result. Socket addresses travel as Linux's struct sockaddr_in / sockaddr_in6 bytes (at most
 * NET_ADDR_MAX) packed into message words, never through a buffer: NET_ADDR_WORDS words from
 * the index named below. Payload moves by copy through the call's buffers (the server
 * msg_reads and msg_writes them once; no shared memory object per socket).
 *
 * Blocking. A call that must wait (recv with nothing queued, send with a full send buffer,
 * accept with an empty queue, connect in progress, a waiting VFS_OP_POLL) is parked in
 * netstack, its reply deferred, and answered when lwIP's callbacks change the socket; the
 * one netstack thread never waits for a client. SO_RCVTIMEO / SO_SNDTIMEO are kept by netstack
 * and end a parked call with EAGAIN (connect: EINPROGRESS) in virtual time; O_NONBLOCK or
 * MSG_DONTWAIT never park (EAGAIN, EINPROGRESS for connect). A client that stops waiting (its
 * own deadline, a signal) makes the deferred reply fail; nothing is consumed then (data stays
 * queued, an accepted connection goes back to the queue).
 *
 * Limits: NET_SOCKETS_PER_PID sockets created by one process (EMFILE), NET_SOCKETS_MAX in
 * all (ENFILE), NET_PARKED_MAX parked calls in all and NET_WATCHES_MAX watches (ENOBUFS/EAGAIN),
 * lwIP's pools (ENOBUFS when a PCB or buffer cannot be had).
 */
#ifndef VERIDIAN_NET_PROTO_H
#define VERIDIAN_NET_PROTO_H

#include <stdint.h>

#define NET_DEVICE_NAME "net" /* /dev/net */
#define NET_DEVICE_PATH "/dev/net"

#define NET_BADGE_SOCKET (1ull << 60)
#define NET_ADDR_MAX 32u /* bytes: a sockaddr_in6 (28) fits */
#define NET_ADDR_WORDS 4u
#define NET_OPT_MAX 24u /* setsockopt/getsockopt value bytes (a struct timeval is 16) */

#define NET_SOCKETS_PER_PID 1024u
#define NET_SOCKETS_MAX 4096u
#define NET_PARKED_MAX 4096u
#define NET_WATCHES_MAX 4096u

enum net_op {
    /* ---- on the control handle (/dev/net) ---- */
    NET_OP_SOCKET = 64, /* data[0]=domain, data[1]=type (SOCK_NONBLOCK honoured, SOCK_CLOEXEC
                           is the client's), data[2]=protocol; handles[0]=the caller's resource
                           handle (a duplicate) -> handles[0]=socket handle */
    /* ---- on a socket handle ---- */
    NET_OP_BIND = 65,     /* data[0]=address length, data[1..4]=address */
    NET_OP_LISTEN = 66,   /* data[0]=backlog */
    NET_OP_ACCEPT = 67,   /* data[0]=flags (SOCK_NONBLOCK for the new socket) -> handles[0]=the
                             connection's socket handle, data[0]=peer address length,
                             data[1..4]=peer address */
    NET_OP_CONNECT = 68,  /* data[0]=address length, data[1..4]=address */
    NET_OP_SENDTO = 69,   /* payload in the send buffer; data[0]=MSG_* flags, data[1]=address
                             length (0: none), data[2..5]=address -> data[0]=bytes sent */
    NET_OP_RECVFROM = 70, /* data[0]=MSG_* flags, data[1]=buffer length; payload into the recv
                             buffer -> data[0]=bytes received (a datagram's full length with
                             MSG_TRUNC), data[1]=address length | reply msg_flags << 32,
                             data[2..5]=the sender's address */
    NET_OP_SHUTDOWN = 71, /* data[0]=SHUT_* */
    NET_OP_GETNAME = 72,  /* data[0]=0: own address, 1: peer's -> data[0]=length,
                             data[1..4]=address */
    NET_OP_GETOPT = 73,   /* data[0]=level, data[1]=name -> data[0]=length, data[1..3]=value */
    NET_OP_SETOPT = 74,   /* data[0]=level, data[1]=name, data[2]=length, data[3..5]=value */
};

/* RECVFROM replies: data[1] holds the address length in its low 32 bits and the reply's
 * msg_flags (MSG_TRUNC) in the high 32. */
#define NET_RECV_ADDRLEN(d1) ((uint32_t)(d1))
#define NET_RECV_FLAGS(d1) ((uint32_t)((d1) >> 32))

#endif
