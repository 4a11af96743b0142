/*
 * The console device as the kernel sees it (platform.h: vk_plat_console_*): writes go to the
 * console backend's stdout/stderr descriptors, reads come from the input the backend
 * buffered (sim/backends/console.c fills it while the idle loop waits, and tells the kernel
 * with vk_console_input). Input reaches a guest line by line unless the console is a
 * terminal, so how the host pipe chunked it never shows; a terminal's bytes go to the
 * kernel's line discipline as they came. For a byte stream the console object's READABLE
 * signal is cleared here when the buffer runs dry; for a terminal the kernel keeps it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "os/kernel/platform.h"
#include "sim/core/machine.h"

static size_t write_some(int fd, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    return done;
}

/* A node's output but the first node's: "[name] " before every line (nodes.h). */
static size_t write_prefixed(struct vk_machine *m, int fd, int *midline, const char *buf,
                             size_t len)
{
    size_t done = 0, plen = strlen(m->con.prefix);
    while (done < len) {
        if (!*midline && write_some(fd, m->con.prefix, plen) != plen)
            break;
        const char *nl = memchr(buf + done, '\n', len - done);
        size_t n = nl ? (size_t)(nl - (buf + done)) + 1 : len - done;
        size_t w = write_some(fd, buf + done, n);
        done += w;
        *midline = w == 0 || buf[done - 1] != '\n';
        if (w != n)
            break;
    }
    return done;
}

long vk_plat_console_write(struct vk_kernel *k, int err_stream, const void *buf, size_t len)
{
    struct vk_machine *m = k->platform;
    int fd = err_stream ? m->con.err_fd : m->con.out_fd;
    size_t done;
    if (m->con.prefix[0])
        done =
            write_prefixed(m, fd, err_stream ? &m->con.err_midline : &m->con.out_midline, buf, len);
    else
        done = write_some(fd, buf, len);
    if (!done)
        return len ? -VK_EIO : 0;
    if (err_stream)
        m->con.err_midline = ((const char *)buf)[done - 1] != '\n';
    return (long)done;
}

long vk_plat_console_read(struct vk_kernel *k, void *buf, size_t len)
{
    struct vk_machine *m = k->platform;
    struct vs_console *c = &m->con;
    if (!c->len)
        return c->eof ? 0 : -VK_EAGAIN;
    size_t n = c->len;
    if (!c->tty) { /* deliver line by line: independent of how the host pipe chunked it */
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl)
            n = (size_t)(nl - c->buf) + 1;
        else if (!c->eof)
            return -VK_EAGAIN;
    }
    if (n > len)
        n = len;
    memcpy(buf, c->buf, n);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    if (!c->len && !c->eof && !c->tty)
        vk_object_signal(k, &k->console->o, 0, VK_SIG_READABLE);
    return (long)n;
}

void vk_plat_console_want_input(struct vk_kernel *k, int want)
{
    struct vk_machine *m = k->platform;
    if (want)
        m->con.want++;
    else if (m->con.want)
        m->con.want--;
}
