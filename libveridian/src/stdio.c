/*
 * stdio: FILE streams over file descriptors, fopen and friends, seeking, and the printf
 * family on top of the format engine (format.c).
 *
 * A FILE is an fd, a buffer and a mode: idle, reading ([rpos, rend) is unread data) or
 * writing (wlen bytes pending at buf). Full buffering writes when the buffer fills; line
 * buffering also writes through each '\n'; an unbuffered stream writes each call's data at
 * once (a printf to stderr is formatted into a stack buffer first, so it is still one
 * write). Reading a line- or unbuffered stream first flushes a line-buffered stdout, so
 * prompts appear. Streams fopen/fdopen make are fully buffered, or line-buffered on a
 * terminal (the console). The stream's position is the fd's offset minus unread input plus
 * pending output: fseek/ftell compute it that way, and switching from reading to writing
 * seeks the fd back over unread input (where the fd cannot seek, unread input is dropped).
 *
 * All streams are on one list (`streams`, the three standard ones first), which is what
 * fflush(NULL) and exit flush. fclose unlinks a stream before locking it, the reverse of
 * fflush(NULL)'s order, so the two never deadlock. fclose of stdin/stdout/stderr closes the
 * fd and leaves the static stream closed (freopen can reopen it).
 *
 * Locking: every public function holds the stream's lock, which is recursive per thread
 * (flockfile). Errors: a failed write sets the error flag and errno (from write); printf
 * returns -1 with errno from the engine (EOVERFLOW, EILSEQ, EINVAL) or the write.
 */
#include "libc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define F_READ 1u
#define F_WRITE 2u
#define F_EOF 4u
#define F_ERR 8u
#define F_LBF 16u
#define F_NBF 32u
#define F_APP 64u   /* opened for appending: writes go to the end (O_APPEND) */
#define F_HEAP 128u /* made by fopen/fdopen: fclose frees it */

enum stream_mode { MODE_IDLE, MODE_READ, MODE_WRITE };

struct vr_file {
    int fd;
    unsigned flags;
    enum stream_mode mode;
    unsigned char *buf;
    size_t size;
    unsigned char *rpos, *rend; /* reading: unread data */
    size_t wlen;                /* writing: bytes pending at buf */
    struct vr_lock lock;
    struct vr_tcb *owner; /* holder of lock, for recursion */
    int depth;
    struct vr_file *next; /* in `streams` */
    void *owned_buf;      /* a buffer setvbuf allocated, freed by fclose */
    unsigned char one[1]; /* the buffer of an unbuffered stream */
};

static unsigned char stdin_buf[BUFSIZ], stdout_buf[BUFSIZ];

static FILE f_stderr = {
    .fd = 2,
    .flags = F_WRITE | F_NBF,
    .buf = f_stderr.one,
    .size = 1,
    .rpos = f_stderr.one,
    .rend = f_stderr.one,
    .lock = VR_LOCK_INIT,
    .next = NULL,
};
static FILE f_stdout = {
    .fd = 1,
    .flags = F_WRITE | F_LBF,
    .buf = stdout_buf,
    .size = sizeof stdout_buf,
    .rpos = stdout_buf,
    .rend = stdout_buf,
    .lock = VR_LOCK_INIT,
    .next = &f_stderr,
};
static FILE f_stdin = {
    .fd = 0,
    .flags = F_READ | F_LBF,
    .buf = stdin_buf,
    .size = sizeof stdin_buf,
    .rpos = stdin_buf,
    .rend = stdin_buf,
    .lock = VR_LOCK_INIT,
    .next = &f_stdout,
};

FILE *const stdin = &f_stdin;
FILE *const stdout = &f_stdout;
FILE *const stderr = &f_stderr;

static struct vr_lock streams_lock = VR_LOCK_INIT;
static FILE *streams = &f_stdin;

/* ---- locking ---- */

void flockfile(FILE *f)
{
    struct vr_tcb *self = vr_tcb_current();

    if (f->owner == self) {
        f->depth++;
        return;
    }
    vr_lock_acquire(&f->lock);
    f->owner = self;
    f->depth = 1;
}

int ftrylockfile(FILE *f)
{
    struct vr_tcb *self = vr_tcb_current();

    if (f->owner == self) {
        f->depth++;
        return 0;
    }
    if (!vr_lock_try(&f->lock))
        return -1;
    f->owner = self;
    f->depth = 1;
    return 0;
}

void funlockfile(FILE *f)
{
    if (--f->depth == 0) {
        f->owner = NULL;
        vr_lock_release(&f->lock);
    }
}

/* ---- the unlocked core ---- */

/* write(2) until done: the bytes written (short on error, with errno set). */
static size_t write_all(int fd, const void *p, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t rc = write(fd, (const char *)p + done, n - done);
        if (rc <= 0) {
            if (rc == 0)
                errno = EIO;
            break;
        }
        done += (size_t)rc;
    }
    return done;
}

static int flush_unlocked(FILE *f)
{
    if (f->mode != MODE_WRITE || f->wlen == 0)
        return 0;
    size_t n = write_all(f->fd, f->buf, f->wlen);
    if (n < f->wlen) {
        /* keep what was not written, for a later retry */
        memmove(f->buf, f->buf + n, f->wlen - n);
        f->wlen -= n;
        f->flags |= F_ERR;
        return EOF;
    }
    f->wlen = 0;
    return 0;
}

static int to_write(FILE *f)
{
    if (!(f->flags & F_WRITE)) {
        f->flags |= F_ERR;
        errno = EBADF;
        return -1;
    }
    if (f->mode == MODE_READ) {
        size_t unread = (size_t)(f->rend - f->rpos);
        if (unread) {
            int saved = errno;
            lseek(f->fd, -(off_t)unread, SEEK_CUR); /* cannot seek: unread input is dropped */
            errno = saved;
        }
        f->rpos = f->rend = f->buf;
    }
    f->mode = MODE_WRITE;
    return 0;
}

static int to_read(FILE *f)
{
    if (!(f->flags & F_READ)) {
        f->flags |= F_ERR;
        errno = EBADF;
        return -1;
    }
    if (f->mode == MODE_WRITE && flush_unlocked(f) < 0)
        return -1;
    if (f->mode != MODE_READ) {
        f->mode = MODE_READ;
        f->rpos = f->rend = f->buf;
    }
    return 0;
}

/* Buffer (or write) n bytes as if full buffering applied. */
static size_t put_full(FILE *f, const unsigned char *p, size_t n)
{
    if (n > f->size - f->wlen && flush_unlocked(f) < 0)
        return 0;
    if (n >= f->size) {
        size_t done = write_all(f->fd, p, n);
        if (done < n)
            f->flags |= F_ERR;
        return done;
    }
    memcpy(f->buf + f->wlen, p, n);
    f->wlen += n;
    return n;
}

static size_t write_unlocked(FILE *f, const void *data, size_t n)
{
    const unsigned char *p = data;

    if (n == 0 || to_write(f) < 0)
        return 0;
    if (f->flags & F_NBF) {
        if (flush_unlocked(f) < 0)
            return 0;
        size_t done = write_all(f->fd, p, n);
        if (done < n)
            f->flags |= F_ERR;
        return done;
    }
    if (f->flags & F_LBF) {
        const unsigned char *nl = memrchr(p, '\n', n);
        if (nl) {
            size_t k = (size_t)(nl - p) + 1;
            size_t done = put_full(f, p, k);
            if (done < k || flush_unlocked(f) < 0)
                return done;
            return k + put_full(f, p + k, n - k);
        }
    }
    return put_full(f, p, n);
}

static int fill(FILE *f)
{
    if ((f->flags & (F_LBF | F_NBF)) && f != stdout && (stdout->flags & F_LBF))
        fflush(stdout);
    ssize_t n = read(f->fd, f->buf, f->size);
    if (n <= 0) {
        f->flags |= n == 0 ? F_EOF : F_ERR;
        return EOF;
    }
    f->rpos = f->buf;
    f->rend = f->buf + n;
    return 0;
}

static int getc_unlocked_(FILE *f)
{
    if (f->mode != MODE_READ && to_read(f) < 0)
        return EOF;
    if (f->rpos == f->rend && fill(f) < 0)
        return EOF;
    return *f->rpos++;
}

/* ---- initialisation and flushing ---- */

void vr_stdio_init(void)
{
    if (!isatty(STDOUT_FILENO))
        f_stdout.flags &= ~F_LBF;
}

int fflush(FILE *f)
{
    int rc = 0;

    if (!f) {
        vr_lock_acquire(&streams_lock);
        for (FILE *s = streams; s; s = s->next)
            if (fflush(s) == EOF)
                rc = EOF;
        vr_lock_release(&streams_lock);
        return rc;
    }
    flockfile(f);
    rc = flush_unlocked(f);
    funlockfile(f);
    return rc;
}

void vr_stdio_flush_all(void)
{
    fflush(NULL);
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
    int rc = 0;

    flockfile(f);
    if (f->mode != MODE_IDLE || (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)) {
        rc = -1;
        goto out;
    }
    f->flags &= ~(F_LBF | F_NBF);
    if (mode == _IONBF) {
        f->flags |= F_NBF;
        f->buf = f->one;
        f->size = 1;
    } else {
        if (mode == _IOLBF)
            f->flags |= F_LBF;
        if (buf && size) {
            f->buf = (unsigned char *)buf;
            f->size = size;
        } else if (f->buf == f->one) {
            unsigned char *b = malloc(BUFSIZ);
            if (!b) {
                f->flags |= F_NBF;
                rc = -1;
                goto out;
            }
            free(f->owned_buf);
            f->owned_buf = b; /* lives as long as the stream */
            f->buf = b;
            f->size = BUFSIZ;
        }
    }
    f->rpos = f->rend = f->buf;
out:
    funlockfile(f);
    return rc;
}

void setbuf(FILE *restrict f, char *restrict buf)
{
    setvbuf(f, buf, buf ? _IOFBF : _IONBF, BUFSIZ);
}

/* ---- opening, closing and seeking ---- */

/* Buffering for a stream on fd: line-buffered on a terminal, else fully buffered. */
static unsigned buffering(int fd)
{
    int saved = errno;
    unsigned lbf = isatty(fd) ? F_LBF : 0;

    errno = saved;
    return lbf;
}

static unsigned mode_flags(int fmode)
{
    return ((fmode & VR_FMODE_READ) ? F_READ : 0) | ((fmode & VR_FMODE_WRITE) ? F_WRITE : 0) |
           ((fmode & VR_FMODE_APPEND) ? F_APP : 0);
}

/* A new heap stream on fd with a BUFSIZ buffer after it, on the stream list; or NULL. */
static FILE *stream_new(int fd, int fmode)
{
    FILE *f = malloc(sizeof *f + BUFSIZ);

    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->flags = mode_flags(fmode) | buffering(fd) | F_HEAP;
    f->mode = MODE_IDLE;
    f->buf = (unsigned char *)(f + 1);
    f->size = BUFSIZ;
    f->rpos = f->rend = f->buf;
    f->lock = (struct vr_lock)VR_LOCK_INIT;
    vr_lock_acquire(&streams_lock);
    f->next = streams;
    streams = f;
    vr_lock_release(&streams_lock);
    return f;
}

FILE *fopen(const char *restrict path, const char *restrict mode)
{
    int oflags;
    int fmode = vr_fopen_mode(mode, &oflags);

    if (fmode < 0) {
        errno = EINVAL;
        return NULL;
    }
    int fd = open(path, oflags, 0666);
    if (fd < 0)
        return NULL;
    FILE *f = stream_new(fd, fmode);
    if (!f) {
        close(fd);
        errno = ENOMEM;
    }
    return f;
}

/* Can a stream with fopen mode fmode use fd? Sets O_APPEND (and with `exact`, as freopen
 * wants, also clears it) and FD_CLOEXEC as the mode says: 0, or -1 with errno. */
static int adapt_fd(int fd, int fmode, int oflags, int exact)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0)
        return -1;
    int acc = fl & O_ACCMODE;
    if (((fmode & VR_FMODE_READ) && acc == O_WRONLY) ||
        ((fmode & VR_FMODE_WRITE) && acc == O_RDONLY)) {
        errno = EINVAL;
        return -1;
    }
    int app = (fmode & VR_FMODE_APPEND) ? O_APPEND : 0;
    if ((app || exact) && (fl & O_APPEND) != app && fcntl(fd, F_SETFL, (fl & ~O_APPEND) | app) < 0)
        return -1;
    if ((oflags & O_CLOEXEC) && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

FILE *fdopen(int fd, const char *mode)
{
    int oflags;
    int fmode = vr_fopen_mode(mode, &oflags);

    if (fmode < 0) {
        errno = EINVAL;
        return NULL;
    }
    if (adapt_fd(fd, fmode, oflags, 0) < 0)
        return NULL;
    FILE *f = stream_new(fd, fmode);
    if (!f)
        errno = ENOMEM;
    return f;
}

/* Forget buffered data and state: the stream is idle at the fd's offset. */
static void reset_unlocked(FILE *f)
{
    f->mode = MODE_IDLE;
    f->rpos = f->rend = f->buf;
    f->wlen = 0;
    f->flags &= ~(F_EOF | F_ERR);
}

FILE *freopen(const char *restrict path, const char *restrict mode, FILE *restrict f)
{
    int oflags, fd;
    int fmode = vr_fopen_mode(mode, &oflags);

    flockfile(f);
    flush_unlocked(f);
    reset_unlocked(f);
    if (fmode < 0) {
        errno = EINVAL;
        goto fail;
    }
    if (path) {
        int old = f->fd;
        if (old >= 0)
            close(old);
        f->fd = -1;
        if ((fd = open(path, oflags, 0666)) < 0)
            goto fail;
        /* keep the fd number (stdout stays fd 1) */
        if (old >= 0 && fd != old && dup3(fd, old, oflags & O_CLOEXEC) >= 0) {
            close(fd);
            fd = old;
        }
    } else {
        fd = f->fd; /* the same file with a new mode */
        if (fd < 0 || adapt_fd(fd, fmode, oflags, 1) < 0)
            goto fail;
    }
    f->fd = fd;
    f->flags = (f->flags & (F_NBF | F_HEAP)) | mode_flags(fmode);
    if (!(f->flags & F_NBF))
        f->flags |= buffering(fd);
    funlockfile(f);
    return f;
fail:
    /* POSIX: the original stream is closed either way */
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->flags &= ~(F_READ | F_WRITE);
    funlockfile(f);
    return NULL;
}

int fclose(FILE *f)
{
    int rc = 0;

    if (f->flags & F_HEAP) {
        vr_lock_acquire(&streams_lock);
        for (FILE **p = &streams; *p; p = &(*p)->next) {
            if (*p == f) {
                *p = f->next;
                break;
            }
        }
        vr_lock_release(&streams_lock);
    }
    flockfile(f);
    if (flush_unlocked(f) < 0)
        rc = EOF;
    if (f->fd >= 0 && close(f->fd) < 0)
        rc = EOF;
    f->fd = -1;
    f->flags &= ~(F_READ | F_WRITE);
    reset_unlocked(f);
    funlockfile(f);
    if (f->flags & F_HEAP) {
        free(f->owned_buf);
        free(f);
    }
    return rc;
}

int fseeko(FILE *f, off_t off, int whence)
{
    int rc = -1;

    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
        errno = EINVAL;
        return -1;
    }
    flockfile(f);
    if (flush_unlocked(f) < 0)
        goto out;
    if (f->mode == MODE_READ && whence == SEEK_CUR)
        off -= (off_t)(f->rend - f->rpos);
    if (lseek(f->fd, off, whence) < 0)
        goto out;
    reset_unlocked(f);
    rc = 0;
out:
    funlockfile(f);
    return rc;
}

int fseek(FILE *f, long off, int whence)
{
    return fseeko(f, off, whence);
}

off_t ftello(FILE *f)
{
    off_t pos = -1;

    flockfile(f);
    if ((f->flags & F_APP) && flush_unlocked(f) < 0)
        goto out; /* appending: where the data lands is only known once written */
    if ((pos = lseek(f->fd, 0, SEEK_CUR)) < 0)
        goto out;
    if (f->mode == MODE_READ)
        pos -= (off_t)(f->rend - f->rpos);
    else if (f->mode == MODE_WRITE)
        pos += (off_t)f->wlen;
    if (pos < 0) {
        errno = EIO; /* more pushed back than was ever read */
        pos = -1;
    }
out:
    funlockfile(f);
    return pos;
}

long ftell(FILE *f)
{
    return ftello(f);
}

void rewind(FILE *f)
{
    flockfile(f);
    fseeko(f, 0, SEEK_SET);
    f->flags &= ~F_ERR;
    funlockfile(f);
}

int fgetpos(FILE *restrict f, fpos_t *restrict pos)
{
    off_t p = ftello(f);

    if (p < 0)
        return -1;
    pos->__pos = p;
    return 0;
}

int fsetpos(FILE *f, const fpos_t *pos)
{
    return fseeko(f, pos->__pos, SEEK_SET);
}

/* ---- state ---- */

int feof(FILE *f)
{
    flockfile(f);
    int r = (f->flags & F_EOF) != 0;
    funlockfile(f);
    return r;
}

int ferror(FILE *f)
{
    flockfile(f);
    int r = (f->flags & F_ERR) != 0;
    funlockfile(f);
    return r;
}

void clearerr(FILE *f)
{
    flockfile(f);
    f->flags &= ~(F_EOF | F_ERR);
    funlockfile(f);
}

int fileno(FILE *f)
{
    if (f->fd < 0) {
        errno = EBADF;
        return -1;
    }
    return f->fd;
}

/* ---- output ---- */

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
    size_t total;

    if (size == 0 || n == 0)
        return 0;
    if (__builtin_mul_overflow(size, n, &total)) {
        errno = EOVERFLOW;
        return 0;
    }
    flockfile(f);
    size_t done = write_unlocked(f, p, total);
    funlockfile(f);
    return done == total ? n : done / size;
}

int fputc(int c, FILE *f)
{
    unsigned char ch = (unsigned char)c;

    flockfile(f);
    size_t done = write_unlocked(f, &ch, 1);
    funlockfile(f);
    return done == 1 ? ch : EOF;
}

int putc(int c, FILE *f)
{
    return fputc(c, f);
}

int putchar(int c)
{
    return fputc(c, stdout);
}

int fputs(const char *restrict s, FILE *restrict f)
{
    size_t n = strlen(s);

    flockfile(f);
    size_t done = write_unlocked(f, s, n);
    funlockfile(f);
    return done == n ? 0 : EOF;
}

int puts(const char *s)
{
    int rc = 0;

    flockfile(stdout);
    size_t n = strlen(s);
    if (write_unlocked(stdout, s, n) != n || write_unlocked(stdout, "\n", 1) != 1)
        rc = EOF;
    funlockfile(stdout);
    return rc;
}

/* ---- input ---- */

int fgetc(FILE *f)
{
    flockfile(f);
    int c = getc_unlocked_(f);
    funlockfile(f);
    return c;
}

int getc(FILE *f)
{
    return fgetc(f);
}

int getchar(void)
{
    return fgetc(stdin);
}

int ungetc(int c, FILE *f)
{
    int rc = EOF;

    if (c == EOF)
        return EOF;
    flockfile(f);
    if (f->mode != MODE_READ && to_read(f) < 0)
        goto out;
    if (f->rpos == f->rend)
        f->rpos = f->rend = f->buf + f->size; /* empty: push back at the end */
    if (f->rpos > f->buf) {
        *--f->rpos = (unsigned char)c;
    } else if (f->rend < f->buf + f->size) {
        memmove(f->buf + 1, f->buf, (size_t)(f->rend - f->buf));
        f->rend++;
        *f->rpos = (unsigned char)c;
    } else {
        goto out; /* no room: only one character of push-back is promised */
    }
    f->flags &= ~F_EOF;
    rc = (unsigned char)c;
out:
    funlockfile(f);
    return rc;
}

size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f)
{
    unsigned char *dst = p;
    size_t total, done = 0;

    if (size == 0 || n == 0)
        return 0;
    if (__builtin_mul_overflow(size, n, &total)) {
        errno = EOVERFLOW;
        return 0;
    }
    flockfile(f);
    if (f->mode != MODE_READ && to_read(f) < 0)
        goto out;
    while (done < total) {
        size_t avail = (size_t)(f->rend - f->rpos);
        if (avail) {
            size_t k = avail < total - done ? avail : total - done;
            memcpy(dst + done, f->rpos, k);
            f->rpos += k;
            done += k;
            continue;
        }
        if (total - done >= f->size) {
            /* big read: straight into the caller's buffer */
            if ((f->flags & (F_LBF | F_NBF)) && f != stdout && (stdout->flags & F_LBF))
                fflush(stdout);
            ssize_t r = read(f->fd, dst + done, total - done);
            if (r <= 0) {
                f->flags |= r == 0 ? F_EOF : F_ERR;
                break;
            }
            done += (size_t)r;
            continue;
        }
        if (fill(f) < 0)
            break;
    }
out:
    funlockfile(f);
    return done / size;
}

char *fgets(char *restrict s, int n, FILE *restrict f)
{
    int i = 0;

    if (n <= 0)
        return NULL;
    flockfile(f);
    while (i < n - 1) {
        int c = getc_unlocked_(f);
        if (c == EOF)
            break;
        s[i++] = (char)c;
        if (c == '\n')
            break;
    }
    funlockfile(f);
    if (i == 0 && n > 1)
        return NULL;
    s[i] = 0;
    return s;
}

ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f)
{
    size_t len = 0;
    ssize_t rc;

    if (!line || !cap) {
        errno = EINVAL;
        return -1;
    }
    if (!*line)
        *cap = 0;
    flockfile(f);
    for (;;) {
        int c = getc_unlocked_(f);
        if (c == EOF) {
            if (len == 0 || (f->flags & F_ERR)) {
                rc = -1;
                goto out;
            }
            break;
        }
        if (len + 2 > *cap) {
            size_t ncap = *cap < 64 ? 128 : *cap * 2;
            if (len + 2 > SSIZE_MAX) {
                errno = EOVERFLOW;
                rc = -1;
                goto out;
            }
            char *nl = realloc(*line, ncap);
            if (!nl) {
                f->flags |= F_ERR;
                rc = -1;
                goto out;
            }
            *line = nl;
            *cap = ncap;
        }
        (*line)[len++] = (char)c;
        if (c == delim)
            break;
    }
    (*line)[len] = 0;
    rc = (ssize_t)len;
out:
    funlockfile(f);
    return rc;
}

ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f)
{
    return getdelim(line, cap, '\n', f);
}

/* ---- printf ---- */

static int file_sink(void *ctx, const char *s, size_t n)
{
    return write_unlocked(ctx, s, n) == n ? 0 : -(errno ? errno : EIO);
}

static int format_result(int rc)
{
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return rc;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    int rc;

    flockfile(f);
    if (to_write(f) < 0) {
        funlockfile(f);
        return -1;
    }
    if (f->flags & F_NBF) {
        /* format into a stack buffer so the whole line leaves in one write */
        unsigned char tmp[512];
        unsigned char *saved = f->buf;
        size_t saved_size = f->size;
        f->buf = tmp;
        f->size = sizeof tmp;
        f->flags &= ~F_NBF;
        rc = vr_vformat(file_sink, f, fmt, ap);
        if (flush_unlocked(f) < 0 && rc >= 0)
            rc = -(errno ? errno : EIO);
        f->wlen = 0;
        f->buf = saved;
        f->size = saved_size;
        f->flags |= F_NBF;
    } else {
        rc = vr_vformat(file_sink, f, fmt, ap);
    }
    funlockfile(f);
    return format_result(rc);
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vfprintf(f, fmt, ap);
    va_end(ap);
    return rc;
}

int vprintf(const char *restrict fmt, va_list ap)
{
    return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return rc;
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
{
    if (n > INT_MAX) {
        /* as glibc: the size is only an upper bound, anything this large is "unlimited" */
        n = INT_MAX;
    }
    return format_result(vr_vsnformat(buf, n, fmt, ap));
}

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return rc;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
    return vsnprintf(buf, INT_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vsnprintf(buf, INT_MAX, fmt, ap);
    va_end(ap);
    return rc;
}

struct fd_sink {
    int fd;
};

static int fd_sink_put(void *ctx, const char *s, size_t n)
{
    struct fd_sink *d = ctx;

    return write_all(d->fd, s, n) == n ? 0 : -(errno ? errno : EIO);
}

int vdprintf(int fd, const char *restrict fmt, va_list ap)
{
    struct fd_sink d = {fd};

    return format_result(vr_vformat(fd_sink_put, &d, fmt, ap));
}

int dprintf(int fd, const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vdprintf(fd, fmt, ap);
    va_end(ap);
    return rc;
}

struct grow_sink {
    char *buf;
    size_t len, cap;
};

static int grow_put(void *ctx, const char *s, size_t n)
{
    struct grow_sink *g = ctx;

    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 64;
        while (cap < g->len + n + 1)
            cap *= 2;
        char *b = realloc(g->buf, cap);
        if (!b)
            return -VK_ENOMEM;
        g->buf = b;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, s, n);
    g->len += n;
    return 0;
}

int vasprintf(char **restrict out, const char *restrict fmt, va_list ap)
{
    struct grow_sink g = {NULL, 0, 0};
    int rc = vr_vformat(grow_put, &g, fmt, ap);

    if (rc >= 0 && !g.buf && grow_put(&g, "", 0) < 0)
        rc = -VK_ENOMEM;
    if (rc < 0) {
        free(g.buf);
        *out = NULL;
        return format_result(rc);
    }
    g.buf[g.len] = 0;
    *out = g.buf;
    return rc;
}

int asprintf(char **restrict out, const char *restrict fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = vasprintf(out, fmt, ap);
    va_end(ap);
    return rc;
}

void perror(const char *s)
{
    const char *msg = strerror(errno);

    if (s && *s)
        fprintf(stderr, "%s: %s\n", s, msg);
    else
        fprintf(stderr, "%s\n", msg);
}
