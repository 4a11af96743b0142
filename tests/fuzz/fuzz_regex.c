/*
 * libveridian's regex engine (libveridian/src/regex.c) on arbitrary patterns and texts:
 * regcomp must accept or refuse without crashing, leaking or running away, and regexec must
 * report sane offsets (inside the text, start <= end, subexpressions inside the match's
 * text). Input: byte 0 = cflags (low 4 bits), byte 1 = eflags (low 2 bits), then the
 * pattern up to the first NUL, then the text. Sizes are capped so one input stays cheap
 * (the Pike VM's work is pattern x text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "regex_engine.h"

static void *fz_alloc(size_t n)
{
    return malloc(n);
}

static void fz_free(void *p)
{
    free(p);
}

static const struct vr_regex_alloc fz_a = {fz_alloc, fz_free};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int cflags = data[0] & 15, eflags = data[1] & 3;
    data += 2;
    size -= 2;
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    if (plen > 48)
        return 0;
    char pat[49];
    memcpy(pat, data, plen);
    pat[plen] = 0;
    const char *text = nul ? (const char *)nul + 1 : "";
    size_t tlen = nul ? size - plen - 1 : 0;
    if (tlen > 256)
        tlen = 256;
    struct vr_regex re;
    if (vr_regcomp(&re, pat, cflags, &fz_a))
        return 0;
    struct vr_regmatch m[10];
    int rc = vr_regexec(&re, text, tlen, 10, m, eflags, &fz_a);
    if (rc == 0 && !(cflags & VR_REG_NOSUB)) {
        if (m[0].rm_so < 0 || m[0].rm_so > m[0].rm_eo || (size_t)m[0].rm_eo > tlen)
            abort();
        for (int i = 1; i < 10; i++)
            if (m[i].rm_so != -1 &&
                (m[i].rm_so > m[i].rm_eo || m[i].rm_so < 0 || (size_t)m[i].rm_eo > tlen))
                abort();
    } else if (rc != 0 && rc != VR_REG_NOMATCH && rc != VR_REG_ESPACE) {
        abort();
    }
    vr_regfree(&re, &fz_a);
    return 0;
}
