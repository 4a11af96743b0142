/*
 * Unit tests for os/lib/ldisc (vl_ldisc): the echo and the reads of canonical and raw input,
 * compared with what Linux's n_tty does for the same settings and keystrokes. The expected
 * values of the table come from a Linux pty (python3 pty + stty on the host, the script is in
 * the comment below); where they differ it is only because Linux also flushes the *output*
 * queue on a signal character (typed-ahead echoes not yet read by the terminal vanish),
 * which a console that writes each echo at once has no queue for: those rows say so.
 *
 *   m, s = pty.openpty(); os.system("stty %s < %s" % (args, os.ttyname(s)))
 *   os.write(m, keys); echo = os.read(m, 4096); reads = [os.read(s, 4096), ...]
 *
 * Then VMIN/VTIME in virtual time, the line cap and backpressure, switching ICANON with
 * queued input, output processing, and a randomized check against a tiny reference model of
 * canonical editing (erase and kill over printable text).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vl_ldisc.h"
#include "veridian/errors.h"

struct rec {
    char echo[16384];
    size_t necho;
    uint32_t sigs[16];
    size_t nsigs;
};

static void rec_echo(void *ctx, const char *b, size_t n)
{
    struct rec *r = ctx;
    ck_assert_uint_le(r->necho + n, sizeof r->echo);
    memcpy(r->echo + r->necho, b, n);
    r->necho += n;
}

static void rec_signal(void *ctx, uint32_t signo)
{
    struct rec *r = ctx;
    if (r->nsigs < 16) /* the first 16 are kept, the rest counted */
        r->sigs[r->nsigs] = signo;
    r->nsigs++;
}

static const struct vl_ldisc_ops rec_ops = {.echo = rec_echo, .signal = rec_signal};

static struct vl_ldisc ld;
static struct rec rec;

static void setup(void)
{
    memset(&rec, 0, sizeof rec);
    vl_ldisc_init(&ld, &rec_ops, &rec);
}

/* A few stty words: "-echoe noflsh eol=1 ..." applied to the current settings. */
static void stty(const char *words)
{
    static const struct {
        const char *name;
        int field; /* 0 iflag, 1 oflag, 3 lflag */
        uint32_t bit;
    } w[] = {
        {"echoe", 3, VL_ECHOE},     {"echok", 3, VL_ECHOK},   {"echoke", 3, VL_ECHOKE},
        {"echoctl", 3, VL_ECHOCTL}, {"echo", 3, VL_ECHO},     {"echonl", 3, VL_ECHONL},
        {"noflsh", 3, VL_NOFLSH},   {"icanon", 3, VL_ICANON}, {"iexten", 3, VL_IEXTEN},
        {"isig", 3, VL_ISIG},       {"igncr", 0, VL_IGNCR},   {"inlcr", 0, VL_INLCR},
        {"icrnl", 0, VL_ICRNL},     {"istrip", 0, VL_ISTRIP}, {"iutf8", 0, VL_IUTF8},
        {"olcuc", 1, VL_OLCUC},     {"opost", 1, VL_OPOST},   {"onlret", 1, VL_ONLRET},
        {"onlcr", 1, VL_ONLCR},     {"ocrnl", 1, VL_OCRNL},   {"onocr", 1, VL_ONOCR},
    };
    struct vk_termios t = ld.t;
    char buf[256];
    strcpy(buf, words);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        if (!strncmp(tok, "eol=", 4)) {
            t.cc[VL_VEOL] = (uint8_t)atoi(tok + 4);
            continue;
        }
        if (!strncmp(tok, "min=", 4)) {
            t.cc[VL_VMIN] = (uint8_t)atoi(tok + 4);
            continue;
        }
        if (!strncmp(tok, "time=", 5)) {
            t.cc[VL_VTIME] = (uint8_t)atoi(tok + 5);
            continue;
        }
        int neg = tok[0] == '-';
        const char *name = tok + neg;
        size_t i;
        for (i = 0; i < sizeof w / sizeof w[0]; i++)
            if (!strcmp(w[i].name, name))
                break;
        ck_assert_msg(i < sizeof w / sizeof w[0], "unknown stty word %s", tok);
        uint32_t *f = w[i].field == 0 ? &t.iflag : w[i].field == 1 ? &t.oflag : &t.lflag;
        *f = neg ? *f & ~w[i].bit : *f | w[i].bit;
    }
    vl_ldisc_set_termios(&ld, &t);
}

static void feed(const char *s, size_t n)
{
    ck_assert_uint_eq(vl_ldisc_input(&ld, (const uint8_t *)s, n, 0), n);
}

/* The next read of up to len bytes: its result, bytes in out. */
static long rd(char *out, size_t len)
{
    uint64_t wake;
    return vl_ldisc_read(&ld, (uint8_t *)out, len, 0, 0, &wake);
}

#define S(lit) lit, sizeof(lit) - 1

struct row {
    const char *stty;
    const char *in;
    size_t inlen;
    const char *echo;
    size_t echolen;
    const char *reads[3]; /* then -EAGAIN; "" is end of file */
    size_t readlen[3];
    int nreads;
};

/* Linux's answers (see the top of the file); (*) = Linux also flushed the output queue. */
static const struct row rows[] = {
    {"", S("hello\r"), S("hello\r\n"), {"hello\n"}, {6}, 1},
    {"",
     S("ab\x7f"
       "c\r"),
     S("ab\b \bc\r\n"),
     {"ac\n"},
     {3},
     1},
    {"-echoe",
     S("ab\x7f"
       "c\r"),
     S("ab^?c\r\n"),
     {"ac\n"},
     {3},
     1},
    {"",
     S("ab\x03"
       "cd\r"),
     S("ab^Ccd\r\n"),
     {"cd\n"},
     {3},
     1}, /* (*) Linux: ^Ccd */
    {"noflsh",
     S("ab\x03"
       "cd\r"),
     S("ab^Ccd\r\n"),
     {"abcd\n"},
     {5},
     1},
    {"", S("\x04"), S(""), {""}, {0}, 1},
    {"",
     S("ab\x04"
       "cd\n"),
     S("abcd\r\n"),
     {"ab", "cd\n"},
     {2, 3},
     2},
    {"", S("one two\x17x\r"), S("one two\b \b\b \b\b \bx\r\n"), {"one x\n"}, {6}, 1},
    {"", S("foo bar.\x17\r"), S("foo bar.\b \b\b \b\b \b\b \b\r\n"), {"foo \n"}, {5}, 1},
    {"",
     S("abc\x15"
       "d\r"),
     S("abc\b \b\b \b\b \bd\r\n"),
     {"d\n"},
     {2},
     1},
    {"-echoke",
     S("abc\x15"
       "d\r"),
     S("abc^U\r\nd\r\n"),
     {"d\n"},
     {2},
     1},
    {"-echok -echoke",
     S("abc\x15"
       "d\r"),
     S("abc^Ud\r\n"),
     {"d\n"},
     {2},
     1},
    {"",
     S("a\x16\x03"
       "b\r"),
     S("a^\b^Cb\r\n"),
     {"a\x03"
      "b\n"},
     {4},
     1},
    {"", S("a\tb\x7f\x7f\x7f\r"), S("a\tb\b \b\b\b\b\b\b\b\b\b \b\r\n"), {"\n"}, {1}, 1},
    {"", S("a\x01\x7f\r"), S("a^A\b \b\b \b\r\n"), {"a\n"}, {2}, 1},
    {"-echoctl", S("a\x01\x7f\x03\r"), S("a\x01\x03\r\n"), {"\n"}, {1}, 1}, /* (*) */
    {"-echo echonl", S("ab\rcd\n"), S("\r\n\r\n"), {"ab\n", "cd\n"}, {3, 3}, 2},
    {"igncr", S("ab\rc\n"), S("abc\r\n"), {"abc\n"}, {4}, 1},
    {"inlcr -icrnl", S("ab\ncd\r"), S("ab^Mcd^M"), {NULL}, {0}, 0},
    {"-icrnl", S("ab\rcd\n"), S("ab^Mcd\r\n"), {"ab\rcd\n"}, {6}, 1},
    {"eol=1",
     S("ab\x01"
       "cd\n"),
     S("ab^Acd\r\n"),
     {"ab\x01", "cd\n"},
     {3, 3},
     2},
    {"iutf8", S("h\xc3\xa9\x7f\x7fx\r"), S("h\xc3\xa9\b \b\b \bx\r\n"), {"x\n"}, {2}, 1},
    {"-iutf8", S("h\xc3\xa9\x7f\x7fx\r"), S("h\xc3\xa9\b \b\b \bx\r\n"), {"hx\n"}, {3}, 1},
    {"",
     S("ab\x12"
       "c\r"),
     S("ab^R\r\nabc\r\n"),
     {"abc\n"},
     {4},
     1},
    {"", S("\x7f\x15\r"), S("\r\n"), {"\n"}, {1}, 1},
    {"", S("x\x1c"), S("x^\\"), {NULL}, {0}, 0},                               /* (*) Linux: ^\ */
    {"", S("x\x1a"), S("x^Z"), {NULL}, {0}, 0},                                /* (*) Linux: ^Z */
    {"-icanon", S("ab\x7f\x03\x04\r"), S("ab^?^C^D\r\n"), {"\x04\n"}, {2}, 1}, /* (*) */
    {"-icanon -echo", S("abc"), S(""), {"abc"}, {3}, 1},
    {"olcuc", S("abc\r"), S("ABC\r\n"), {"abc\n"}, {4}, 1},
    {"-opost", S("ab\r"), S("ab\n"), {"ab\n"}, {3}, 1},
    {"onlret -onlcr", S("ab\r"), S("ab\n"), {"ab\n"}, {3}, 1},
    {"ocrnl", S("ab\r"), S("ab\r\n"), {"ab\n"}, {3}, 1},
    {"-icrnl ocrnl", S("ab\r"), S("ab^M"), {NULL}, {0}, 0},
    {"-iexten",
     S("a\x17"
       "b\x16"
       "c\r"),
     S("a^Wb^Vc\r\n"),
     {"a\x17"
      "b\x16"
      "c\n"},
     {6},
     1},
};

START_TEST(test_linux_table)
{
    const struct row *r = &rows[_i];
    stty(r->stty);
    feed(r->in, r->inlen);
    ck_assert_msg(rec.necho == r->echolen && !memcmp(rec.echo, r->echo, r->echolen),
                  "row %d (%s): echo differs (%zu bytes, want %zu)", _i, r->stty, rec.necho,
                  r->echolen);
    char out[4096];
    for (int i = 0; i < r->nreads; i++) {
        long n = rd(out, sizeof out);
        ck_assert_msg(n == (long)r->readlen[i], "row %d read %d: %ld", _i, i, n);
        ck_assert(!memcmp(out, r->reads[i], r->readlen[i]));
    }
    ck_assert_int_eq(rd(out, sizeof out), -VK_EAGAIN);
}
END_TEST

START_TEST(test_signals)
{
    feed(S("a\x03"
           "b\x1c"
           "c\x1a"));
    ck_assert_uint_eq(rec.nsigs, 3);
    ck_assert_uint_eq(rec.sigs[0], VL_SIGINT);
    ck_assert_uint_eq(rec.sigs[1], VL_SIGQUIT);
    ck_assert_uint_eq(rec.sigs[2], VL_SIGTSTP);
    ck_assert_uint_eq(ld.head, 0); /* each flushed the line */
    stty("-isig");
    feed(S("\x03\r"));
    ck_assert_uint_eq(rec.nsigs, 3);
    char out[8];
    ck_assert_int_eq(rd(out, sizeof out), 2);
    ck_assert_int_eq(out[0], 3);
    /* a committed line is flushed too, unless NOFLSH */
    stty("isig");
    feed(S("l1\r\x03"));
    ck_assert_int_eq(rd(out, sizeof out), -VK_EAGAIN);
    stty("noflsh");
    feed(S("l2\r\x03"));
    ck_assert_int_eq(rd(out, sizeof out), 3);
}
END_TEST

START_TEST(test_eof_and_partial_reads)
{
    char out[8];
    feed(S("abcdef\n"));
    ck_assert_int_eq(rd(out, 4), 4); /* a line taken in parts, as on Linux */
    ck_assert_int_eq(rd(out, 4), 3);
    ck_assert(!memcmp(out, "ef\n", 3));
    /* "ab^D" read with exactly 2: the EOF goes with the line, no spurious end of file */
    feed(S("ab\x04"));
    ck_assert_int_eq(rd(out, 2), 2);
    ck_assert_int_eq(rd(out, 2), -VK_EAGAIN);
    /* two EOFs: two ends of file */
    feed(S("\x04\x04"));
    ck_assert_int_eq(rd(out, 8), 0);
    ck_assert_int_eq(rd(out, 8), 0);
    ck_assert_int_eq(rd(out, 8), -VK_EAGAIN);
    /* ^D in the middle of a line ends that part only */
    feed(S("x\x04y\x04"));
    ck_assert_int_eq(rd(out, 8), 1);
    ck_assert_int_eq(rd(out, 8), 1);
    ck_assert_int_eq(out[0], 'y');
}
END_TEST

START_TEST(test_vmin_vtime)
{
    uint8_t out[16];
    uint64_t wake;
    const uint64_t T = VL_VTIME_NS;
    /* VMIN 1, VTIME 0: block until a byte */
    stty("-icanon -echo min=1 time=0");
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 0, &wake), -VK_EAGAIN);
    ck_assert_uint_eq(wake, VK_DEADLINE_NEVER);
    vl_ldisc_input(&ld, (const uint8_t *)"xy", 2, 5);
    ck_assert_int_eq(vl_ldisc_readable(&ld), 1);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 5, &wake), 2);
    /* VMIN 0, VTIME 0: poll */
    stty("min=0 time=0");
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 0, &wake), 0);
    /* VMIN 0, VTIME 5: a read timer from the read's start */
    stty("min=0 time=5");
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 1000, 1000, &wake), -VK_EAGAIN);
    ck_assert_uint_eq(wake, 1000 + 5 * T);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 1000, 1000 + 5 * T, &wake), 0);
    vl_ldisc_input(&ld, (const uint8_t *)"z", 1, 2000);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 1000, 2000, &wake), 1);
    /* VMIN 3, VTIME 2: an inter-byte timer once a byte is there */
    stty("min=3 time=2");
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 0, &wake), -VK_EAGAIN);
    ck_assert_uint_eq(wake, VK_DEADLINE_NEVER);
    vl_ldisc_input(&ld, (const uint8_t *)"a", 1, 100);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 100, &wake), -VK_EAGAIN);
    ck_assert_uint_eq(wake, 100 + 2 * T);
    ck_assert_int_eq(vl_ldisc_readable(&ld), 1); /* poll wants VMIN bytes only when VTIME is 0 */
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 100 + 2 * T, &wake), 1);
    vl_ldisc_input(&ld, (const uint8_t *)"abc", 3, 200);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 200, &wake), 3);
    /* VMIN larger than the read: the read's size is enough */
    stty("min=10 time=0");
    vl_ldisc_input(&ld, (const uint8_t *)"abc", 3, 300);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 2, 0, 300, &wake), 2);
    ck_assert_int_eq(vl_ldisc_read(&ld, out, 16, 0, 300, &wake), -VK_EAGAIN);
}
END_TEST

START_TEST(test_line_cap_and_backpressure)
{
    static char big[VL_LDISC_BUF + 100];
    memset(big, 'a', sizeof big);
    stty("-echo");
    /* an over-long line: the characters beyond the cap are dropped, the newline is kept */
    feed(big, sizeof big);
    feed(S("\n"));
    static char out[VL_LDISC_BUF + 100];
    ck_assert_int_eq(rd(out, sizeof out), VL_LDISC_BUF);
    ck_assert_int_eq(out[VL_LDISC_BUF - 1], '\n');
    /* unread lines fill the queue: input stops (nothing lost) until a read makes room */
    static char lines[2 * VL_LDISC_BUF];
    for (size_t i = 0; i < sizeof lines; i++)
        lines[i] = i % 8 == 7 ? '\n' : 'x';
    size_t n = vl_ldisc_input(&ld, (const uint8_t *)lines, sizeof lines, 0);
    ck_assert_uint_eq(n, VL_LDISC_BUF);
    ck_assert_int_eq(rd(out, sizeof out), 8);
    ck_assert_uint_eq(vl_ldisc_input(&ld, (const uint8_t *)lines + n, sizeof lines - n, 0), 8);
    /* raw mode likewise */
    vl_ldisc_flush(&ld);
    stty("-icanon");
    ck_assert_uint_eq(vl_ldisc_input(&ld, (const uint8_t *)big, sizeof big, 0), VL_LDISC_BUF);
}
END_TEST

START_TEST(test_switch_icanon)
{
    char out[16];
    feed(S("abc"));
    stty("-icanon");
    ck_assert_int_eq(rd(out, sizeof out), 3); /* the edited line became readable */
    stty("-echo");
    feed(S("xy"));
    stty("icanon");
    ck_assert_int_eq(rd(out, sizeof out), 2); /* queued raw input: one line */
    ck_assert_int_eq(rd(out, sizeof out), -VK_EAGAIN);
}
END_TEST

START_TEST(test_output)
{
    uint8_t out[64];
    size_t used;
    size_t n = vl_ldisc_output(&ld, (const uint8_t *)"a\nb\n", 4, out, sizeof out, &used);
    ck_assert_uint_eq(used, 4);
    ck_assert_uint_eq(n, 6);
    ck_assert(!memcmp(out, "a\r\nb\r\n", 6));
    /* a small buffer: never half of a CR LF */
    n = vl_ldisc_output(&ld, (const uint8_t *)"\n\n", 2, out, 3, &used);
    ck_assert_uint_eq(used, 1);
    ck_assert_uint_eq(n, 2);
    stty("onocr");
    n = vl_ldisc_output(&ld, (const uint8_t *)"\rx\r", 3, out, sizeof out, &used);
    ck_assert_uint_eq(n, 2); /* the CR at column 0 is dropped */
    stty("-opost");
    n = vl_ldisc_output(&ld, (const uint8_t *)"\n", 1, out, sizeof out, &used);
    ck_assert_uint_eq(n, 1);
}
END_TEST

/* Reference model: canonical editing of printable text with ERASE and KILL, echo off. */
START_TEST(test_random_against_model)
{
    srand(7);
    stty("-echo");
    for (int round = 0; round < 2000; round++) {
        char in[64], model[128];
        size_t nin = (size_t)(rand() % 60), nm = 0;
        for (size_t i = 0; i < nin; i++) {
            int r = rand() % 10;
            in[i] = r == 0 ? 0x7f : r == 1 ? 0x15 : r == 2 ? 0x17 : (char)('a' + rand() % 3);
            if (r == 2)
                in[i] = ' ';
            if (in[i] == 0x7f) {
                if (nm)
                    nm--;
            } else if (in[i] == 0x15) {
                nm = 0;
            } else {
                model[nm++] = in[i];
            }
        }
        in[nin++] = '\n';
        model[nm++] = '\n';
        feed(in, nin);
        char out[128];
        ck_assert_int_eq(rd(out, sizeof out), (long)nm);
        ck_assert(!memcmp(out, model, nm));
    }
}
END_TEST

static void check_invariants(void)
{
    ck_assert_uint_le(ld.head, VL_LDISC_BUF);
    ck_assert_uint_le(ld.canon, ld.head);
    uint32_t delims = 0;
    for (uint32_t i = 0; i < ld.canon; i++)
        delims += (ld.flag[i] & 1u) != 0;
    if (ld.t.lflag & VL_ICANON)
        ck_assert_uint_eq(ld.lines, delims);
    else
        ck_assert_uint_eq(ld.canon, ld.head);
}

/* Any settings, any bytes, any read sizes: the queue's invariants hold, reads stay in their
 * buffer, echoes stay bounded (at most 8 bytes per input byte: a reprint aside), and every
 * byte is eventually consumed once readers drain the queue. */
START_TEST(test_random_invariants)
{
    srand(11);
    for (int round = 0; round < 3000; round++) {
        struct vk_termios t;
        vl_ldisc_default_termios(&t);
        t.iflag ^= (uint32_t)rand() & (VL_ISTRIP | VL_INLCR | VL_IGNCR | VL_ICRNL | VL_IUTF8);
        t.oflag ^= (uint32_t)rand() & (VL_OPOST | VL_ONLCR | VL_OCRNL | VL_ONOCR | VL_ONLRET);
        t.lflag ^= (uint32_t)rand() & (VL_ISIG | VL_ICANON | VL_ECHO | VL_ECHOE | VL_ECHOK |
                                       VL_ECHONL | VL_NOFLSH | VL_ECHOCTL | VL_ECHOKE | VL_IEXTEN);
        t.cc[VL_VMIN] = (uint8_t)(rand() % 4);
        t.cc[VL_VTIME] = (uint8_t)(rand() % 3);
        if (rand() % 4 == 0)
            t.cc[VL_VEOL] = (uint8_t)(rand() % 32);
        vl_ldisc_set_termios(&ld, &t);
        uint8_t in[512];
        size_t n = (size_t)(rand() % (int)sizeof in);
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(rand() % 4 ? rand() % 32 + (rand() % 2 ? 0x60 : 0) : rand());
        size_t off = 0;
        uint64_t now = (uint64_t)round * 1000;
        while (off < n) {
            size_t before = rec.necho;
            off += vl_ldisc_input(&ld, in + off, n - off, now);
            check_invariants();
            if (rec.necho - before > 8 * (n + VL_LDISC_BUF)) /* a reprint shows the line */
                ck_abort_msg("echo grew without bound");
            if (rec.necho > sizeof rec.echo / 2)
                rec.necho = 0;
            uint8_t out[4096 + 16];
            memset(out + 4096, 0xa5, 16);
            size_t len = (size_t)(rand() % 4096) + 1;
            uint64_t wake;
            long r = vl_ldisc_read(&ld, out, len, now, now + VL_VTIME_NS * 3, &wake);
            ck_assert(r == -VK_EAGAIN || (r >= 0 && (size_t)r <= len));
            for (int i = 0; i < 16; i++)
                ck_assert_uint_eq(out[4096 + i], 0xa5);
            check_invariants();
            if (r == -VK_EAGAIN && ld.head == VL_LDISC_BUF)
                vl_ldisc_flush(&ld); /* a line that can never end: TCIFLUSH, as a user would */
        }
        if (rand() % 8 == 0)
            vl_ldisc_flush(&ld);
        rec.nsigs = 0;
    }
}
END_TEST

static Suite *ldisc_suite(void)
{
    Suite *s = suite_create("ldisc");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_loop_test(tc, test_linux_table, 0, (int)(sizeof rows / sizeof rows[0]));
    tcase_add_test(tc, test_signals);
    tcase_add_test(tc, test_eof_and_partial_reads);
    tcase_add_test(tc, test_vmin_vtime);
    tcase_add_test(tc, test_line_cap_and_backpressure);
    tcase_add_test(tc, test_switch_icanon);
    tcase_add_test(tc, test_output);
    tcase_add_test(tc, test_random_against_model);
    tcase_add_test(tc, test_random_invariants);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ldisc_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
