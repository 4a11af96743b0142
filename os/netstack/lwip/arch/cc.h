/*
 * os/netstack/lwip: lwIP's port header for Veridian guests (freestanding, libveridian's libc,
 * x86_64 little-endian). The netstack server provides the three hooks declared here:
 * vns_rand() (LWIP_RAND, from the run's seed), vns_diag() and vns_assert() (lwIP's own
 * invariants only: a broken one ends the server, which init restarts), and sys_now() (lwIP's
 * sys.h: milliseconds of virtual time).
 */
#ifndef VERIDIAN_LWIP_ARCH_CC_H
#define VERIDIAN_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#ifndef BYTE_ORDER /* the host build (the fuzz harness) has <endian.h>'s */
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define LWIP_NO_INTTYPES_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

uint32_t vns_rand(void);
void vns_diag(const char *fmt, ...);
void vns_assert(const char *msg, const char *file, int line) __attribute__((noreturn));

#define LWIP_RAND() ((u32_t)vns_rand())
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        vns_diag x;                                                                                \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) vns_assert((x), __FILE__, __LINE__)

typedef int sys_prot_t;

#endif
