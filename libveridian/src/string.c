/*
 * The mem* and str* functions (C locale). Engine file: see core.h.
 *
 * memcpy, memmove and memset are what gcc calls for struct copies and zeroing, so they must
 * never be compiled into calls to themselves (the guest flags carry
 * -fno-tree-loop-distribute-patterns) and must leave the direction flag clear. Large
 * blocks use `rep movsb`/`rep stosb`, which modern x86 runs at full cache bandwidth.
 * Byte-wise loops elsewhere are deliberate: reading a word past a string's terminator is
 * harmless on the hardware but a real overflow to ASan in the host build.
 * strstr and memmem are Two-Way (Crochemore-Perrin): linear time, constant space.
 */
#include "core.h"

#include <stdint.h>

#define REP_THRESHOLD 64

void *vr_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (n >= REP_THRESHOLD) {
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
        return dst;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *vr_memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d == s || n == 0)
        return dst;
    if ((uintptr_t)d - (uintptr_t)s >= n) {
        /* d below s, or no overlap: a forward copy never reads a byte it already wrote
         * (rep movsb is defined as byte-sequential). */
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
        return dst;
    }
    /* d overlaps the tail of s: copy backwards. */
    d += n;
    s += n;
    for (; n >= 8; n -= 8) {
        uint64_t w;
        d -= 8;
        s -= 8;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    while (n--)
        *--d = *--s;
    return dst;
}

void *vr_memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    if (n >= REP_THRESHOLD) {
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
        return dst;
    }
    uint64_t w = (unsigned char)c * 0x0101010101010101ull;
    for (; n >= 8; n -= 8, d += 8)
        __builtin_memcpy(d, &w, 8);
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int vr_memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;

    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

void *vr_memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

void *vr_memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = (const unsigned char *)s + n;

    while (n--)
        if (*--p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

void *vr_memccpy(void *restrict dst, const void *restrict src, int c, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    for (; n; n--) {
        *d = *s++;
        if (*d++ == (unsigned char)c)
            return d;
    }
    return NULL;
}

void *vr_mempcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return (unsigned char *)vr_memcpy(dst, src, n) + n;
}

/* ---- Two-Way search ---- */

/* Maximal suffix of n[0..l) for the order (rev ? > : <): returns its start - 1 and the
 * period in *period. */
static size_t maximal_suffix(const unsigned char *n, size_t l, int rev, size_t *period)
{
    size_t ip = (size_t)-1, jp = 0, k = 1, p = 1;

    while (jp + k < l) {
        unsigned char a = n[ip + k], b = n[jp + k];
        if (a == b) {
            if (k == p) {
                jp += p;
                k = 1;
            } else {
                k++;
            }
        } else if (rev ? a < b : a > b) {
            jp += k;
            k = 1;
            p = jp - ip;
        } else {
            ip = jp++;
            k = p = 1;
        }
    }
    *period = p;
    return ip;
}

static void *two_way(const unsigned char *h, size_t hl, const unsigned char *n, size_t l)
{
    size_t p, p2;
    size_t ms = maximal_suffix(n, l, 0, &p);
    size_t ms2 = maximal_suffix(n, l, 1, &p2);
    size_t mem0, mem = 0;
    const unsigned char *end = h + hl;

    /* The critical factorisation is the later of the two maximal suffixes. */
    if (ms2 + 1 > ms + 1) {
        ms = ms2;
        p = p2;
    }
    if (vr_memcmp(n, n + p, ms + 1) != 0) {
        /* Not periodic: shift past the larger half; no memory of matched prefix. */
        mem0 = 0;
        p = (ms > l - ms - 1 ? ms : l - ms - 1) + 1;
    } else {
        mem0 = l - p;
    }
    while ((size_t)(end - h) >= l) {
        size_t k = ms + 1 > mem ? ms + 1 : mem;
        while (k < l && n[k] == h[k])
            k++;
        if (k < l) {
            h += k - ms;
            mem = 0;
            continue;
        }
        for (k = ms + 1; k > mem && n[k - 1] == h[k - 1]; k--)
            ;
        if (k <= mem)
            return (void *)h;
        h += p;
        mem = mem0;
    }
    return NULL;
}

void *vr_memmem(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    const unsigned char *h = hay, *n = needle;

    if (nlen == 0)
        return (void *)h;
    if (hlen < nlen)
        return NULL;
    if (nlen == 1)
        return vr_memchr(h, n[0], hlen);
    /* Skip to the first occurrence of the first byte before the general algorithm. */
    const unsigned char *first = vr_memchr(h, n[0], hlen - nlen + 1);
    if (!first)
        return NULL;
    hlen -= (size_t)(first - h);
    return two_way(first, hlen, n, nlen);
}

char *vr_strstr(const char *hay, const char *needle)
{
    if (!needle[0])
        return (char *)hay;
    if (!needle[1])
        return vr_strchr(hay, needle[0]);
    return vr_memmem(hay, vr_strlen(hay), needle, vr_strlen(needle));
}

/* ---- strings ---- */

size_t vr_strlen(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t vr_strnlen(const char *s, size_t max)
{
    size_t i = 0;

    while (i < max && s[i])
        i++;
    return i;
}

char *vr_stpcpy(char *restrict dst, const char *restrict src)
{
    while ((*dst = *src++))
        dst++;
    return dst;
}

char *vr_strcpy(char *restrict dst, const char *restrict src)
{
    vr_stpcpy(dst, src);
    return dst;
}

char *vr_stpncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t len = vr_strnlen(src, n);

    vr_memcpy(dst, src, len);
    vr_memset(dst + len, 0, n - len);
    return dst + len;
}

char *vr_strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    vr_stpncpy(dst, src, n);
    return dst;
}

size_t vr_strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
    size_t len = vr_strlen(src);

    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        vr_memcpy(dst, src, n);
        dst[n] = 0;
    }
    return len;
}

size_t vr_strlcat(char *restrict dst, const char *restrict src, size_t size)
{
    size_t dlen = vr_strnlen(dst, size);

    if (dlen == size)
        return size + vr_strlen(src);
    return dlen + vr_strlcpy(dst + dlen, src, size - dlen);
}

char *vr_strcat(char *restrict dst, const char *restrict src)
{
    vr_strcpy(dst + vr_strlen(dst), src);
    return dst;
}

char *vr_strncat(char *restrict dst, const char *restrict src, size_t n)
{
    char *d = dst + vr_strlen(dst);
    size_t len = vr_strnlen(src, n);

    vr_memcpy(d, src, len);
    d[len] = 0;
    return dst;
}

int vr_strcmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    while (*p && *p == *q) {
        p++;
        q++;
    }
    return *p - *q;
}

int vr_strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    if (n == 0)
        return 0;
    while (--n && *p && *p == *q) {
        p++;
        q++;
    }
    return *p - *q;
}

/* The C locale collates by byte: the transform is a copy (of at most n bytes, like glibc,
 * even when it does not fit). */
size_t vr_strxfrm(char *restrict dst, const char *restrict src, size_t n)
{
    size_t len = vr_strlen(src);

    vr_memcpy(dst, src, len + 1 < n ? len + 1 : n);
    return len;
}

char *vr_strchrnul(const char *s, int c)
{
    while (*s && *s != (char)c)
        s++;
    return (char *)s;
}

char *vr_strchr(const char *s, int c)
{
    char *p = vr_strchrnul(s, c);

    return *p == (char)c ? p : NULL;
}

char *vr_strrchr(const char *s, int c)
{
    return vr_memrchr(s, c, vr_strlen(s) + 1);
}

/* A 256-bit set of the bytes in a NUL-terminated string. */
struct byteset {
    uint64_t w[4];
};

static void byteset_fill(struct byteset *set, const char *chars)
{
    set->w[0] = set->w[1] = set->w[2] = set->w[3] = 0;
    for (const unsigned char *p = (const unsigned char *)chars; *p; p++)
        set->w[*p >> 6] |= 1ull << (*p & 63);
}

static int byteset_has(const struct byteset *set, unsigned char c)
{
    return (set->w[c >> 6] >> (c & 63)) & 1;
}

size_t vr_strspn(const char *s, const char *accept)
{
    struct byteset set;
    size_t i = 0;

    byteset_fill(&set, accept);
    while (s[i] && byteset_has(&set, (unsigned char)s[i]))
        i++;
    return i;
}

size_t vr_strcspn(const char *s, const char *reject)
{
    struct byteset set;
    size_t i = 0;

    byteset_fill(&set, reject);
    while (s[i] && !byteset_has(&set, (unsigned char)s[i]))
        i++;
    return i;
}

char *vr_strpbrk(const char *s, const char *accept)
{
    s += vr_strcspn(s, accept);
    return *s ? (char *)s : NULL;
}

char *vr_strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
    if (!s)
        s = *save;
    if (!s)
        return NULL;
    s += vr_strspn(s, delim);
    if (!*s) {
        *save = NULL;
        return NULL;
    }
    char *end = s + vr_strcspn(s, delim);
    if (*end) {
        *end = 0;
        *save = end + 1;
    } else {
        *save = NULL;
    }
    return s;
}

char *vr_strsep(char **restrict sp, const char *restrict delim)
{
    char *s = *sp;

    if (!s)
        return NULL;
    char *end = s + vr_strcspn(s, delim);
    if (*end) {
        *end = 0;
        *sp = end + 1;
    } else {
        *sp = NULL;
    }
    return s;
}

#ifdef VERIDIAN_GUEST
#include <stdlib.h>
#include <string.h>

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen

VR_ALIAS(vr_memcpy, memcpy);
VR_ALIAS(vr_memmove, memmove);
VR_ALIAS(vr_memset, memset);
VR_ALIAS(vr_memcmp, memcmp);
VR_ALIAS(vr_memchr, memchr);
VR_ALIAS(vr_memrchr, memrchr);
VR_ALIAS(vr_memmem, memmem);
VR_ALIAS(vr_memccpy, memccpy);
VR_ALIAS(vr_mempcpy, mempcpy);
VR_ALIAS(vr_strlen, strlen);
VR_ALIAS(vr_strnlen, strnlen);
VR_ALIAS(vr_strcpy, strcpy);
VR_ALIAS(vr_strncpy, strncpy);
VR_ALIAS(vr_stpcpy, stpcpy);
VR_ALIAS(vr_stpncpy, stpncpy);
VR_ALIAS(vr_strlcpy, strlcpy);
VR_ALIAS(vr_strlcat, strlcat);
VR_ALIAS(vr_strcat, strcat);
VR_ALIAS(vr_strncat, strncat);
VR_ALIAS(vr_strcmp, strcmp);
VR_ALIAS(vr_strcmp, strcoll);
VR_ALIAS(vr_strncmp, strncmp);
VR_ALIAS(vr_strxfrm, strxfrm);
VR_ALIAS(vr_strchr, strchr);
VR_ALIAS(vr_strchrnul, strchrnul);
VR_ALIAS(vr_strrchr, strrchr);
VR_ALIAS(vr_strstr, strstr);
VR_ALIAS(vr_strspn, strspn);
VR_ALIAS(vr_strcspn, strcspn);
VR_ALIAS(vr_strpbrk, strpbrk);
VR_ALIAS(vr_strtok_r, strtok_r);
VR_ALIAS(vr_strsep, strsep);

char *strtok(char *restrict s, const char *restrict delim)
{
    /* Shared by all threads, as C allows; strtok_r is the thread-safe one. */
    static char *save;

    return vr_strtok_r(s, delim, &save);
}

char *strdup(const char *s)
{
    size_t n = vr_strlen(s) + 1;
    char *d = malloc(n);

    return d ? vr_memcpy(d, s, n) : NULL;
}

char *strndup(const char *s, size_t n)
{
    size_t len = vr_strnlen(s, n);
    char *d = malloc(len + 1);

    if (!d)
        return NULL;
    vr_memcpy(d, s, len);
    d[len] = 0;
    return d;
}
#endif
