/*
 * vl_ldisc: the line discipline (contract in vl_ldisc.h). The structure follows Linux's
 * n_tty_receive_char_special: signal characters first, then CR/NL mapping, then canonical
 * editing, then the ordinary character (echoed, queued). Echoes are gathered per input call
 * in a small buffer and handed to ops->echo through output processing.
 */
#include "vl_ldisc.h"

#define F_DELIM 1u /* a line ends after this byte */
#define F_EOF 2u   /* this byte is a VEOF marker: ends the line, never read */

#define ECHO_CHUNK 256u

struct echo_buf {
    struct vl_ldisc *ld;
    uint8_t b[ECHO_CHUNK];
    size_t n;
};

static int is_cntrl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* c is the special character cc[i] (and that one is enabled). */
static int is_cc(const struct vl_ldisc *ld, uint8_t c, unsigned i)
{
    return ld->t.cc[i] != 0 && c == ld->t.cc[i];
}

void vl_ldisc_default_termios(struct vk_termios *t)
{
    static const uint8_t cc[] = {
        [VL_VINTR] = 3,       [VL_VQUIT] = 0x1c,   [VL_VERASE] = 0x7f, [VL_VKILL] = 0x15,
        [VL_VEOF] = 4,        [VL_VTIME] = 0,      [VL_VMIN] = 1,      [VL_VSTART] = 0x11,
        [VL_VSTOP] = 0x13,    [VL_VSUSP] = 0x1a,   [VL_VEOL] = 0,      [VL_VREPRINT] = 0x12,
        [VL_VDISCARD] = 0x0f, [VL_VWERASE] = 0x17, [VL_VLNEXT] = 0x16, [VL_VEOL2] = 0,
    };
    __builtin_memset(t, 0, sizeof *t);
    t->iflag = VL_ICRNL | VL_IXON | VL_IUTF8;
    t->oflag = VL_OPOST | VL_ONLCR;
    t->cflag = VL_B38400 | VL_CS8 | VL_CREAD;
    t->lflag =
        VL_ISIG | VL_ICANON | VL_ECHO | VL_ECHOE | VL_ECHOK | VL_ECHOCTL | VL_ECHOKE | VL_IEXTEN;
    for (unsigned i = 0; i < sizeof cc; i++)
        t->cc[i] = cc[i];
    t->ispeed = t->ospeed = VL_B38400;
}

void vl_ldisc_init(struct vl_ldisc *ld, const struct vl_ldisc_ops *ops, void *ctx)
{
    __builtin_memset(ld, 0, sizeof *ld);
    vl_ldisc_default_termios(&ld->t);
    ld->ops = ops;
    ld->ctx = ctx;
}

void vl_ldisc_flush(struct vl_ldisc *ld)
{
    ld->head = ld->canon = ld->lines = 0;
    ld->lnext = 0;
    ld->canon_col = ld->col;
}

void vl_ldisc_set_termios(struct vl_ldisc *ld, const struct vk_termios *t)
{
    uint32_t was = ld->t.lflag & VL_ICANON;
    ld->t = *t;
    if (was == (t->lflag & VL_ICANON))
        return;
    for (uint32_t i = 0; i < ld->head; i++)
        ld->flag[i] = 0;
    ld->lines = 0;
    ld->lnext = 0;
    ld->canon = ld->head;
    if ((t->lflag & VL_ICANON) && ld->head) { /* what is queued becomes one line */
        ld->flag[ld->head - 1] = F_DELIM;
        ld->lines = 1;
    }
    ld->canon_col = ld->col;
}

/* ---- output processing ---- */

/* One byte through OPOST into out (room for 2): how many bytes were produced. */
static size_t opost_char(struct vl_ldisc *ld, uint8_t c, uint8_t *out)
{
    uint32_t of = ld->t.oflag;
    if (!(of & VL_OPOST)) {
        out[0] = c;
        return 1;
    }
    switch (c) {
    case '\n':
        if (of & VL_ONLRET)
            ld->col = 0;
        if (of & VL_ONLCR) {
            ld->col = 0;
            out[0] = '\r';
            out[1] = '\n';
            return 2;
        }
        out[0] = c;
        return 1;
    case '\r':
        if ((of & VL_ONOCR) && ld->col == 0)
            return 0;
        if (of & VL_OCRNL) {
            if (of & VL_ONLRET)
                ld->col = 0;
            out[0] = '\n';
            return 1;
        }
        ld->col = 0;
        out[0] = c;
        return 1;
    case '\t':
        ld->col = (ld->col | 7u) + 1u;
        out[0] = c;
        return 1;
    case '\b':
        if (ld->col)
            ld->col--;
        out[0] = c;
        return 1;
    default:
        if (!is_cntrl(c)) {
            if ((of & VL_OLCUC) && c >= 'a' && c <= 'z')
                c = (uint8_t)(c - 'a' + 'A');
            if (!((ld->t.iflag & VL_IUTF8) && (c & 0xc0) == 0x80))
                ld->col++;
        }
        out[0] = c;
        return 1;
    }
}

size_t vl_ldisc_output(struct vl_ldisc *ld, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                       size_t *consumed)
{
    size_t i = 0, o = 0;
    while (i < n && o + 2 <= cap)
        o += opost_char(ld, in[i++], out + o);
    *consumed = i;
    return o;
}

/* ---- echoes ---- */

static void echo_flush(struct echo_buf *e)
{
    if (e->n && e->ld->ops && e->ld->ops->echo)
        e->ld->ops->echo(e->ld->ctx, (const char *)e->b, e->n);
    e->n = 0;
}

/* A byte as the terminal shows it, through OPOST. */
static void echo_raw(struct echo_buf *e, uint8_t c)
{
    if (e->n + 2 > sizeof e->b)
        echo_flush(e);
    e->n += opost_char(e->ld, c, e->b + e->n);
}

/* A character echoed: control characters as ^X under ECHOCTL (tab excepted). */
static void echo_char(struct echo_buf *e, uint8_t c)
{
    if ((e->ld->t.lflag & VL_ECHOCTL) && is_cntrl(c) && c != '\t') {
        echo_raw(e, '^');
        echo_raw(e, c ^ 0x40);
    } else {
        echo_raw(e, c);
    }
}

static void echo_str(struct echo_buf *e, const char *s)
{
    while (*s)
        echo_raw(e, (uint8_t)*s++);
}

/* ---- canonical editing ---- */

/* The column the line being edited reaches after its first `upto` bytes. */
static uint32_t line_col(const struct vl_ldisc *ld, uint32_t upto)
{
    uint32_t col = ld->canon_col;
    for (uint32_t i = ld->canon; i < upto; i++) {
        uint8_t c = ld->buf[i];
        if (c == '\t')
            col = (col | 7u) + 1u;
        else if (is_cntrl(c))
            col += (ld->t.lflag & VL_ECHOCTL) ? 2u : 0u;
        else if (!((ld->t.iflag & VL_IUTF8) && (c & 0xc0) == 0x80))
            col++;
    }
    return col;
}

/* Erase the last character of the line being edited, showing it unless quiet. */
static void erase_one(struct vl_ldisc *ld, struct echo_buf *e, int show)
{
    uint32_t end = ld->head;
    uint32_t start = end - 1;
    if (ld->t.iflag & VL_IUTF8) /* a whole UTF-8 character */
        while (start > ld->canon && (ld->buf[start] & 0xc0) == 0x80)
            start--;
    uint8_t c = ld->buf[start];
    ld->head = start;
    if (!show)
        return;
    if (c == '\t') {
        uint32_t from = line_col(ld, end), to = line_col(ld, start);
        while (from-- > to)
            echo_raw(e, '\b');
        return;
    }
    if (is_cntrl(c) && !(ld->t.lflag & VL_ECHOCTL))
        return; /* it took no room on the screen */
    if (is_cntrl(c))
        echo_str(e, "\b \b");
    echo_str(e, "\b \b");
}

enum erase_kind { ERASE, WERASE, KILL };

static void eraser(struct vl_ldisc *ld, struct echo_buf *e, uint8_t c, enum erase_kind kind)
{
    uint32_t lf = ld->t.lflag;
    if (ld->head == ld->canon)
        return; /* nothing to erase: nothing is shown either */
    int echo = (lf & VL_ECHO) != 0;
    if (kind == ERASE && echo && !(lf & VL_ECHOE)) {
        erase_one(ld, e, 0);
        echo_char(e, c);
        return;
    }
    if (kind == KILL && (!echo || !(lf & VL_ECHOK) || !(lf & VL_ECHOKE) || !(lf & VL_ECHOE))) {
        ld->head = ld->canon;
        if (!echo)
            return;
        echo_char(e, c);
        if (lf & VL_ECHOK)
            echo_raw(e, '\n');
        return;
    }
    int seen_alnum = 0;
    while (ld->head > ld->canon) {
        if (kind == WERASE) { /* BSD's ALTWERASE, as Linux: a run of [A-Za-z0-9_] */
            uint8_t last = ld->buf[ld->head - 1];
            if (is_alnum(last) || last == '_')
                seen_alnum = 1;
            else if (seen_alnum)
                break;
        }
        erase_one(ld, e, echo);
        if (kind == ERASE)
            break;
    }
}

static void reprint(struct vl_ldisc *ld, struct echo_buf *e, uint8_t c)
{
    echo_char(e, c);
    echo_raw(e, '\n');
    ld->canon_col = ld->col;
    for (uint32_t i = ld->canon; i < ld->head; i++)
        echo_char(e, ld->buf[i]);
}

/* ---- input ---- */

static void put(struct vl_ldisc *ld, uint8_t c, uint8_t flag)
{
    ld->buf[ld->head] = c;
    ld->flag[ld->head] = flag;
    ld->head++;
}

/* End the line being edited with c (flag F_DELIM, or F_DELIM | F_EOF). */
static void commit_line(struct vl_ldisc *ld, uint8_t c, uint8_t flag)
{
    put(ld, c, flag);
    ld->canon = ld->head;
    ld->lines++;
}

static void isig(struct vl_ldisc *ld, struct echo_buf *e, uint8_t c, uint32_t signo)
{
    if (!(ld->t.lflag & VL_NOFLSH))
        vl_ldisc_flush(ld);
    if (ld->t.lflag & VL_ECHO)
        echo_char(e, c);
    echo_flush(e);
    if (ld->ops && ld->ops->signal)
        ld->ops->signal(ld->ctx, signo);
}

/* Whether c would end a line in canonical mode. */
static int is_delim(const struct vl_ldisc *ld, uint8_t c)
{
    return c == '\n' || is_cc(ld, c, VL_VEOF) || is_cc(ld, c, VL_VEOL) ||
           ((ld->t.lflag & VL_IEXTEN) && is_cc(ld, c, VL_VEOL2));
}

/* Room for c? 1 yes, 0 drop it (an over-long line), -1 stop: the queue is full of unread
 * data (backpressure). */
static int room_for(const struct vl_ldisc *ld, uint8_t c, int canon)
{
    if (ld->head >= VL_LDISC_BUF)
        return -1;
    if (!canon || ld->head < VL_LDISC_BUF - 1 || is_delim(ld, c))
        return 1;
    return ld->canon > 0 ? -1 : 0; /* the last byte is kept for the line's end */
}

/* One ordinary character (echoed, queued). */
static void ordinary(struct vl_ldisc *ld, struct echo_buf *e, uint8_t c)
{
    if (ld->t.lflag & VL_ECHO) {
        if (ld->head == ld->canon)
            ld->canon_col = ld->col;
        if (c == '\n')
            echo_raw(e, c);
        else
            echo_char(e, c);
    }
    put(ld, c, 0);
    if (!(ld->t.lflag & VL_ICANON))
        ld->canon = ld->head;
}

/* 1 consumed, 0 not (stop: the queue is full). */
static int input_char(struct vl_ldisc *ld, struct echo_buf *e, uint8_t c)
{
    uint32_t lf = ld->t.lflag, inf = ld->t.iflag;
    int canon = (lf & VL_ICANON) != 0;
    if (inf & VL_ISTRIP)
        c &= 0x7f;
    if (ld->lnext) {
        int r = room_for(ld, 'x', canon); /* a literal never ends a line */
        if (r < 0)
            return 0;
        ld->lnext = 0;
        if (r > 0)
            ordinary(ld, e, c);
        return 1;
    }
    if (lf & VL_ISIG) {
        uint32_t signo = is_cc(ld, c, VL_VINTR)   ? VL_SIGINT
                         : is_cc(ld, c, VL_VQUIT) ? VL_SIGQUIT
                         : is_cc(ld, c, VL_VSUSP) ? VL_SIGTSTP
                                                  : 0;
        if (signo) {
            isig(ld, e, c, signo);
            return 1;
        }
    }
    if (c == '\r') {
        if (inf & VL_IGNCR)
            return 1;
        if (inf & VL_ICRNL)
            c = '\n';
    } else if (c == '\n' && (inf & VL_INLCR)) {
        c = '\r';
    }
    if (canon) {
        int iext = (lf & VL_IEXTEN) != 0;
        if (is_cc(ld, c, VL_VERASE) || is_cc(ld, c, VL_VKILL) ||
            (iext && is_cc(ld, c, VL_VWERASE))) {
            eraser(ld, e, c,
                   is_cc(ld, c, VL_VERASE)  ? ERASE
                   : is_cc(ld, c, VL_VKILL) ? KILL
                                            : WERASE);
            return 1;
        }
        if (iext && is_cc(ld, c, VL_VLNEXT)) {
            ld->lnext = 1;
            if ((lf & VL_ECHO) && (lf & VL_ECHOCTL))
                echo_str(e, "^\b"); /* Linux's hint that the next character is literal */
            return 1;
        }
        if (iext && (lf & VL_ECHO) && is_cc(ld, c, VL_VREPRINT)) {
            reprint(ld, e, c);
            return 1;
        }
        int r = room_for(ld, c, 1);
        if (r <= 0)
            return r == 0;
        if (c == '\n') {
            if (lf & (VL_ECHO | VL_ECHONL))
                echo_raw(e, '\n');
            commit_line(ld, c, F_DELIM);
            ld->canon_col = ld->col;
            return 1;
        }
        if (is_cc(ld, c, VL_VEOF)) {
            commit_line(ld, c, F_DELIM | F_EOF);
            return 1;
        }
        if (is_cc(ld, c, VL_VEOL) || (iext && is_cc(ld, c, VL_VEOL2))) {
            if (lf & VL_ECHO) {
                if (ld->head == ld->canon)
                    ld->canon_col = ld->col;
                echo_char(e, c);
            }
            commit_line(ld, c, F_DELIM);
            ld->canon_col = ld->col;
            return 1;
        }
        ordinary(ld, e, c);
        return 1;
    }
    if (room_for(ld, c, 0) < 0)
        return 0;
    ordinary(ld, e, c);
    return 1;
}

size_t vl_ldisc_input(struct vl_ldisc *ld, const uint8_t *in, size_t n, uint64_t now)
{
    struct echo_buf e = {.ld = ld, .n = 0};
    size_t i = 0;
    for (; i < n; i++)
        if (!input_char(ld, &e, in[i]))
            break;
    if (i)
        ld->last_rx = now;
    echo_flush(&e);
    return i;
}

/* ---- reading ---- */

static void consume(struct vl_ldisc *ld, uint32_t k)
{
    __builtin_memmove(ld->buf, ld->buf + k, ld->head - k);
    __builtin_memmove(ld->flag, ld->flag + k, ld->head - k);
    ld->head -= k;
    ld->canon -= k;
}

static long read_canon(struct vl_ldisc *ld, uint8_t *out, size_t len, uint64_t *wake)
{
    if (!ld->lines) {
        *wake = VK_DEADLINE_NEVER;
        return -VK_EAGAIN;
    }
    uint32_t i = 0;
    size_t o = 0;
    while (i < ld->canon && o < len) {
        uint8_t f = ld->flag[i];
        if (f & F_EOF) {
            i++;
            ld->lines--;
            break;
        }
        out[o++] = ld->buf[i++];
        if (f & F_DELIM) {
            ld->lines--;
            break;
        }
        if (o == len && i < ld->canon && (ld->flag[i] & F_EOF)) {
            i++; /* the line fits exactly: its VEOF goes with it, as on Linux */
            ld->lines--;
        }
    }
    consume(ld, i);
    return (long)o;
}

long vl_ldisc_read(struct vl_ldisc *ld, uint8_t *out, size_t len, uint64_t start, uint64_t now,
                   uint64_t *wake)
{
    *wake = VK_DEADLINE_NEVER;
    if (!len)
        return 0;
    if (ld->t.lflag & VL_ICANON)
        return read_canon(ld, out, len, wake);
    uint32_t avail = ld->canon;
    uint32_t min = ld->t.cc[VL_VMIN];
    uint64_t time = (uint64_t)ld->t.cc[VL_VTIME] * VL_VTIME_NS;
    if (min > len)
        min = (uint32_t)len;
    int ready;
    if (time == 0) {
        ready = avail >= min; /* VMIN 0: whatever is there, maybe nothing */
    } else if (min == 0) {    /* a read timer from the start of the read */
        ready = avail > 0 || now >= start + time;
        if (!ready)
            *wake = start + time;
    } else { /* an inter-byte timer, armed by the first byte */
        uint64_t since = ld->last_rx > start ? ld->last_rx : start;
        ready = avail >= min || (avail > 0 && now >= since + time);
        if (!ready && avail > 0)
            *wake = since + time;
    }
    if (!ready)
        return -VK_EAGAIN;
    size_t n = avail < len ? avail : len;
    __builtin_memcpy(out, ld->buf, n);
    consume(ld, (uint32_t)n);
    return (long)n;
}

int vl_ldisc_readable(const struct vl_ldisc *ld)
{
    if (ld->t.lflag & VL_ICANON)
        return ld->lines > 0;
    uint32_t amt = !ld->t.cc[VL_VTIME] && ld->t.cc[VL_VMIN] ? ld->t.cc[VL_VMIN] : 1;
    return ld->canon >= amt;
}
