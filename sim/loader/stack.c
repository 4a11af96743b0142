/*
 * vs_stack: initial process stack builder (see stack.h for the layout and the contract).
 *
 * Two passes over the spec: the first computes the layout with overflow-checked arithmetic on
 * guest addresses and fails with -VK_E2BIG before anything is written; the second zeroes
 * [sp, guest_top) and writes. Both passes walk the spec in the same order, so they agree.
 * Alignment is computed on guest addresses (what the program sees); host writes use memcpy,
 * so host_top needs no particular alignment.
 */
#include "stack.h"

#include <string.h>

#include "veridian/errors.h"
#include "vl_elf.h"

struct vs_stack_layout {
    uint64_t strings; /* guest address of the first string */
    uint64_t sp;      /* guest address of argc */
};

static uint8_t *host_at(uint8_t *host_top, uint64_t guest_top, uint64_t guest)
{
    return host_top - (guest_top - guest);
}

static void put_word(uint8_t *host_top, uint64_t guest_top, uint64_t guest, uint64_t value)
{
    memcpy(host_at(host_top, guest_top, guest), &value, sizeof(value));
}

/* Moves *cur down by len bytes, then to a multiple of align, staying at or above bottom. */
static int take(uint64_t *cur, uint64_t bottom, uint64_t len, uint64_t align)
{
    uint64_t at;

    if (len > *cur - bottom)
        return -VK_E2BIG;
    at = (*cur - len) & ~(align - 1);
    if (at < bottom)
        return -VK_E2BIG;
    *cur = at;
    return 0;
}

static int add_strings(const char *const *v, size_t n, uint64_t *total)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == NULL)
            return -VK_EINVAL;
        if (__builtin_add_overflow(*total, (uint64_t)strlen(v[i]) + 1, total))
            return -VK_E2BIG;
    }
    return 0;
}

static int check_spec(const struct vs_stack_spec *spec)
{
    if ((spec->argc != 0 && spec->argv == NULL) || (spec->envc != 0 && spec->envp == NULL) ||
        (spec->naux != 0 && spec->aux == NULL) || (spec->nblobs != 0 && spec->blobs == NULL))
        return -VK_EINVAL;
    for (size_t i = 0; i < spec->nblobs; i++) {
        if (spec->blobs[i].len != 0 && spec->blobs[i].data == NULL)
            return -VK_EINVAL;
    }
    return 0;
}

static int plan(const struct vs_stack_spec *spec, uint64_t guest_top, uint64_t bottom,
                struct vs_stack_layout *lay)
{
    uint64_t cur = guest_top, strings = 0, words, bytes;
    int rc;

    rc = add_strings(spec->argv, spec->argc, &strings);
    if (rc == 0)
        rc = add_strings(spec->envp, spec->envc, &strings);
    if (rc == 0)
        rc = take(&cur, bottom, strings, 1);
    if (rc != 0)
        return rc;
    lay->strings = cur;
    for (size_t i = 0; i < spec->nblobs; i++) {
        rc = take(&cur, bottom, spec->blobs[i].len, 16);
        if (rc != 0)
            return rc;
    }
    /* argc, argv + NULL, envp + NULL, (naux + nblobs + AT_NULL) pairs */
    if (__builtin_add_overflow(spec->naux, spec->nblobs, &words) ||
        __builtin_add_overflow(words, 1, &words) || __builtin_mul_overflow(words, 2, &words) ||
        __builtin_add_overflow(words, spec->argc, &words) ||
        __builtin_add_overflow(words, spec->envc, &words) ||
        __builtin_add_overflow(words, 3, &words) || __builtin_mul_overflow(words, 8, &bytes))
        return -VK_E2BIG;
    rc = take(&cur, bottom, bytes, 16);
    if (rc != 0)
        return rc;
    lay->sp = cur;
    return 0;
}

/* Copies n strings upward from *s and their addresses into the vector at *vec. */
static void write_strings(uint8_t *host_top, uint64_t guest_top, const char *const *v, size_t n,
                          uint64_t *s, uint64_t *vec)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(host_at(host_top, guest_top, *s), v[i], len);
        put_word(host_top, guest_top, *vec, *s);
        *s += len;
        *vec += 8;
    }
    put_word(host_top, guest_top, *vec, 0); /* the NULL terminator */
    *vec += 8;
}

int vs_stack_build(const struct vs_stack_spec *spec, uint8_t *host_top, uint64_t guest_top,
                   size_t size, uint64_t *sp_out)
{
    struct vs_stack_layout lay;
    uint64_t s, vec, blob;
    int rc;

    if (spec == NULL || host_top == NULL || sp_out == NULL || size > guest_top)
        return -VK_EINVAL;
    rc = check_spec(spec);
    if (rc == 0)
        rc = plan(spec, guest_top, guest_top - size, &lay);
    if (rc != 0)
        return rc;

    memset(host_at(host_top, guest_top, lay.sp), 0, guest_top - lay.sp);
    vec = lay.sp;
    put_word(host_top, guest_top, vec, spec->argc);
    vec += 8;
    s = lay.strings;
    write_strings(host_top, guest_top, spec->argv, spec->argc, &s, &vec);
    write_strings(host_top, guest_top, spec->envp, spec->envc, &s, &vec);
    for (size_t i = 0; i < spec->naux; i++) {
        put_word(host_top, guest_top, vec, spec->aux[i].type);
        put_word(host_top, guest_top, vec + 8, spec->aux[i].value);
        vec += 16;
    }
    blob = lay.strings;
    for (size_t i = 0; i < spec->nblobs; i++) {
        const struct vs_blob *b = &spec->blobs[i];
        blob = (blob - b->len) & ~(uint64_t)15; /* as plan() placed it */
        if (b->len != 0)
            memcpy(host_at(host_top, guest_top, blob), b->data, b->len);
        put_word(host_top, guest_top, vec, b->type);
        put_word(host_top, guest_top, vec + 8, blob);
        vec += 16;
    }
    put_word(host_top, guest_top, vec, VL_AT_NULL);
    put_word(host_top, guest_top, vec + 8, 0);
    *sp_out = lay.sp;
    return 0;
}
