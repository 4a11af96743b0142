/*
 * <strings.h>: ASCII case-insensitive comparison (the C locale's only case mapping) and
 * ffs. Engine file: see core.h.
 */
#include "core.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int vr_strcasecmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    while (*p && lower(*p) == lower(*q)) {
        p++;
        q++;
    }
    return lower(*p) - lower(*q);
}

int vr_strncasecmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

    if (n == 0)
        return 0;
    while (--n && *p && lower(*p) == lower(*q)) {
        p++;
        q++;
    }
    return lower(*p) - lower(*q);
}

int vr_ffs(int i)
{
    return __builtin_ffs(i);
}

int vr_ffsl(long i)
{
    return __builtin_ffsl(i);
}

int vr_ffsll(long long i)
{
    return __builtin_ffsll(i);
}

#ifdef VERIDIAN_GUEST
#include <strings.h>

VR_ALIAS(vr_strcasecmp, strcasecmp);
VR_ALIAS(vr_strncasecmp, strncasecmp);
VR_ALIAS(vr_ffs, ffs);
VR_ALIAS(vr_ffsl, ffsl);
VR_ALIAS(vr_ffsll, ffsll);
#endif
