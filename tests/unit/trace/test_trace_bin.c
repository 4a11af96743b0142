/*
 * Unit tests for sim/trace/trace_bin: a trace written and read back is the same trace
 * (events, strings by id, digest, dropped count); the reader refuses every truncation and
 * every single-byte change of a file (the header's sizes, the checksum, an event's string id)
 * with a reason, and other versions and files that are not traces. Every test frees what it
 * made; the ASan build checks for leaks.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/trace/hash_image.h"
#include "sim/trace/trace.h"
#include "sim/trace/trace_bin.h"
#include "veridian/errors.h"

static struct vs_trace tr;
static char *buf;
static size_t len;

static void setup(void)
{
    memset(&tr, 0, sizeof tr);
    buf = NULL;
    len = 0;
    ck_assert_int_eq(vs_trace_init(&tr, 64, 1), 0);
    for (uint32_t i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%u", i % 7);
        struct vs_trace_event e = {.time = 1000 + i,
                                   .kind = 1 + i % (VS_TR_KIND_COUNT - 1),
                                   .pid = i % 5,
                                   .tid = i % 3,
                                   .str = i % 4 ? 0 : vs_trace_intern(&tr, name, strlen(name)),
                                   .a = {i, i * 3, ~(uint64_t)i, 7, 0}};
        vs_trace_emit(&tr, &e);
    }
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vs_trace_write_bin(&tr, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

static void teardown(void)
{
    vs_trace_fini(&tr);
    free(buf);
}

static int read_back(const void *b, size_t n, struct vs_trace_file *tf, char *err, size_t elen)
{
    FILE *f = fmemopen((void *)b, n ? n : 1, "rb");
    ck_assert_ptr_nonnull(f);
    if (!n) /* fmemopen needs a size: an empty file is one read nothing from */
        fgetc(f);
    int rc = vs_trace_read_bin(f, tf, err, elen);
    fclose(f);
    return rc;
}

START_TEST(test_round_trip)
{
    struct vs_trace_file tf;
    char err[256] = "";
    ck_assert_int_eq(read_back(buf, len, &tf, err, sizeof err), 0);
    ck_assert_uint_eq(tf.nev, 300);
    ck_assert_uint_eq(vs_trace_bin_size(&tr), len); /* what a LOG's TRACE record announces */
    ck_assert_uint_eq(tf.digest, vs_trace_digest(&tr));
    ck_assert_uint_eq(tf.dropped, 0);
    ck_assert_int_eq(memcmp(tf.ev, tr.log, 300 * sizeof *tf.ev), 0);
    ck_assert_uint_eq(tf.nstr, tr.strtab.count);
    for (uint32_t id = 1; id <= tf.nstr; id++) {
        size_t a, b;
        const char *x = vs_trace_file_string(&tf, id, &a), *y = vs_trace_string(&tr, id, &b);
        ck_assert_uint_eq(a, b);
        ck_assert_int_eq(memcmp(x, y, a), 0);
    }
    ck_assert_ptr_null(vs_trace_file_string(&tf, 0, NULL));
    ck_assert_ptr_null(vs_trace_file_string(&tf, (uint32_t)tf.nstr + 1, NULL));
    vs_trace_file_free(&tf);
}
END_TEST

START_TEST(test_needs_full_log)
{
    struct vs_trace ring;
    ck_assert_int_eq(vs_trace_init(&ring, 64, 0), 0);
    FILE *f = fopen("/dev/null", "wb");
    ck_assert_int_eq(vs_trace_write_bin(&ring, f), -VK_EINVAL);
    fclose(f);
    vs_trace_fini(&ring);
}
END_TEST

START_TEST(test_every_truncation_refused)
{
    struct vs_trace_file tf;
    char err[256];
    for (size_t n = 0; n < len; n += n < 200 ? 1 : 61) {
        err[0] = 0;
        ck_assert_int_eq(read_back(buf, n, &tf, err, sizeof err), -VK_EINVAL);
        ck_assert_msg(err[0], "no reason for a file cut at %zu", n);
    }
}
END_TEST

START_TEST(test_every_byte_change_refused)
{
    struct vs_trace_file tf;
    char err[256];
    char *copy = malloc(len);
    ck_assert_ptr_nonnull(copy);
    for (size_t i = 0; i < len; i++) {
        if (i >= 40 && i < 56)
            continue; /* digest and dropped: what the run reported, not checked */
        memcpy(copy, buf, len);
        copy[i] ^= 0x20;
        err[0] = 0;
        int rc = read_back(copy, len, &tf, err, sizeof err);
        if (rc == 0)
            vs_trace_file_free(&tf);
        ck_assert_msg(rc == -VK_EINVAL && err[0], "byte %zu changed: accepted", i);
    }
    free(copy);
}
END_TEST

START_TEST(test_other_version_and_not_a_trace)
{
    struct vs_trace_file tf;
    char err[256];
    buf[8] = 2;
    ck_assert_int_eq(read_back(buf, len, &tf, err, sizeof err), -VK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "version 2"));
    static const char junk[100] = "VRTRACX";
    ck_assert_int_eq(read_back(junk, sizeof junk, &tf, err, sizeof err), -VK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not a vrsim binary trace"));
}
END_TEST

START_TEST(test_fast_hash)
{
    uint8_t b[200];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 7);
    uint64_t h = vs_hash_fast(b, sizeof b);
    ck_assert_uint_eq(h, vs_hash_fast(b, sizeof b));
    for (size_t i = 0; i < sizeof b; i++) { /* any byte, in a stripe or in the tail */
        b[i] ^= 1;
        ck_assert_uint_ne(vs_hash_fast(b, sizeof b), h);
        b[i] ^= 1;
    }
    ck_assert_uint_ne(vs_hash_fast(b, 199), h);
}
END_TEST

/* The streaming form against the one-shot hash: every length up to 300, cut into pieces of
 * every size pattern a writer produces (1 byte at a time, odd sizes, whole stripes). */
START_TEST(test_hash_stream_matches)
{
    uint8_t b[300];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 131 + 7);
    static const size_t pieces[] = {1, 3, 7, 31, 32, 33, 64, 100};
    for (size_t total = 0; total <= sizeof b; total++) {
        for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
            struct vs_hash_stream s;
            vs_hash_stream_init(&s);
            for (size_t o = 0; o < total;) {
                size_t piece = pieces[(k + o) % (sizeof pieces / sizeof pieces[0])];
                if (piece > total - o)
                    piece = total - o;
                vs_hash_stream_update(&s, b + o, piece);
                o += piece;
            }
            vs_hash_stream_update(&s, b, 0);
            ck_assert_uint_eq(vs_hash_stream_final(&s), vs_hash_fast(b, total));
        }
    }
}
END_TEST

/* vs_hash_image: fed in pieces it gives the one-shot value; every single-bit change of an
 * input of several scramble blocks (64-byte stripes, 16 to a block, and a tail) moves it, and
 * so does swapping two stripes or two blocks (where a word lies counts). */
START_TEST(test_hash_image)
{
    enum { N = 64 * 40 + 21 };
    static uint8_t b[N];
    for (size_t i = 0; i < N; i++)
        b[i] = (uint8_t)(i * 37 + (i >> 8));
    uint64_t h = vs_hash_image(b, N);
    static const size_t pieces[] = {1, 63, 64, 65, 1000, 7};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        struct vs_image_hash s;
        vs_image_hash_init(&s);
        for (size_t o = 0; o < N;) {
            size_t piece = pieces[(k + o) % (sizeof pieces / sizeof pieces[0])];
            if (piece > N - o)
                piece = N - o;
            vs_image_hash_update(&s, b + o, piece);
            o += piece;
        }
        ck_assert_uint_eq(vs_image_hash_final(&s), h);
    }
    for (size_t i = 0; i < N; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            b[i] ^= (uint8_t)(1u << bit);
            ck_assert_uint_ne(vs_hash_image(b, N), h);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    uint8_t t[64 * 16];
    memcpy(t, b + 64, 64); /* stripes 1 and 2 swapped */
    memcpy(b + 64, b + 128, 64);
    memcpy(b + 128, t, 64);
    ck_assert_uint_ne(vs_hash_image(b, N), h);
    memcpy(b + 128, b + 64, 64);
    memcpy(b + 64, t, 64);
    ck_assert_uint_eq(vs_hash_image(b, N), h);
    memcpy(t, b, sizeof t); /* blocks 0 and 1 swapped */
    memcpy(b, b + sizeof t, sizeof t);
    memcpy(b + sizeof t, t, sizeof t);
    ck_assert_uint_ne(vs_hash_image(b, N), h);
    ck_assert_uint_ne(vs_hash_image(b, N - 1), vs_hash_image(b, N));
    ck_assert_uint_ne(vs_hash_image("", 0), vs_hash_image("\0", 1));
}
END_TEST

Suite *trace_bin_suite(void);

Suite *trace_bin_suite(void)
{
    Suite *s = suite_create("trace_bin");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_needs_full_log);
    tcase_add_test(tc, test_every_truncation_refused);
    tcase_add_test(tc, test_every_byte_change_refused);
    tcase_add_test(tc, test_other_version_and_not_a_trace);
    tcase_add_test(tc, test_fast_hash);
    tcase_add_test(tc, test_hash_stream_matches);
    tcase_add_test(tc, test_hash_image);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_bin_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
