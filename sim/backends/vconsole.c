/*
 * The host end of virtio-console (contract: vconsole.h): plain POSIX file I/O, the output
 * unbuffered, the input read whole at open.
 */
#include "sim/backends/vconsole.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "veridian/errors.h"

static int vcon_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct vs_vconsole *h = ctx;
    if (h->out_fd < 0)
        return 0; /* discarded, as a terminal nobody watches */
    while (len) {
        ssize_t n = write(h->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            h->out_errors++;
            return -VK_EIO;
        }
        buf += n;
        len -= (size_t)n;
        h->out_bytes += (uint64_t)n;
    }
    return 0;
}

static const struct virtio_console_backend_ops vcon_ops = {.write = vcon_write};

const struct virtio_console_backend_ops *vs_vconsole_backend(void)
{
    return &vcon_ops;
}

static int read_input(struct vs_vconsole *h, const char *path, char *err, size_t errlen)
{
    struct stat st;
    int rc = -VK_EIO;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "virtio-console: cannot open the input file %s: %s", path,
                 strerror(errno));
        return -VK_ENOENT;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > VS_VCONSOLE_INPUT_MAX) {
        snprintf(err, errlen,
                 "virtio-console: the input file %s is not a regular file of at most %u bytes",
                 path, VS_VCONSOLE_INPUT_MAX);
        rc = -VK_EINVAL;
        goto out_close;
    }
    h->in_len = (size_t)st.st_size;
    h->in = malloc(h->in_len ? h->in_len : 1);
    if (!h->in) {
        snprintf(err, errlen, "virtio-console: out of memory for the input file %s", path);
        rc = -VK_ENOMEM;
        goto out_close;
    }
    for (size_t got = 0; got < h->in_len;) {
        ssize_t n = read(fd, h->in + got, h->in_len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "virtio-console: cannot read the input file %s", path);
            goto out_free;
        }
        got += (size_t)n;
    }
    close(fd);
    return 0;
out_free:
    free(h->in);
    h->in = NULL;
    h->in_len = 0;
out_close:
    close(fd);
    return rc;
}

int vs_vconsole_open(struct vs_vconsole *h, const char *out_path, const char *in_path, char *err,
                     size_t errlen)
{
    int rc;
    memset(h, 0, sizeof *h);
    h->out_fd = -1;
    if (in_path && *in_path && (rc = read_input(h, in_path, err, errlen)))
        return rc;
    if (out_path && *out_path) {
        h->out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (h->out_fd < 0) {
            snprintf(err, errlen, "virtio-console: cannot create the output file %s: %s", out_path,
                     strerror(errno));
            free(h->in);
            h->in = NULL;
            return -VK_EIO;
        }
    }
    return 0;
}

void vs_vconsole_close(struct vs_vconsole *h)
{
    if (h->out_fd >= 0)
        close(h->out_fd);
    free(h->in);
    memset(h, 0, sizeof *h);
    h->out_fd = -1;
}

void vs_vconsole_feed(struct vs_vconsole *h, struct virtio_console *c)
{
    if (h->in_done < h->in_len)
        h->in_done += virtio_console_input(c, h->in + h->in_done, h->in_len - h->in_done);
}

int vs_vconsole_pending(const struct vs_vconsole *h)
{
    return h->in_done < h->in_len;
}
