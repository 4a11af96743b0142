/*
 * vl_elf_stack: a new process's initial stack and its aux vector (see vl_elf.h for the layout
 * and the module's contract).
 *
 * Two passes over the spec: the first computes the layout with overflow-checked arithmetic on
 * guest addresses and fails with -VK_E2BIG before anything is written; the second zeroes
 * [sp, guest_top) and writes. Both passes walk the spec in the same order, so they agree.
 * Alignment is computed on guest addresses (what the program sees); host writes are byte
 * copies, so host_top needs no particular alignment.
 *
 * Portable like the rest of vl_elf: no libc headers; copies and fills go through the
 * compiler's builtins, string lengths through str_len below.
 */
#include "vl_elf.h"

#include <stddef.h>
#include <stdint.h>

#include "veridian/errors.h"

struct vl_elf_stack_layout {
    uint64_t strings; /* guest address of the first string */
    uint64_t sp;      /* guest address of argc */
};

static size_t str_len(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

static uint8_t *host_at(uint8_t *host_top, uint64_t guest_top, uint64_t guest)
{
    return host_top - (guest_top - guest);
}

static void put_word(uint8_t *host_top, uint64_t guest_top, uint64_t guest, uint64_t value)
{
    __builtin_memcpy(host_at(host_top, guest_top, guest), &value, sizeof(value));
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
        if (__builtin_add_overflow(*total, (uint64_t)str_len(v[i]) + 1, total))
            return -VK_E2BIG;
    }
    return 0;
}

static int check_spec(const struct vl_elf_stack_spec *spec)
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

static int plan(const struct vl_elf_stack_spec *spec, uint64_t guest_top, uint64_t bottom,
                struct vl_elf_stack_layout *lay)
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
        size_t len = str_len(v[i]) + 1;
        __builtin_memcpy(host_at(host_top, guest_top, *s), v[i], len);
        put_word(host_top, guest_top, *vec, *s);
        *s += len;
        *vec += 8;
    }
    put_word(host_top, guest_top, *vec, 0); /* the NULL terminator */
    *vec += 8;
}

int vl_elf_stack_build(const struct vl_elf_stack_spec *spec, uint8_t *host_top, uint64_t guest_top,
                       size_t size, uint64_t *sp_out)
{
    struct vl_elf_stack_layout lay;
    uint64_t s, vec, blob;
    int rc;

    if (spec == NULL || host_top == NULL || sp_out == NULL || size > guest_top)
        return -VK_EINVAL;
    rc = check_spec(spec);
    if (rc == 0)
        rc = plan(spec, guest_top, guest_top - size, &lay);
    if (rc != 0)
        return rc;

    __builtin_memset(host_at(host_top, guest_top, lay.sp), 0, guest_top - lay.sp);
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
        const struct vl_elf_blob *b = &spec->blobs[i];
        blob = (blob - b->len) & ~(uint64_t)15; /* as plan() placed it */
        if (b->len != 0)
            __builtin_memcpy(host_at(host_top, guest_top, blob), b->data, b->len);
        put_word(host_top, guest_top, vec, b->type);
        put_word(host_top, guest_top, vec + 8, blob);
        vec += 16;
    }
    put_word(host_top, guest_top, vec, VL_AT_NULL);
    put_word(host_top, guest_top, vec + 8, 0);
    *sp_out = lay.sp;
    return 0;
}

int vl_elf_start_stack(const struct vl_elf_info *info, const struct vl_elf_start *start,
                       uint8_t *host_top, uint64_t guest_top, size_t size, uint64_t *sp_out)
{
    if (info == NULL || start == NULL)
        return -VK_EINVAL;
    if (start->nhandles > SIZE_MAX / sizeof(struct vk_start_handle))
        return -VK_E2BIG;
    const struct vl_elf_aux aux[] = {
        {VL_AT_PHDR, start->base + info->phdr_vaddr},
        {VL_AT_PHENT, info->phentsize},
        {VL_AT_PHNUM, info->phnum},
        {VL_AT_PAGESZ, VL_ELF_PAGE},
        {VL_AT_ENTRY, start->base + info->entry},
        {AT_VERIDIAN_KCALL, start->kcall},
        {AT_VERIDIAN_SELF, start->self},
        {AT_VERIDIAN_NHANDLES, start->nhandles},
        {AT_VERIDIAN_PID, start->pid},
        {AT_VERIDIAN_PPID, start->ppid},
    };
    const struct vl_elf_blob blobs[] = {
        {VL_AT_RANDOM, start->random, sizeof(start->random)},
        {AT_VERIDIAN_HANDLES, start->handles, start->nhandles * sizeof(struct vk_start_handle)},
    };
    const struct vl_elf_stack_spec spec = {
        .argv = start->argv,
        .argc = start->argc,
        .envp = start->envp,
        .envc = start->envc,
        .aux = aux,
        .naux = sizeof(aux) / sizeof(aux[0]),
        .blobs = blobs,
        .nblobs = start->nhandles != 0 ? 2 : 1,
    };

    return vl_elf_stack_build(&spec, host_top, guest_top, size, sp_out);
}
