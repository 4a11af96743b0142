/*
 * The vfs protocol: how programs reach the file namespace (libveridian's file API speaks it;
 * os/vfs/server.c serves it).
 *
 * Handles. Every process starts with a *session* handle (role VK_ROLE_NSROOT): a send handle
 * to vfs's endpoint whose badge names the session (its credentials, cwd and umask). Opening a
 * file returns a *file* handle: for files vfs serves (tmpfs, the boot image), a send handle
 * to the same endpoint with a badge naming the open file description (VFS_BADGE_FILE set),
 * minted with VK_MINT_TRACK_CLOSE so vfs frees the description when the last copy of the
 * handle is closed in every process (dup, spawn and exit just work). For files another
 * server owns (a driver's device node) open returns a handle to that server instead, so reads
 * and writes never relay through vfs; /dev/console returns the kernel console handle itself
 * (VFS_OPEN_CONSOLE in the reply), which libveridian reads and writes with console calls.
 *
 * Messages. opcode = enum vfs_op; data[] as listed; paths travel in the call's send buffer
 * (not NUL-terminated, at most VFS_PROTO_PATH_MAX - 1 bytes; two paths are separated by one
 * NUL); bulk results come back in the receive buffer. The reply's opcode is 0 or a positive
 * errno (Linux numbers); data[0] is the call's result value. Directory arguments of *at()
 * calls travel as handles: a duplicate of the directory's file handle in handles[0] (and
 * handles[1] for the second path of rename/link), flagged in data[3] (VFS_AT_DIR0/1);
 * without one, relative paths start at the session's cwd. vfs takes such a handle only as
 * the kernel unwraps it (kcall.h: a handle to vfs's own endpoint arrives as its badge, which
 * only vfs can have minted); any other handle is EBADF, whatever badge it carries.
 *
 * Blocking. Reads of an empty pipe, writes to a full one and VFS_OP_POLL wait in vfs
 * (deferred reply) unless the description has O_NONBLOCK; the call's own deadline bounds the
 * wait (-VK_ETIMEDOUT), which is how poll timeouts work. Fair shares per client process: 64
 * of its waiting requests are tried as their pipes change, the rest wait their turn (behind
 * other processes' requests on the same pipe); beyond 512 waiting requests, or 256 watches
 * (VFS_OP_WATCH), its own requests fail with EAGAIN, never another process's.
 */
#ifndef VERIDIAN_VFS_PROTO_H
#define VERIDIAN_VFS_PROTO_H

#include <stdint.h>

#define VFS_BADGE_FILE (1ull << 62)
#define VFS_BADGE_DEVICE (1ull << 61) /* opens of a registered device node */
#define VFS_BADGE_ROOT_SESSION 1ull   /* init's own session: uid 0, cwd / */
#define VFS_PROTO_PATH_MAX 4096

#define VFS_ID_KEEP 0xffffffffull /* VFS_OP_SETUID: leave this id as it is */
#define VFS_SETID_EFFECTIVE 1u    /* VFS_OP_SETUID: seteuid()/setegid() semantics */

#define VFS_AT_DIR0 1u /* data[3]: handles[0] is the directory of the first path */
#define VFS_AT_DIR1 2u /* data[3]: handles[1] is the directory of the second path */

enum vfs_op {
    /* ---- on a session handle ---- */
    VFS_OP_OPEN = 1,      /* path; data[0]=flags (O_*), data[1]=mode, data[2]=fd+1 it will be
                             (for /proc/<pid>/fd, 0: unknown) -> handles[0]=file,
                             data[0]=st_mode, data[1]=VFS_OPEN_* */
    VFS_OP_STAT = 2,      /* path; data[0]=AT_* flags -> struct vfs_proto_stat in recv buffer */
    VFS_OP_ACCESS = 3,    /* path; data[0]=amode, data[1]=AT_* flags */
    VFS_OP_MKDIR = 4,     /* path; data[0]=mode */
    VFS_OP_MKNOD = 5,     /* path; data[0]=mode, data[1]=rdev */
    VFS_OP_UNLINK = 6,    /* path; data[0]=AT_REMOVEDIR or 0 */
    VFS_OP_RENAME = 7,    /* "old\0new" */
    VFS_OP_LINK = 8,      /* "old\0new"; data[0]=AT_SYMLINK_FOLLOW or 0 */
    VFS_OP_SYMLINK = 9,   /* "target\0path" */
    VFS_OP_READLINK = 10, /* path -> bytes in recv buffer, data[0]=length */
    VFS_OP_CHMOD = 11,    /* path; data[0]=mode, data[1]=AT_* flags */
    VFS_OP_TRUNCATE = 12, /* path; data[0]=length */
    VFS_OP_CHDIR = 13,    /* path (empty with VFS_AT_DIR0: fchdir) */
    VFS_OP_GETCWD = 14,   /* -> path in recv buffer (with NUL), data[0]=length+1 */
    VFS_OP_UMASK = 15,    /* data[0]=new mask -> data[0]=old mask */
    VFS_OP_PIPE = 16,     /* data[0]=flags (O_NONBLOCK) -> handles[0]=read end, [1]=write end */
    VFS_OP_SESSION = 17,  /* -> handles[0]: a new session (same cwd, credentials, umask) for a
                             child process */
    VFS_OP_MOUNT = 18,    /* path; data[0]=filesystem (VFS_FS_*), data[1]=flags; needs the
                             caller's resource handle with VK_RIGHT_FS_MOUNT in handles[1] */
    VFS_OP_UMOUNT = 19,   /* path; resource handle in handles[1] */
    VFS_OP_PUBLISH = 20,  /* "name\0content": (re)write /proc/name (name may be "net/leaf":
                             /proc/net/leaf). A new name: effective uid 0, or a resource
                             handle with VK_RIGHT_IPC_CREATE in handles[] (devmgr), and the
                             entry belongs to that uid; an existing one: its owner only;
                             numeric names (/proc/<pid>, announced by each process with
                             HELLO) and vfs's own entries: no one (VK_EPERM). init
                             publishes /proc/services */
    VFS_OP_HELLO = 21,    /* "arg0\0arg1\0...\0\0env0\0env1\0...": the calling process (the
                             kernel names it: sender_pid) appears as /proc/<pid>, tied to this
                             session; libveridian sends it at start-up; data[0] bit n: fd n
                             (0-2) is the console */
    VFS_OP_SETUID = 22,   /* data[0]=uid, data[1]=gid (VFS_ID_KEEP: unchanged), data[2]=
                             VFS_SETID_* flags; optional resource handle with VK_RIGHT_SETUID
                             (CAP_SETUID) in handles[]. POSIX setuid()+setgid(): a privileged
                             session (effective uid 0, or the capability) sets real, effective
                             and saved ids; any other sets only the effective ids, and only to
                             its real or saved ones (else VK_EPERM). With VFS_SETID_EFFECTIVE:
                             seteuid()+setegid(), only the effective ids change */
    VFS_OP_CHROOT = 23,   /* path: the session's root and cwd become that directory. Allowed
                             to anyone: it only narrows what the session can name */
    VFS_OP_REGISTER = 24, /* "name": a device node /dev/name served by the caller. handles[0]:
                             a send handle to the caller's endpoint with CALL|MINT|DUP|TRANSFER
                             and no badge; handles[1]: the caller's resource handle with
                             VK_RIGHT_IPC_CREATE. Each open of the node gets its own badged,
                             tracked handle to that endpoint (VFS_BADGE_DEVICE | n), so the
                             server speaks this file protocol directly with its clients and
                             learns of each close. */
    VFS_OP_GETUID = 25,   /* -> data[0..5] = real, effective, saved uid; real, effective,
                             saved gid of the session */

    /* ---- on a file handle ---- */
    VFS_OP_READ = 32,      /* data[0]=length -> bytes in recv buffer, data[0]=count */
    VFS_OP_WRITE = 33,     /* bytes in send buffer -> data[0]=count */
    VFS_OP_PREAD = 34,     /* data[0]=length, data[1]=offset */
    VFS_OP_PWRITE = 35,    /* data[1]=offset */
    VFS_OP_LSEEK = 36,     /* data[0]=offset, data[1]=whence -> data[0]=new offset */
    VFS_OP_FSTAT = 37,     /* -> struct vfs_proto_stat in recv buffer */
    VFS_OP_FTRUNCATE = 38, /* data[0]=length */
    VFS_OP_FSYNC = 39,
    VFS_OP_READDIR = 40, /* -> packed struct vfs_proto_dirent records, data[0]=count */
    VFS_OP_FCHMOD = 41,  /* data[0]=mode */
    VFS_OP_GETFL = 42,   /* -> data[0]=flags */
    VFS_OP_SETFL = 43,   /* data[0]=flags (O_APPEND, O_NONBLOCK change) */
    VFS_OP_POLL = 44,    /* data[0]=POLL* events -> data[0]=revents; waits until one is
                            ready unless data[1]=1 (just look) */
    VFS_OP_WATCH = 45,   /* handles[0]=a notification (SIGNAL right), data[0]=events,
                            data[1]=bits: vfs signals those bits on it once, as soon as the
                            file is ready for one of the events (POLLERR/POLLHUP always
                            count), then forgets the watch. poll() over several files and
                            the console waits on one notification this way */
    VFS_OP_UNWATCH = 46, /* handles[0]=the same notification, data[1]=bits: drop the watch
                            if it has not fired */
    VFS_OP_TTY = 80,     /* a file that is a terminal (/dev/hvc0): data[0]=a VK_CON_* op
                            (kcall.h "the console as a terminal"), data[1]=its arg: GETATTR
                            and GETWINSZ -> the struct in the recv buffer, SETATTR: the struct
                            in the send buffer, GETPGRP -> data[0], ISATTY -> data[0]=1; any
                            other server answers ENOSYS (not a terminal: ENOTTY) */
};

#define VFS_OPEN_CONSOLE 1u /* data[1] of an OPEN reply: handles[0] is the console */

enum vfs_fs_kind { VFS_FS_TMPFS = 1 };

struct vfs_proto_stat {
    uint64_t dev;
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint64_t rdev;
    int64_t size;
    int64_t blksize;
    int64_t blocks;
    int64_t atime_ns;
    int64_t mtime_ns;
    int64_t ctime_ns;
};

/* READDIR records: each starts 8-aligned; reclen covers header, name, NUL and padding. */
struct vfs_proto_dirent {
    uint64_t ino;
    uint64_t next; /* lseek(fd, next, SEEK_SET) continues after this entry */
    uint16_t reclen;
    uint8_t type; /* DT_* */
    uint8_t reserved;
    uint16_t namelen;
    uint16_t reserved2;
    /* char name[namelen + 1] follows */
};

_Static_assert(sizeof(struct vfs_proto_stat) == 88, "vfs_proto_stat");
_Static_assert(sizeof(struct vfs_proto_dirent) == 24, "vfs_proto_dirent");

#endif
