/*
 * Capability names (as written in /etc/services.toml) and the rights they grant.
 *
 * A service's capabilities become the rights of the one resource handle init passes it
 * (role VK_ROLE_SPAWNER): init duplicates its own root resource with exactly the union of
 * the listed rights (rights only shrink), so a service holds nothing it was not granted.
 * Who checks each right:
 *   CAP_SPAWN       the kernel, at spawn (VK_RIGHT_SPAWN): without it a service cannot
 *                   create processes at all.
 *   CAP_FS_MOUNT    vfs, on mount/umount requests (the caller sends its resource handle).
 *   CAP_NET         netstack, on socket creation (the caller sends its resource handle with
 *                   NET_OP_SOCKET, veridian/net_proto.h): without it socket() is EACCES.
 *   CAP_NET_ADMIN,
 *   CAP_NET_RAW     netstack, on interface configuration and raw sockets.
 *   CAP_DEVICE,
 *   CAP_DMA         devmgr and the kernel's device objects (MMIO/IRQ and DMA mappings).
 *   CAP_IPC_CREATE  servers that publish endpoints in the namespace (vfs registers a
 *                   service node only for a caller with it).
 *   CAP_SETUID      vfs, on VFS_OP_SETUID (the caller sends its resource handle): without
 *                   it (and without effective uid 0) a session changes its uid/gid only to
 *                   its real or saved ones, as POSIX says.
 * A service with no resource capabilities gets no resource handle.
 *
 * CAP_SVC_CONTROL is not a resource right but init's own: a program started with it gets
 * an init handle whose badge carries VK_INIT_BADGE_CONTROL (veridian/init.h), and init
 * carries out START/STOP/RESTART only for calls made through such a handle. The kernel
 * vouches for the badge (only init can mint handles to its endpoint); nothing in a message
 * can claim it.
 */
#ifndef VERIDIAN_CAPS_H
#define VERIDIAN_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"

/* resource rights beyond the generic ones in kcall.h (bits 15..) */
#define VK_RIGHT_FS_MOUNT (1u << 15)
#define VK_RIGHT_NET_ADMIN (1u << 16)
#define VK_RIGHT_NET_RAW (1u << 17)
#define VK_RIGHT_IPC_CREATE (1u << 18)
#define VK_RIGHT_SETUID (1u << 19)
/* init's control right (CAP_SVC_CONTROL): becomes a badge bit on the init handle, never a
 * right on the resource handle */
#define VK_RIGHT_SVC_CONTROL (1u << 20)
#define VK_RIGHT_NET (1u << 21) /* CAP_NET: open sockets (netstack checks it) */

struct vk_cap_name {
    const char *name;
    uint32_t rights;
};

static const struct vk_cap_name vk_cap_names[] = {
    {"CAP_SPAWN", VK_RIGHT_SPAWN},
    {"CAP_FS_MOUNT", VK_RIGHT_FS_MOUNT},
    {"CAP_IPC_CREATE", VK_RIGHT_IPC_CREATE},
    {"CAP_NET", VK_RIGHT_NET},
    {"CAP_NET_ADMIN", VK_RIGHT_NET_ADMIN},
    {"CAP_NET_RAW", VK_RIGHT_NET_RAW},
    {"CAP_DEVICE", VK_RIGHT_MMIO | VK_RIGHT_IRQ},
    {"CAP_DMA", VK_RIGHT_DMA},
    {"CAP_SETUID", VK_RIGHT_SETUID},
    {"CAP_SVC_CONTROL", VK_RIGHT_SVC_CONTROL},
};

#define VK_CAP_COUNT (sizeof vk_cap_names / sizeof vk_cap_names[0])

/* Every resource right a capability can grant: what init's root resource holds. */
#define VK_CAP_RIGHTS_ALL                                                                          \
    (VK_RIGHT_SPAWN | VK_RIGHT_FS_MOUNT | VK_RIGHT_IPC_CREATE | VK_RIGHT_NET_ADMIN |               \
     VK_RIGHT_NET_RAW | VK_RIGHT_MMIO | VK_RIGHT_IRQ | VK_RIGHT_DMA | VK_RIGHT_SETUID |            \
     VK_RIGHT_NET)
/* Rights that init keeps for itself (checked by init, carried as a badge bit). */
#define VK_CAP_INIT_RIGHTS VK_RIGHT_SVC_CONTROL

#endif
