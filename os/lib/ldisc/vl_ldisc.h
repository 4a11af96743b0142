/*
 * vl_ldisc: a terminal line discipline (POSIX general terminal interface, Linux n_tty's
 * behaviour) over a struct vk_termios. Freestanding C11: the kernel links it for its console
 * (os/kernel/console.c), a driver (virtio-console) may link it too; it allocates nothing,
 * touches no host and keeps no global state.
 *
 * Input bytes go in (vl_ldisc_input) with the virtual time they arrived at; what the user
 * should see goes out through ops->echo (already through output processing, as a terminal
 * writes echoes), signal characters become ops->signal calls (SIGINT, SIGQUIT, SIGTSTP).
 * Readers take cooked lines (ICANON) or raw bytes with the VMIN/VTIME rules
 * (vl_ldisc_read); the caller owns blocking and time: the discipline only says when to look
 * again. Output of the programs goes through vl_ldisc_output (OPOST).
 *
 * What is done: ISTRIP, INLCR/IGNCR/ICRNL, IUTF8 (erase takes whole characters); ISIG (VINTR,
 * VQUIT, VSUSP; NOFLSH); ICANON with VERASE, VKILL, VWERASE, VLNEXT, VREPRINT (the last three
 * with IEXTEN), VEOF (end of file at a line start, else pushes the line without itself),
 * VEOL/VEOL2; ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL (^C shown as "^C"); VMIN/VTIME;
 * OPOST with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC. Not done: flow control (IXON/IXOFF: the
 * characters are ordinary input), parity and PARMRK, ECHOPRT, TABDLY.
 *
 * Bounds: VL_LDISC_BUF bytes of input (read queue plus the line being edited). A line is at
 * most VL_LDISC_BUF - 1 bytes plus its delimiter: characters beyond are dropped as Linux
 * does. When the queue is full of data readers have not taken, vl_ldisc_input stops and says
 * how much it consumed: the caller keeps the rest (backpressure, no loss).
 * A value of 0 in c_cc disables that character (_POSIX_VDISABLE, as on Linux).
 */
#ifndef VL_LDISC_H
#define VL_LDISC_H

#include <stddef.h>
#include <stdint.h>

#include "veridian/kcall.h"

#define VL_LDISC_BUF 4096u

/* Linux's termios values (kcall.h: "flags and c_cc indices have Linux's values") */
enum {
    VL_VINTR = 0,
    VL_VQUIT = 1,
    VL_VERASE = 2,
    VL_VKILL = 3,
    VL_VEOF = 4,
    VL_VTIME = 5,
    VL_VMIN = 6,
    VL_VSTART = 8,
    VL_VSTOP = 9,
    VL_VSUSP = 10,
    VL_VEOL = 11,
    VL_VREPRINT = 12,
    VL_VDISCARD = 13,
    VL_VWERASE = 14,
    VL_VLNEXT = 15,
    VL_VEOL2 = 16,
};
#define VL_IGNBRK 0000001u
#define VL_BRKINT 0000002u
#define VL_ISTRIP 0000040u
#define VL_INLCR 0000100u
#define VL_IGNCR 0000200u
#define VL_ICRNL 0000400u
#define VL_IXON 0002000u
#define VL_IMAXBEL 0020000u
#define VL_IUTF8 0040000u
#define VL_OPOST 0000001u
#define VL_OLCUC 0000002u
#define VL_ONLCR 0000004u
#define VL_OCRNL 0000010u
#define VL_ONOCR 0000020u
#define VL_ONLRET 0000040u
#define VL_CS8 0000060u
#define VL_CREAD 0000200u
#define VL_HUPCL 0002000u
#define VL_B38400 0000017u
#define VL_ISIG 0000001u
#define VL_ICANON 0000002u
#define VL_ECHO 0000010u
#define VL_ECHOE 0000020u
#define VL_ECHOK 0000040u
#define VL_ECHONL 0000100u
#define VL_NOFLSH 0000200u
#define VL_TOSTOP 0000400u
#define VL_ECHOCTL 0001000u
#define VL_ECHOPRT 0002000u
#define VL_ECHOKE 0004000u
#define VL_IEXTEN 0100000u

#define VL_SIGINT 2u
#define VL_SIGQUIT 3u
#define VL_SIGTSTP 20u

#define VL_VTIME_NS 100000000ull /* VTIME counts tenths of a second */

struct vl_ldisc_ops {
    /* Bytes to show the user (echoes, already through OPOST). */
    void (*echo)(void *ctx, const char *buf, size_t len);
    /* A signal character was typed (VL_SIGINT, VL_SIGQUIT, VL_SIGTSTP). */
    void (*signal)(void *ctx, uint32_t signo);
};

struct vl_ldisc {
    struct vk_termios t;
    const struct vl_ldisc_ops *ops;
    void *ctx;
    uint8_t buf[VL_LDISC_BUF];  /* [0, canon): readers may take; [canon, head): being edited */
    uint8_t flag[VL_LDISC_BUF]; /* VL_LDISC_F_* per byte */
    uint32_t head, canon;
    uint32_t lines;     /* delimiters in [0, canon) */
    uint32_t lnext;     /* the next character is literal */
    uint32_t col;       /* the output column, for erasing tabs */
    uint32_t canon_col; /* the column where the line being edited started */
    uint64_t last_rx;   /* virtual time of the last input byte */
};

/* Linux's defaults (stty sane): ICRNL IXON IUTF8, OPOST ONLCR, CS8 CREAD B38400, ISIG ICANON
 * ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN, ^C ^\ ^? ^U ^D, VMIN 1, ^Z ^R ^W ^V. */
void vl_ldisc_default_termios(struct vk_termios *t);
void vl_ldisc_init(struct vl_ldisc *ld, const struct vl_ldisc_ops *ops, void *ctx);
/* New settings (TCSETS). Leaving ICANON makes the line being edited readable; entering it
 * makes what is queued one line. */
void vl_ldisc_set_termios(struct vl_ldisc *ld, const struct vk_termios *t);
/* Feed n input bytes that arrived at virtual time now: returns how many were consumed (< n
 * only when the queue is full of unread data: offer the rest again after a read). */
size_t vl_ldisc_input(struct vl_ldisc *ld, const uint8_t *in, size_t n, uint64_t now);
/* Take input for a read of len > 0 bytes that started at virtual time start: the bytes
 * (> 0), 0 at end of file (VEOF at a line start; non-canonical VMIN 0 with nothing there),
 * or -VK_EAGAIN: wait for input, or until *wake (virtual ns; VK_DEADLINE_NEVER for no
 * timer), and call again. */
long vl_ldisc_read(struct vl_ldisc *ld, uint8_t *out, size_t len, uint64_t start, uint64_t now,
                   uint64_t *wake);
/* Whether a read would return now (poll's "readable"). */
int vl_ldisc_readable(const struct vl_ldisc *ld);
/* Output processing of program output: writes at most cap bytes to out (cap >= 2), returns
 * the number written and in *consumed the input bytes they stand for. */
size_t vl_ldisc_output(struct vl_ldisc *ld, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                       size_t *consumed);
/* Discard all input (TCIFLUSH). */
void vl_ldisc_flush(struct vl_ldisc *ld);

#endif
