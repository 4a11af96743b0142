/*
 * The console object (console.c) on the fake platform: a byte stream refuses the terminal
 * calls (ISATTY 0, -VK_ENOTTY); a terminal cooks typed keys through the line discipline
 * (echo on the console output, erase), reads lines, takes attributes (raw mode with VTIME in
 * virtual time), flushes, reports and changes the window size, sends ^C to the foreground
 * group (which the first reader's session claims), and applies job control to a background
 * group of its session (SIGTTIN ignored: -VK_EIO; handled: -VK_EINTR; with TOSTOP a write or
 * a SETATTR with SIGTTOU handled: -VK_EINTR, ignored: it goes ahead; SETPGRP with SIGTTOU
 * ignored goes ahead), while other sessions cannot take it.
 */
#include <stdlib.h>

#include "kt.h"

#define SIGINT_ 2
#define SIGTTIN_ 21
#define SIGTTOU_ 22

static struct kt T;
static long R[32];
static char got[256];
static uint32_t H; /* the console handle given to the test processes */

static void setup(void)
{
    kt_init(&T, 1);
    memset(R, 0, sizeof R);
    memset(got, 0, sizeof got);
}

static void teardown(void)
{
    kt_fini(&T);
}

static void terminal(void)
{
    struct vk_winsize ws = {30, 100, 0, 0};
    T.m->con_live = 1;
    vk_console_attach_terminal(T.k, &ws);
}

static struct vk_process *spawn_con(const char *name, void (*fn)(void *), uint32_t rights)
{
    struct vk_process *p = kt_spawn(&T, name, fn, NULL);
    H = kt_give(&T, p, &T.k->console->o, rights, 1);
    return p;
}

static long con_read(char *dst, size_t len)
{
    struct vk_kernel *k = T.k;
    char *buf = kt_scratch(k);
    long r = kc(k, VK_NR_CONSOLE_READ, H, U(buf), len, VK_DEADLINE_NEVER);
    if (r > 0)
        memcpy(dst, buf, (size_t)r);
    return r;
}

static void stream_user(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_termios *t = kt_scratch(k);
    (void)arg;
    R[0] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_ISATTY, 0);
    R[1] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETATTR, U(t));
    R[2] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETPGRP, k->cur->proc->pgid);
    R[3] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETWINSZ, U(t));
    R[4] = kc(k, VK_NR_CONSOLE_CTL, H, 99, 0);
    R[5] = con_read(got, 16); /* the fake's byte stream is at its end */
}

START_TEST(test_stream_is_no_terminal)
{
    spawn_con("stream", stream_user, VK_RIGHT_READ | VK_RIGHT_WRITE);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_int_eq(R[1], -VK_ENOTTY);
    ck_assert_int_eq(R[2], -VK_ENOTTY);
    ck_assert_int_eq(R[3], -VK_ENOTTY);
    ck_assert_int_eq(R[4], -VK_EINVAL);
    ck_assert_int_eq(R[5], 0);
}
END_TEST

static void reader(void *arg)
{
    (void)arg;
    R[0] = kc(T.k, VK_NR_CONSOLE_CTL, H, VK_CON_ISATTY, 0);
    R[1] = con_read(got, sizeof got);
    R[2] = con_read(got + 64, sizeof got - 64);
}

static void typist(void *arg)
{
    (void)arg;
    fake_console_type(T.m,
                      "ab\x7f"
                      "c\r",
                      5);
    kc(T.k, VK_NR_THREAD_YIELD, 0);
    fake_console_type(T.m, "\x04", 1);
}

START_TEST(test_cooked_lines_and_echo)
{
    terminal();
    spawn_con("reader", reader, VK_RIGHT_READ | VK_RIGHT_WRITE);
    kt_spawn(&T, "typist", typist, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[0], 1);
    ck_assert_int_eq(R[1], 3);
    ck_assert_mem_eq(got, "ac\n", 3);
    ck_assert_int_eq(R[2], 0); /* ^D at a line start */
    ck_assert_uint_eq(T.m->con_out_len, 8);
    ck_assert_mem_eq(T.m->con_out, "ab\b \bc\r\n", 8);
}
END_TEST

static void attr_user(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_termios *t = kt_scratch(k);
    struct vk_winsize *ws = (struct vk_winsize *)(t + 1);
    (void)arg;
    R[0] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETATTR, U(t));
    R[1] = (t->lflag & (VL_ICANON | VL_ECHO | VL_ISIG)) == (VL_ICANON | VL_ECHO | VL_ISIG);
    R[2] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETWINSZ, U(ws));
    R[3] = ws->rows * 1000 + ws->cols;
    vk_console_resize(k, &(struct vk_winsize){40, 120, 0, 0});
    kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETWINSZ, U(ws));
    R[4] = ws->rows * 1000 + ws->cols;
    /* raw, VMIN 0 VTIME 2: a read with nothing typed ends after 200 ms of virtual time */
    t->lflag &= ~(uint32_t)(VL_ICANON | VL_ECHO);
    t->cc[VL_VMIN] = 0;
    t->cc[VL_VTIME] = 2;
    R[5] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETATTR, U(t));
    uint64_t t0 = k->now;
    R[6] = con_read(got, 8);
    R[7] = (long)((k->now - t0) / 1000000);
    /* typed keys are there at once, unechoed */
    fake_console_type(T.m, "xy", 2);
    R[8] = con_read(got, 8);
    /* back to canonical; a flush drops the unfinished line */
    t->lflag |= VL_ICANON | VL_ECHO;
    kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETATTR, U(t));
    fake_console_type(T.m, "lost", 4);
    R[9] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_FLUSH, 0);
    fake_console_type(T.m, "kept\r", 5);
    R[10] = con_read(got + 8, 16);
    R[11] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_FLUSH, 3);
}

static void attr_readonly(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_termios *t = kt_scratch(k);
    (void)arg;
    kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETATTR, U(t));
    R[20] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETATTR, U(t));
}

START_TEST(test_attributes_vtime_winsize_flush)
{
    terminal();
    spawn_con("attr", attr_user, VK_RIGHT_READ | VK_RIGHT_WRITE);
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_int_eq(R[1], 1);
    ck_assert_int_eq(R[2], 0);
    ck_assert_int_eq(R[3], 30100);
    ck_assert_int_eq(R[4], 40120);
    ck_assert_int_eq(R[5], 0);
    ck_assert_int_eq(R[6], 0);
    ck_assert_int_ge(R[7], 200);
    ck_assert_int_lt(R[7], 210);
    ck_assert_int_eq(R[8], 2);
    ck_assert_int_eq(R[9], 0);
    ck_assert_int_eq(R[10], 5);
    ck_assert_mem_eq(got + 8, "kept\n", 5);
    ck_assert_int_eq(R[11], -VK_EINVAL);
    spawn_con("readonly", attr_readonly, VK_RIGHT_READ);
    kt_run(&T);
    ck_assert_int_eq(R[20], -VK_EPERM);
}
END_TEST

static void intr_reader(void *arg)
{
    (void)arg;
    R[0] = con_read(got, sizeof got); /* never returns: ^C ends the process */
    R[1] = 1;
}

static void intr_typist(void *arg)
{
    (void)arg;
    KT_WAIT_FOR(T.k, T.k->console->pgrp != 0); /* the reader claimed the terminal */
    fake_console_type(T.m, "x\x03", 2);
}

START_TEST(test_intr_to_foreground_group)
{
    terminal();
    struct vk_process *p = spawn_con("reader", intr_reader, VK_RIGHT_READ);
    vk_object_ref(&p->o);
    kt_spawn(&T, "typist", intr_typist, NULL);
    kt_run(&T);
    ck_assert_int_eq(R[1], 0);
    ck_assert_uint_eq(p->exit.exit_kind, VK_EXIT_SIGNAL);
    ck_assert_uint_eq(p->exit.signo, SIGINT_);
    ck_assert_uint_eq(T.k->console->pgrp, p->pgid);
    ck_assert_uint_eq(T.m->con_out_len, 3);
    ck_assert_mem_eq(T.m->con_out, "x^C", 3);
    vk_object_unref(T.k, &p->o);
}
END_TEST

static struct vk_process *fg, *bg, *other;

static void set_action(uint32_t signo, uint64_t handler)
{
    struct vk_sigaction *a = kt_scratch(T.k);
    *a = (struct vk_sigaction){.handler = handler};
    ck_assert_int_eq(kc(T.k, VK_NR_SIGNAL_ACTION, signo, U(a), 0), 0);
}

static void fg_main(void *arg)
{
    struct vk_kernel *k = T.k;
    struct vk_termios *t = kt_scratch(k);
    (void)arg;
    R[0] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETPGRP, k->cur->proc->pgid);
    kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETATTR, U(t));
    t->lflag |= VL_TOSTOP;
    R[10] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETATTR, U(t));
    KT_WAIT_FOR(k, R[9] != 0);
}

static void bg_main(void *arg)
{
    struct vk_kernel *k = T.k;
    (void)arg;
    KT_WAIT_FOR(k, k->console->ld.t.lflag & VL_TOSTOP);
    char *b = kt_scratch(k);
    struct vk_termios *t = (struct vk_termios *)(b + 64);
    set_action(SIGTTOU_, 0x1000); /* handled: a background write with TOSTOP is refused */
    R[11] = kc(k, VK_NR_CONSOLE_WRITE, H, U(b), 1);
    kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETATTR, U(t));
    R[12] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETATTR, U(t));
    set_action(SIGTTOU_, VK_SIG_IGN); /* ignored: it goes ahead */
    R[13] = kc(k, VK_NR_CONSOLE_WRITE, H, U(b), 1);
    set_action(SIGTTIN_, VK_SIG_IGN);
    R[1] = con_read(got, 8);
    set_action(SIGTTIN_, 0x1000); /* a handler (never run by a kernel thread) */
    R[2] = con_read(got, 8);
    R[3] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETPGRP, 0);
    R[4] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETPGRP, 99999);
    set_action(SIGTTOU_, VK_SIG_IGN);
    R[5] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_SETPGRP, k->cur->proc->pgid);
    R[6] = kc(k, VK_NR_CONSOLE_CTL, H, VK_CON_GETPGRP, 0);
    R[9] = 1;
}

static void other_main(void *arg)
{
    (void)arg;
    KT_WAIT_FOR(T.k, T.k->console->sid != 0);
    R[7] = kc(T.k, VK_NR_CONSOLE_CTL, H, VK_CON_SETPGRP, T.k->cur->proc->pgid);
}

START_TEST(test_job_control)
{
    terminal();
    fg = spawn_con("fg", fg_main, VK_RIGHT_READ | VK_RIGHT_WRITE);
    uint32_t hfg = H;
    bg = spawn_con("bg", bg_main, VK_RIGHT_READ | VK_RIGHT_WRITE);
    ck_assert_uint_eq(H, hfg); /* each process's first handle: one value for all */
    bg->sid = fg->sid;         /* white box: a process of fg's session in a group of its own */
    other = spawn_con("other", other_main, VK_RIGHT_READ | VK_RIGHT_WRITE);
    long fgpid = fg->pid, bgpid = bg->pid; /* the processes are gone after the run */
    kt_run(&T);
    ck_assert_int_eq(R[0], 0);
    ck_assert_int_eq(R[1], -VK_EIO);
    ck_assert_int_eq(R[2], -VK_EINTR);
    ck_assert_int_eq(R[3], fgpid);
    ck_assert_int_eq(R[4], -VK_EPERM);
    ck_assert_int_eq(R[5], 0);
    ck_assert_int_eq(R[6], bgpid);
    ck_assert_int_eq(R[7], -VK_ENOTTY);
    ck_assert_int_eq(R[10], 0);
    ck_assert_int_eq(R[11], -VK_EINTR);
    ck_assert_int_eq(R[12], -VK_EINTR);
    ck_assert_int_eq(R[13], 1);
}
END_TEST

static Suite *console_suite(void)
{
    Suite *s = suite_create("console");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stream_is_no_terminal);
    tcase_add_test(tc, test_cooked_lines_and_echo);
    tcase_add_test(tc, test_attributes_vtime_winsize_flush);
    tcase_add_test(tc, test_intr_to_foreground_group);
    tcase_add_test(tc, test_job_control);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(console_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
