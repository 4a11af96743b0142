/*
 * Unit tests for vl_elf's initial stack (os/lib/elf/vl_elf_stack.c): the System V initial stack
 * read back word by word with guest addresses translated to the host buffer, alignment over
 * many shapes, blobs, zeroed padding, and -VK_E2BIG with no write outside the stack area; then
 * the aux vector vl_elf_start_stack() builds for a Veridian process from a parsed image.
 *
 * The host buffer is surrounded by guard bytes and the guest addresses differ from the host
 * ones, so a host/guest mix-up or a stray write shows up. Buffers hang off `t`; the teardown
 * frees them.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "veridian/errors.h"
#include "veridian/kcall.h"
#include "vl_elf.h"

Suite *elf_stack_suite(void);

#define GUARD 256
#define GUARD_BYTE 0xe5
#define FILL_BYTE 0xaa
#define GUEST_TOP 0x7ffff000ull

struct stack_test {
    uint8_t *mem; /* GUARD | stack area (size) | GUARD */
    size_t size;
    uint64_t guest_top;
    uint64_t sp;
};

static struct stack_test t;

static uint8_t *host_top(void)
{
    return t.mem + GUARD + t.size;
}

static void alloc_stack(size_t size, uint64_t guest_top)
{
    free(t.mem);
    t.mem = malloc(size + 2 * GUARD);
    ck_assert_ptr_nonnull(t.mem);
    memset(t.mem, GUARD_BYTE, GUARD);
    memset(t.mem + GUARD, FILL_BYTE, size);
    memset(t.mem + GUARD + size, GUARD_BYTE, GUARD);
    t.size = size;
    t.guest_top = guest_top;
}

static void setup(void)
{
    memset(&t, 0, sizeof(t));
    alloc_stack(4096, GUEST_TOP);
}

static void teardown(void)
{
    free(t.mem);
    memset(&t, 0, sizeof(t));
}

static void check_guards(void)
{
    for (size_t i = 0; i < GUARD; i++) {
        ck_assert_msg(t.mem[i] == GUARD_BYTE, "write below the stack area");
        ck_assert_msg(t.mem[GUARD + t.size + i] == GUARD_BYTE, "write above the stack area");
    }
}

/* Host pointer for `len` bytes at guest address g, which must be inside the stack area. */
static const uint8_t *at(uint64_t g, size_t len)
{
    ck_assert_uint_ge(g, t.guest_top - t.size);
    ck_assert_uint_le(len, t.guest_top - g);
    return host_top() - (t.guest_top - g);
}

static uint64_t word(uint64_t g)
{
    uint64_t v;

    memcpy(&v, at(g, 8), 8);
    return v;
}

static const char *str(uint64_t g)
{
    const char *s = (const char *)at(g, 1);

    ck_assert_uint_lt(strnlen(s, t.guest_top - g), t.guest_top - g); /* terminated inside */
    return s;
}

static int build(const struct vl_elf_stack_spec *spec)
{
    return vl_elf_stack_build(spec, host_top(), t.guest_top, t.size, &t.sp);
}

/* Reads the whole vector back and compares it with the spec. Returns the AT_NULL address. */
static uint64_t check_layout(const struct vl_elf_stack_spec *spec)
{
    uint64_t g = t.sp;

    ck_assert_uint_eq(t.sp % 16, 0);
    ck_assert_uint_eq(word(g), spec->argc);
    g += 8;
    for (size_t i = 0; i < spec->argc; i++, g += 8)
        ck_assert_str_eq(str(word(g)), spec->argv[i]);
    ck_assert_uint_eq(word(g), 0);
    g += 8;
    for (size_t i = 0; i < spec->envc; i++, g += 8)
        ck_assert_str_eq(str(word(g)), spec->envp[i]);
    ck_assert_uint_eq(word(g), 0);
    g += 8;
    for (size_t i = 0; i < spec->naux; i++, g += 16) {
        ck_assert_uint_eq(word(g), spec->aux[i].type);
        ck_assert_uint_eq(word(g + 8), spec->aux[i].value);
    }
    for (size_t i = 0; i < spec->nblobs; i++, g += 16) {
        const struct vl_elf_blob *b = &spec->blobs[i];
        uint64_t addr = word(g + 8);
        ck_assert_uint_eq(word(g), b->type);
        ck_assert_uint_eq(addr % 16, 0);
        ck_assert_uint_gt(addr, g + 16); /* above the vector */
        if (b->len != 0)
            ck_assert_mem_eq(at(addr, b->len), b->data, b->len);
    }
    ck_assert_uint_eq(word(g), VL_AT_NULL);
    ck_assert_uint_eq(word(g + 8), 0);
    check_guards();
    return g;
}

static const uint8_t random16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

START_TEST(test_layout)
{
    static const char *const argv[] = {"/bin/vsh", "-c", "echo hi"};
    static const char *const envp[] = {"PATH=/bin", "HOME=/"};
    static const struct vl_elf_aux aux[] = {
        {VL_AT_PHDR, 0x200000400040ull},
        {VL_AT_PHENT, 56},
        {VL_AT_PAGESZ, 4096},
        {VL_AT_ENTRY, 0x200000401000ull},
        {AT_VERIDIAN_KCALL, 0x200000000000ull},
    };
    static const struct vk_start_handle handles[2] = {{0x1001, VK_ROLE_STDIN},
                                                      {0x1002, VK_ROLE_STDOUT}};
    const struct vl_elf_blob blobs[] = {
        {VL_AT_RANDOM, random16, sizeof(random16)},
        {AT_VERIDIAN_HANDLES, handles, sizeof(handles)},
    };
    const struct vl_elf_stack_spec spec = {argv, 3, envp, 2, aux, 5, blobs, 2};
    uint64_t last;

    ck_assert_int_eq(build(&spec), 0);
    ck_assert_uint_lt(t.sp, t.guest_top);
    ck_assert_uint_ge(t.sp, t.guest_top - t.size);
    last = check_layout(&spec);
    /* the vector is 1 + 3 + 1 + 2 + 1 words and 8 pairs */
    ck_assert_uint_eq(last + 16 - t.sp, (8 + 2 * 8) * 8);
}
END_TEST

START_TEST(test_empty)
{
    const struct vl_elf_stack_spec spec = {0};

    ck_assert_int_eq(build(&spec), 0);
    ck_assert_uint_eq(t.sp, t.guest_top - 48); /* argc, NULL, NULL, AT_NULL pair = 40 -> 48 */
    check_layout(&spec);
}
END_TEST

/* Every byte from sp to the top is data or zero: built over two different earlier contents
 * (a recycled stack's), the results are identical, and nothing below sp is touched. */
START_TEST(test_padding_zeroed)
{
    static const char *const argv[] = {"a", "bc", "def"};
    const struct vl_elf_blob blobs[] = {{VL_AT_RANDOM, random16, 3}};
    const struct vl_elf_stack_spec spec = {argv, 3, NULL, 0, NULL, 0, blobs, 1};
    uint8_t first[4096];
    uint64_t sp;

    ck_assert_int_eq(build(&spec), 0);
    check_layout(&spec);
    sp = t.sp;
    memcpy(first, t.mem + GUARD, t.size);
    memset(t.mem + GUARD, ~FILL_BYTE & 0xff, t.size);
    ck_assert_int_eq(build(&spec), 0);
    ck_assert_uint_eq(t.sp, sp);
    ck_assert_mem_eq(at(sp, t.guest_top - sp), first + t.size - (t.guest_top - sp),
                     t.guest_top - sp);
    for (uint64_t g = t.guest_top - t.size; g < sp; g++)
        ck_assert_msg(first[g - (t.guest_top - t.size)] == FILL_BYTE, "byte below sp written");
}
END_TEST

/* Many shapes and an unaligned top: sp is always 16-byte aligned and the layout reads back. */
START_TEST(test_alignment)
{
    static const char *const strings[] = {"", "x", "yy", "zzz", "0123456789abcdef", "q"};
    static const struct vl_elf_aux aux[] = {{VL_AT_PAGESZ, 4096}, {VL_AT_ENTRY, 0x1000}};
    static const uint64_t tops[] = {GUEST_TOP, GUEST_TOP + 8, GUEST_TOP + 3, GUEST_TOP + 15};

    for (size_t ti = 0; ti < sizeof(tops) / sizeof(tops[0]); ti++) {
        for (size_t argc = 0; argc <= 6; argc++) {
            for (size_t envc = 0; envc <= 3; envc++) {
                for (size_t blen = 0; blen <= 17; blen += 5) {
                    const struct vl_elf_blob blobs[] = {
                        {VL_AT_RANDOM, random16, blen > 16 ? 16 : blen},
                        {AT_VERIDIAN_HANDLES, random16, blen / 2}};
                    const struct vl_elf_stack_spec spec = {.argv = strings,
                                                           .argc = argc,
                                                           .envp = strings + 2,
                                                           .envc = envc,
                                                           .aux = aux,
                                                           .naux = argc % 3,
                                                           .blobs = blobs,
                                                           .nblobs = envc % 3};
                    alloc_stack(1024, tops[ti]);
                    ck_assert_int_eq(build(&spec), 0);
                    check_layout(&spec);
                }
            }
        }
    }
}
END_TEST

/* Shrinking the area one byte at a time: E2BIG below the minimum, never a write outside. */
START_TEST(test_e2big)
{
    static const char *const argv[] = {"/bin/prog", "--flag", "argument"};
    static const char *const envp[] = {"A=1"};
    static const struct vl_elf_aux aux[] = {{VL_AT_PAGESZ, 4096}};
    const struct vl_elf_blob blobs[] = {{VL_AT_RANDOM, random16, 16}};
    const struct vl_elf_stack_spec spec = {argv, 3, envp, 1, aux, 1, blobs, 1};
    size_t need;

    ck_assert_int_eq(build(&spec), 0);
    need = t.guest_top - t.sp;
    for (size_t size = 0; size <= need; size++) {
        alloc_stack(size, GUEST_TOP);
        if (size < need) {
            ck_assert_int_eq(build(&spec), -VK_E2BIG);
            for (size_t i = 0; i < size; i++)
                ck_assert_msg(t.mem[GUARD + i] == FILL_BYTE, "write on E2BIG");
            check_guards();
        } else {
            ck_assert_int_eq(build(&spec), 0);
            check_layout(&spec);
        }
    }
}
END_TEST

START_TEST(test_huge_blob)
{
    const struct vl_elf_blob blobs[] = {{VL_AT_RANDOM, random16, SIZE_MAX}};
    const struct vl_elf_stack_spec spec = {.blobs = blobs, .nblobs = 1};

    ck_assert_int_eq(build(&spec), -VK_E2BIG);
    check_guards();
}
END_TEST

START_TEST(test_huge_counts)
{
    static const struct vl_elf_aux aux[1];
    const struct vl_elf_stack_spec spec = {.aux = aux, .naux = SIZE_MAX / 2};

    /* the size arithmetic overflows before anything is read */
    ck_assert_int_eq(build(&spec), -VK_E2BIG);
    check_guards();
}
END_TEST

START_TEST(test_invalid)
{
    static const char *const argv[] = {"a", NULL};
    const struct vl_elf_stack_spec bad_argv = {.argv = argv, .argc = 2};
    const struct vl_elf_stack_spec no_envp = {.envc = 1};
    const struct vl_elf_blob blobs[] = {{VL_AT_RANDOM, NULL, 16}};
    const struct vl_elf_stack_spec bad_blob = {.blobs = blobs, .nblobs = 1};
    const struct vl_elf_stack_spec ok = {0};
    uint64_t sp;

    ck_assert_int_eq(build(&bad_argv), -VK_EINVAL);
    ck_assert_int_eq(build(&no_envp), -VK_EINVAL);
    ck_assert_int_eq(build(&bad_blob), -VK_EINVAL);
    ck_assert_int_eq(vl_elf_stack_build(NULL, host_top(), t.guest_top, t.size, &sp), -VK_EINVAL);
    ck_assert_int_eq(vl_elf_stack_build(&ok, NULL, t.guest_top, t.size, &sp), -VK_EINVAL);
    ck_assert_int_eq(vl_elf_stack_build(&ok, host_top(), t.guest_top, t.size, NULL), -VK_EINVAL);
    ck_assert_int_eq(vl_elf_stack_build(&ok, host_top(), 100, t.size, &sp), -VK_EINVAL);
    check_guards();
}
END_TEST

/* ================================ the Veridian aux vector ================================ */

#define START_BASE 0x200004000000ull

static const struct vl_elf_info start_info = {
    .entry = 0x1234, .span = 0x8000, .phdr_vaddr = 0x40, .phnum = 7, .phentsize = 56, .nloads = 1};

static int start(const struct vl_elf_start *st)
{
    return vl_elf_start_stack(&start_info, st, host_top(), t.guest_top, t.size, &t.sp);
}

/* Every pair in the documented order and with the documented value; the blobs hold the
 * random bytes and the handle array. */
START_TEST(test_start_vector)
{
    static const char *const argv[] = {"/bin/svc", "status"};
    static const char *const envp[] = {"PATH=/bin"};
    static const struct vk_start_handle handles[3] = {
        {0x1001, VK_ROLE_STDIN}, {0x1002, VK_ROLE_STDOUT}, {0x1003, VK_ROLE_STDERR}};
    struct vl_elf_start st = {.argv = argv,
                              .argc = 2,
                              .envp = envp,
                              .envc = 1,
                              .base = START_BASE,
                              .kcall = 0x200000000000ull,
                              .self = 0x200007ffb000ull,
                              .pid = 42,
                              .ppid = 7,
                              .handles = handles,
                              .nhandles = 3};
    const struct vl_elf_aux aux[] = {
        {VL_AT_PHDR, START_BASE + 0x40},
        {VL_AT_PHENT, 56},
        {VL_AT_PHNUM, 7},
        {VL_AT_PAGESZ, 4096},
        {VL_AT_ENTRY, START_BASE + 0x1234},
        {AT_VERIDIAN_KCALL, 0x200000000000ull},
        {AT_VERIDIAN_SELF, 0x200007ffb000ull},
        {AT_VERIDIAN_NHANDLES, 3},
        {AT_VERIDIAN_PID, 42},
        {AT_VERIDIAN_PPID, 7},
    };
    const struct vl_elf_blob blobs[] = {
        {VL_AT_RANDOM, random16, sizeof(random16)},
        {AT_VERIDIAN_HANDLES, handles, sizeof(handles)},
    };
    const struct vl_elf_stack_spec want = {argv, 2, envp, 1, aux, 10, blobs, 2};
    uint64_t sp;

    memcpy(st.random, random16, sizeof(random16));
    ck_assert_int_eq(start(&st), 0);
    check_layout(&want);
    /* the same as building that spec by hand, byte for byte */
    sp = t.sp;
    uint8_t *first = malloc(t.size);
    ck_assert_ptr_nonnull(first);
    memcpy(first, t.mem + GUARD, t.size);
    ck_assert_int_eq(build(&want), 0);
    ck_assert_uint_eq(t.sp, sp);
    ck_assert_mem_eq(t.mem + GUARD, first, t.size);
    free(first);
}
END_TEST

/* No handles: AT_VERIDIAN_NHANDLES is 0 and there is no AT_VERIDIAN_HANDLES pair. */
START_TEST(test_start_no_handles)
{
    struct vl_elf_start st = {.base = START_BASE, .kcall = 0x200000000000ull, .pid = 1};
    const struct vl_elf_aux aux[] = {
        {VL_AT_PHDR, START_BASE + 0x40},
        {VL_AT_PHENT, 56},
        {VL_AT_PHNUM, 7},
        {VL_AT_PAGESZ, 4096},
        {VL_AT_ENTRY, START_BASE + 0x1234},
        {AT_VERIDIAN_KCALL, 0x200000000000ull},
        {AT_VERIDIAN_SELF, 0},
        {AT_VERIDIAN_NHANDLES, 0},
        {AT_VERIDIAN_PID, 1},
        {AT_VERIDIAN_PPID, 0},
    };
    const struct vl_elf_blob blobs[] = {{VL_AT_RANDOM, st.random, sizeof(st.random)}};
    const struct vl_elf_stack_spec want = {NULL, 0, NULL, 0, aux, 10, blobs, 1};

    memset(st.random, 0x77, sizeof(st.random));
    ck_assert_int_eq(start(&st), 0);
    check_layout(&want);
}
END_TEST

START_TEST(test_start_invalid)
{
    static const struct vk_start_handle handles[1] = {{0x1001, VK_ROLE_STDIN}};
    struct vl_elf_start st = {.base = START_BASE};
    uint64_t sp;

    ck_assert_int_eq(vl_elf_start_stack(NULL, &st, host_top(), t.guest_top, t.size, &sp),
                     -VK_EINVAL);
    ck_assert_int_eq(vl_elf_start_stack(&start_info, NULL, host_top(), t.guest_top, t.size, &sp),
                     -VK_EINVAL);
    st.nhandles = 1; /* handles NULL */
    ck_assert_int_eq(start(&st), -VK_EINVAL);
    st.handles = handles;
    st.nhandles = SIZE_MAX / 4; /* the array's size overflows */
    ck_assert_int_eq(start(&st), -VK_E2BIG);
    st.nhandles = SIZE_MAX / 16; /* does not overflow, does not fit */
    ck_assert_int_eq(start(&st), -VK_E2BIG);
    for (size_t i = 0; i < t.size; i++)
        ck_assert_msg(t.mem[GUARD + i] == FILL_BYTE, "write on a refused start");
    check_guards();
}
END_TEST

Suite *elf_stack_suite(void)
{
    Suite *s = suite_create("elf_stack");
    TCase *tc = tcase_create("stack");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_padding_zeroed);
    tcase_add_test(tc, test_alignment);
    tcase_add_test(tc, test_e2big);
    tcase_add_test(tc, test_huge_blob);
    tcase_add_test(tc, test_huge_counts);
    tcase_add_test(tc, test_invalid);
    tcase_add_test(tc, test_start_vector);
    tcase_add_test(tc, test_start_no_handles);
    tcase_add_test(tc, test_start_invalid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(elf_stack_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
