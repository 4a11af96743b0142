/*
 * libveridian's engines: the parts of the C library that are pure computation (string
 * functions, character classes, number parsing, formatting, sorting, the heap). Each one is
 * built twice: into libveridian for guests, where its POSIX names are aliases or thin
 * wrappers defined in the same file under VERIDIAN_GUEST, and into vr_core_host for the
 * host unit tests, where only these vr_ names exist and so never clash with glibc.
 *
 * Rules for engine code: include only compiler headers (stddef, stdint, stdarg, stdbool,
 * limits, float) and this file; never touch errno (errors come back as -VK_E* or through an
 * int *err); never call the kernel.
 */
#ifndef VR_CORE_H
#define VR_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "veridian/errors.h"

/* Error codes the engines need that the kernel ABI (veridian/errors.h) does not define;
 * Linux's numbers, like every other code. */
#define VR_EOVERFLOW 75
#define VR_EILSEQ 84

/* Guest sections define POSIX names as aliases of the engines: no extra call. */
#define VR_ALIAS(target, name) extern __typeof(target) name __attribute__((alias(#target)))

/* ---- string.c ---- */
void *vr_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *vr_memmove(void *dst, const void *src, size_t n);
void *vr_memset(void *dst, int c, size_t n);
int vr_memcmp(const void *a, const void *b, size_t n);
void *vr_memchr(const void *s, int c, size_t n);
void *vr_memrchr(const void *s, int c, size_t n);
void *vr_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen);
void *vr_memccpy(void *restrict dst, const void *restrict src, int c, size_t n);
void *vr_mempcpy(void *restrict dst, const void *restrict src, size_t n);
size_t vr_strlen(const char *s);
size_t vr_strnlen(const char *s, size_t max);
char *vr_strcpy(char *restrict dst, const char *restrict src);
char *vr_strncpy(char *restrict dst, const char *restrict src, size_t n);
char *vr_stpcpy(char *restrict dst, const char *restrict src);
char *vr_stpncpy(char *restrict dst, const char *restrict src, size_t n);
size_t vr_strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t vr_strlcat(char *restrict dst, const char *restrict src, size_t size);
char *vr_strcat(char *restrict dst, const char *restrict src);
char *vr_strncat(char *restrict dst, const char *restrict src, size_t n);
int vr_strcmp(const char *a, const char *b);
int vr_strncmp(const char *a, const char *b, size_t n);
size_t vr_strxfrm(char *restrict dst, const char *restrict src, size_t n);
char *vr_strchr(const char *s, int c);
char *vr_strchrnul(const char *s, int c);
char *vr_strrchr(const char *s, int c);
char *vr_strstr(const char *hay, const char *needle);
size_t vr_strspn(const char *s, const char *accept);
size_t vr_strcspn(const char *s, const char *reject);
char *vr_strpbrk(const char *s, const char *accept);
char *vr_strtok_r(char *restrict s, const char *restrict delim, char **restrict save);
char *vr_strsep(char **restrict sp, const char *restrict delim);

/* ---- strings.c ---- */
int vr_strcasecmp(const char *a, const char *b);
int vr_strncasecmp(const char *a, const char *b, size_t n);
int vr_ffs(int i);
int vr_ffsl(long i);
int vr_ffsll(long long i);

/* ---- strerror.c ---- */
/* The message for err, or NULL when err is not an error number we know. */
const char *vr_strerror_msg(int err);
/* POSIX strerror_r: the message (or "Unknown error N") into buf; 0, or VK_EINVAL for an
 * unknown err (buf still filled), or VK_ERANGE when len is too small (buf truncated). */
int vr_strerror_r(int err, char *buf, size_t len);

/* ---- ctype.c (C locale; every function accepts EOF and any unsigned char) ---- */
int vr_isalnum(int c);
int vr_isalpha(int c);
int vr_isascii(int c);
int vr_isblank(int c);
int vr_iscntrl(int c);
int vr_isdigit(int c);
int vr_isgraph(int c);
int vr_islower(int c);
int vr_isprint(int c);
int vr_ispunct(int c);
int vr_isspace(int c);
int vr_isupper(int c);
int vr_isxdigit(int c);
int vr_tolower(int c);
int vr_toupper(int c);

/* ---- strtol.c ---- */
/* The strto*l engine. lim selects the type: ULLONG_MAX or ULONG_MAX for the unsigned
 * functions, (unsigned long long)LLONG_MIN or LONG_MIN for the signed ones. Returns the
 * value as the target type's bits; *err gets 0, VK_ERANGE (value clamped) or VK_EINVAL
 * (bad base). *end (if end) gets the first unparsed character, s when nothing parsed. */
unsigned long long vr_strtoint(const char *s, char **end, int base, unsigned long long lim,
                               int *err);

/* ---- strtod.c (correctly rounded; *err gets 0 or VK_ERANGE) ---- */
double vr_strtod(const char *s, char **end, int *err);
float vr_strtof(const char *s, char **end, int *err);

/* ---- qsort.c ---- */
typedef int (*vr_cmp_fn)(const void *a, const void *b);
typedef int (*vr_cmp_r_fn)(const void *a, const void *b, void *arg);
/* Introsort: O(n log n) worst case, O(log n) stack, not stable. */
void vr_qsort_r(void *base, size_t n, size_t size, vr_cmp_r_fn cmp, void *arg);
void vr_qsort(void *base, size_t n, size_t size, vr_cmp_fn cmp);
void *vr_bsearch(const void *key, const void *base, size_t n, size_t size, vr_cmp_fn cmp);

/* ---- format.c: the printf engine ---- */
/* Receives the output in pieces; returns 0, or a negative VK_E* that stops formatting. */
typedef int (*vr_sink_fn)(void *ctx, const char *s, size_t n);
/* Formats like C11 vfprintf (plus POSIX %n$ positions). Returns the number of characters
 * produced, or -VR_EOVERFLOW (more than INT_MAX), -VR_EILSEQ (%lc/%ls outside ASCII),
 * -VK_EINVAL (bad positional arguments) or the sink's error. */
int vr_vformat(vr_sink_fn sink, void *ctx, const char *fmt, va_list ap);
/* vsnprintf's contract on top of vr_vformat. */
int vr_vsnformat(char *buf, size_t n, const char *fmt, va_list ap);
int vr_snformat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- filecore.c: the pure parts of the file API ---- */
/* Open flags the engines need (Linux x86_64 values, as <fcntl.h>). */
#define VR_O_RDONLY 00
#define VR_O_WRONLY 01
#define VR_O_RDWR 02
#define VR_O_CREAT 0100
#define VR_O_EXCL 0200
#define VR_O_TRUNC 01000
#define VR_O_APPEND 02000
#define VR_O_CLOEXEC 02000000

/* What a stdio stream may do, from its fopen mode. */
#define VR_FMODE_READ 1u
#define VR_FMODE_WRITE 2u
#define VR_FMODE_APPEND 4u

/* Parses an fopen mode: the first character r, w or a, then any of '+' (read and write),
 * 'b' (ignored), 'x' (O_EXCL), 'e' (O_CLOEXEC); other characters are ignored, as glibc
 * does. Returns VR_FMODE_* bits with *oflags set for open(), or -VK_EINVAL. */
int vr_fopen_mode(const char *mode, int *oflags);

/* One record of a VFS_OP_READDIR reply (veridian/vfs_proto.h), checked. */
struct vr_dirent_rec {
    uint64_t ino;
    uint64_t next; /* the cookie that continues after this entry */
    uint8_t type;  /* DT_* */
    uint16_t reclen;
    uint16_t namelen; /* 1..255 */
    const char *name; /* NUL-terminated, inside the buffer */
};
/* The record at *pos in buf[0..len): 1 with *out filled and *pos advanced past it; 0 when
 * *pos is len (nothing left); -VK_EIO when the record is malformed (misaligned, shorter than
 * its header and name, past the end of the buffer, an empty or over-long name, a name
 * without its NUL or with a NUL inside). */
int vr_dirent_next(const void *buf, size_t len, size_t *pos, struct vr_dirent_rec *out);

/* An I/O vector element, laid out like struct iovec. */
struct vr_iovec {
    void *base;
    size_t len;
};
/* The total length of iov[0..n): 0 with *total, or -VK_EINVAL when n is outside
 * [0, VR_IOV_MAX] or the total exceeds SSIZE_MAX (Linux readv/writev). */
#define VR_IOV_MAX 1024
int vr_iov_total(const struct vr_iovec *iov, int n, size_t *total);
/* Copies the vector's bytes into dst (which holds at least the total). */
void vr_iov_gather(const struct vr_iovec *iov, int n, void *dst);
/* Spreads len bytes of src over the vector in order; returns how many were placed. */
size_t vr_iov_scatter(const struct vr_iovec *iov, int n, const void *src, size_t len);

/* struct stat with Linux x86_64's layout (<sys/stat.h> defines the same). */
struct vr_timespec {
    int64_t sec;
    long nsec;
};
struct vr_stat {
    uint64_t dev;
    uint64_t ino;
    uint64_t nlink;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    int pad0;
    uint64_t rdev;
    int64_t size;
    int64_t blksize;
    int64_t blocks;
    struct vr_timespec atim, mtim, ctim;
    long reserved[3];
};
struct vfs_proto_stat;
/* Converts vfs's stat reply; times before the epoch keep 0 <= nsec < 1e9. */
void vr_stat_from_proto(const struct vfs_proto_stat *in, struct vr_stat *out);

/* A vfs call's outcome as one result: call_rc is what vk_call returned, opcode the reply's.
 * 0 on success; the reply's errno (negated) when the server refused; a kernel failure maps to
 * the errno the POSIX call gives: a stale or wrong handle (EBADH, EWRONGTYPE) or one without
 * the CALL right (EPERM) is -VK_EBADF, a vanished server (EPIPE) is -VK_EIO, anything else
 * (EFAULT, ENOMEM, ETIMEDOUT, ...) stays. An opcode that is no errno (> 4095) is -VK_EIO. */
long vr_vfs_status(long call_rc, uint32_t opcode);

/* Path length check before a path is sent: its length, -VK_EFAULT for NULL, or
 * -VK_ENAMETOOLONG when it does not fit VFS_PROTO_PATH_MAX (4096 bytes with the NUL). */
long vr_path_length(const char *path);

/* The absolute deadline timeout_ms after now (virtual ns): VK_DEADLINE_NEVER for a negative
 * timeout, saturating instead of wrapping. */
uint64_t vr_deadline_after_ms(uint64_t now, long timeout_ms);
/* poll.c: the absolute deadline of a relative timeout (NULL: VK_DEADLINE_NEVER; zero: 0, look
 * once; a negative or unnormalised one: VR_DEADLINE_BAD) */
#define VR_DEADLINE_BAD (VK_DEADLINE_NEVER - 1)
struct timespec;
uint64_t vr_deadline_after_ts(const struct timespec *ts);
/* poll.c: poll's engine until an absolute deadline (0: look once), with *mask as the thread's
 * signal mask meanwhile when mask is not NULL (ppoll/pselect: a handler the new mask lets run
 * ends the call with -VK_EINTR); never restarted after a handler. Negative VK_E* on error. */
struct pollfd;
long vr_poll_until(struct pollfd *fds, unsigned long n, uint64_t deadline, const void *mask);

/* ---- inet.c: address text (glibc's exact behaviour; see inet.c) ---- */
#define VR_AF_UNSPEC 0
#define VR_AF_INET 2
#define VR_AF_INET6 10
#define VR_INET6_ADDRSTRLEN 46
/* Text s[0..len) into network-order bytes: 1, or 0 when it is not an address. */
int vr_inet_pton4(const char *s, size_t len, uint8_t out[4]);
int vr_inet_pton6(const char *s, size_t len, uint8_t out[16]);
/* Bytes to text in buf (terminated): its length, or -VK_ENOSPC when size is too small. */
int vr_inet_ntop4(const uint8_t a[4], char *buf, size_t size);
int vr_inet_ntop6(const uint8_t a[16], char *buf, size_t size);
/* inet_aton's forms; *addr (if addr) gets the address in host order. 1, or 0. */
int vr_inet_aton(const char *s, uint32_t *addr);

/* ---- netdb.c: getaddrinfo/getnameinfo over the text of /etc/hosts and /etc/services ---- */
/* glibc's values, as <netdb.h> and <sys/socket.h> define them */
#define VR_SOCK_STREAM 1
#define VR_SOCK_DGRAM 2
#define VR_SOCK_RAW 3
#define VR_IPPROTO_TCP 6
#define VR_IPPROTO_UDP 17
#define VR_AI_PASSIVE 0x0001
#define VR_AI_CANONNAME 0x0002
#define VR_AI_NUMERICHOST 0x0004
#define VR_AI_V4MAPPED 0x0008
#define VR_AI_ALL 0x0010
#define VR_AI_ADDRCONFIG 0x0020
#define VR_AI_NUMERICSERV 0x0400
#define VR_NI_NUMERICHOST 1
#define VR_NI_NUMERICSERV 2
#define VR_NI_NOFQDN 4
#define VR_NI_NAMEREQD 8
#define VR_NI_DGRAM 16
#define VR_EAI_BADFLAGS -1
#define VR_EAI_NONAME -2
#define VR_EAI_AGAIN -3
#define VR_EAI_FAIL -4
#define VR_EAI_NODATA -5
#define VR_EAI_FAMILY -6
#define VR_EAI_SOCKTYPE -7
#define VR_EAI_SERVICE -8
#define VR_EAI_ADDRFAMILY -9
#define VR_EAI_MEMORY -10
#define VR_EAI_SYSTEM -11
#define VR_EAI_OVERFLOW -12
/* The most addresses one name gives (further /etc/hosts lines are ignored). */
#define VR_GAI_MAXADDR 16

/* The files' text (NULL: the file is missing; services then come from a built-in table). */
struct vr_netdb {
    const char *hosts;
    size_t hosts_len;
    const char *services;
    size_t services_len;
};
struct vr_gai_hints {
    int flags, family, socktype, protocol;
};
struct vr_addrinfo {
    int family, socktype, protocol;
    uint16_t port;    /* host order */
    uint8_t addr[16]; /* network order; 4 bytes for AF_INET */
    uint32_t scope;
};
/* getaddrinfo's answer into out[0..max): the count, or a negative VR_EAI_* code. canon
 * (csize bytes) gets the canonical name when hints ask for it (else ""). */
int vr_getaddrinfo(const struct vr_netdb *db, const char *node, const char *service,
                   const struct vr_gai_hints *hints, struct vr_addrinfo *out, int max, char *canon,
                   size_t csize);
/* getnameinfo for one address (port in host order): 0 or a negative VR_EAI_* code. */
int vr_getnameinfo(const struct vr_netdb *db, int family, const uint8_t *addr, uint32_t scope,
                   int port, char *host, size_t hostlen, char *serv, size_t servlen, int flags);
const char *vr_gai_strerror(int err);
/* Service port by name (or alias) and protocol name ("tcp"), -1 when unknown; name of a
 * port (0, -VK_ENOENT, -VK_ENOSPC); first name of an address in /etc/hosts (same codes). */
int vr_netdb_service_port(const struct vr_netdb *db, const char *name, const char *proto);
int vr_netdb_service_name(const struct vr_netdb *db, int port, const char *proto, char *out,
                          size_t size);
int vr_netdb_host_name(const struct vr_netdb *db, int family, const uint8_t *addr, char *out,
                       size_t size);

/* ---- heap.c: the allocator behind malloc ---- */
/* Where the heap gets its memory (guest: memory objects; tests: a fake). */
struct vr_heap_source_ops {
    /* Map size bytes (a multiple of 4096) of zeroed, 16-byte aligned memory: 0 with *addr
     * and a tag of the caller's choosing, or a negative VK_E*. */
    int (*map)(void *ctx, size_t size, void **addr, uint64_t *tag);
    void (*unmap)(void *ctx, void *addr, size_t size, uint64_t tag);
    /* A corrupted heap or a bad free(): report and stop; must not return. */
    void (*corrupt)(void *ctx, const char *what, const void *ptr);
};

#define VR_HEAP_SMALL_BINS 64  /* exact bins, 16 bytes apart, for blocks below 1 KiB */
#define VR_HEAP_LARGE_BINS 304 /* 8 bins per power of two from 1 KiB to 2^48 */
#define VR_HEAP_BINS (VR_HEAP_SMALL_BINS + VR_HEAP_LARGE_BINS)

struct vr_heap_block;
struct vr_heap_region;

struct vr_heap {
    const struct vr_heap_source_ops *ops;
    void *ctx;
    uint64_t secret;                          /* mixes into every block's check bits */
    struct vr_heap_region *segments;          /* all arena segments */
    struct vr_heap_region *huge;              /* all huge blocks, one mapping each */
    struct vr_heap_block *bins[VR_HEAP_BINS]; /* free lists */
    uint64_t binmap[(VR_HEAP_BINS + 63) / 64];
    size_t mapped;        /* bytes currently mapped from the source */
    size_t segment_bytes; /* ... of which in segments */
    size_t nsegments, nhuge;
    size_t nempty;      /* segments that are one free block */
    size_t empty_bytes; /* their size */
    size_t in_use;      /* bytes in allocated blocks (headers included) */
};

struct vr_heap_stats {
    size_t mapped;   /* bytes mapped from the source right now */
    size_t segments; /* arena segments */
    size_t huge;     /* huge blocks */
    size_t in_use;   /* bytes in allocated blocks, headers included */
};

void vr_heap_init(struct vr_heap *h, const struct vr_heap_source_ops *ops, void *ctx,
                  uint64_t secret);
/* Give every mapping back to the source (tests; a process just exits). */
void vr_heap_fini(struct vr_heap *h);
void *vr_heap_alloc(struct vr_heap *h, size_t size);
void *vr_heap_calloc(struct vr_heap *h, size_t n, size_t size);
/* align: a power of two; anything up to 16 is the default alignment. */
void *vr_heap_alloc_aligned(struct vr_heap *h, size_t align, size_t size);
void *vr_heap_realloc(struct vr_heap *h, void *p, size_t size);
void vr_heap_free(struct vr_heap *h, void *p);
size_t vr_heap_usable_size(struct vr_heap *h, const void *p);
void vr_heap_get_stats(const struct vr_heap *h, struct vr_heap_stats *out);
/* Walk every segment and free list; reports through ops->corrupt. */
void vr_heap_check(struct vr_heap *h);

#endif
