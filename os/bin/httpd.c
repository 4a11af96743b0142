/*
 * httpd [-q] [-p PORT] [-r ROOT] [-a ADDR] [-c COUNT] [-t SECS]: a small static-file HTTP
 * server (HTTP/1.0 and 1.1) for many clients at once, in one thread with poll.
 *
 * GET and HEAD of files under ROOT (default "."; a directory serves its index.html), with
 * Content-Length and a Content-Type from the name's extension. Answers: 200, 400 (a
 * malformed request line or header, a bad %-escape, HTTP/1.1 without Host), 403 (a path
 * that leaves ROOT), 404, 405 (any other method; with Allow), 414 (a request line over
 * 8 KiB), 431 (a head over 16 KiB), 505 (not HTTP/1.x). Connections are kept alive for
 * HTTP/1.1 unless the client says "Connection: close", and for HTTP/1.0 only when it asks
 * ("Connection: keep-alive"); requests may be pipelined. After an error answer the server
 * stops reading requests, shuts its side and drains what the client still sends, so that
 * the client reads the answer instead of a reset.
 *
 * The path never leaves ROOT: it is %-decoded (NUL refused), split on '/', and walked
 * component by component; ".." above ROOT is refused, and every symbolic link met is read
 * and walked in the same way (an absolute target, or one climbing above ROOT, is refused;
 * at most 16 links). A connection idle for -t SECS (default 30; virtual time in vrsim) is
 * closed. -c COUNT exits after COUNT answers (tests), -a binds one address (default any),
 * -q drops the request log (one line per answer on stderr: peer, request line, status,
 * bytes). Exit status: 0 (after -c), 1 on a setup failure (usage, socket, bind).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define HTTPD_MAXCONN 512
#define HTTPD_LINE_MAX 8192  /* request line */
#define HTTPD_HEAD_MAX 16384 /* request line and headers */
#define HTTPD_OUT 16384

enum conn_state {
    CONN_READING,  /* collecting a request head */
    CONN_WRITING,  /* sending a response (head, then file) */
    CONN_DRAINING, /* after an error answer: reading and discarding until the client ends */
};

struct conn {
    int fd;
    enum conn_state state;
    char peer[INET6_ADDRSTRLEN];
    char in[HTTPD_HEAD_MAX + 1];
    size_t in_len;
    char out[HTTPD_OUT];
    size_t out_len, out_off;
    int file;            /* the body's file, -1 when none (or done) */
    long long body_left; /* bytes of the file still to send */
    int keep_alive;
    int close_after; /* error answer: drain after sending */
    long long last;  /* last activity, ms */
};

struct httpd {
    const char *root;
    int quiet;
    long count; /* answers left before exiting, -1 for no limit */
    long idle_ms;
    int lfd;
    struct conn *conns[HTTPD_MAXCONN];
    int nconns;
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html"},    {".htm", "text/html"},      {".txt", "text/plain"},
        {".css", "text/css"},      {".js", "text/javascript"}, {".json", "application/json"},
        {".png", "image/png"},     {".jpg", "image/jpeg"},     {".gif", "image/gif"},
        {".svg", "image/svg+xml"}, {".toml", "text/plain"},
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static void log_answer(struct httpd *s, struct conn *c, const char *line, int status,
                       long long bytes)
{
    if (!s->quiet)
        fprintf(stderr, "%s \"%.200s\" %d %lld\n", c->peer, line, status, bytes);
}

/* Sets up an answer with no file: status line, headers, a short text body. keep: the
 * connection stays for the next request (a 403/404 on a kept-alive connection); otherwise
 * the server drains and closes it after the answer. */
static void answer_error(struct httpd *s, struct conn *c, const char *line, int status,
                         int head_only, int keep)
{
    char body[64];
    int blen = snprintf(body, sizeof body, "%d %s\n", status, reason(status));

    c->out_len =
        (size_t)snprintf(c->out, sizeof c->out,
                         "HTTP/1.1 %d %s\r\nServer: veridian-httpd\r\n"
                         "Content-Type: text/plain\r\nContent-Length: %d\r\n"
                         "%sConnection: %s\r\n\r\n%s",
                         status, reason(status), blen, status == 405 ? "Allow: GET, HEAD\r\n" : "",
                         keep ? "keep-alive" : "close", head_only ? "" : body);
    c->out_off = 0;
    c->file = -1;
    c->body_left = 0;
    c->keep_alive = keep;
    c->close_after = !keep;
    c->state = CONN_WRITING;
    log_answer(s, c, line, status, head_only ? 0 : blen);
}

/* %-decodes src (up to '?' or the end) into dst; -1 on a bad escape or a NUL. */
static int url_decode(const char *src, size_t len, char *dst, size_t size)
{
    size_t n = 0;

    for (size_t i = 0; i < len && src[i] != '?' && src[i] != '#'; i++) {
        int ch = (unsigned char)src[i];
        if (ch == '%') {
            int v = 0;
            for (int k = 1; k <= 2; k++) {
                int d = i + (size_t)k < len ? src[i + (size_t)k] : 0;
                if (d >= '0' && d <= '9')
                    v = v * 16 + d - '0';
                else if (d >= 'a' && d <= 'f')
                    v = v * 16 + d - 'a' + 10;
                else if (d >= 'A' && d <= 'F')
                    v = v * 16 + d - 'A' + 10;
                else
                    return -1;
            }
            if (v == 0)
                return -1;
            ch = v;
            i += 2;
        }
        if (n + 1 >= size)
            return -1;
        dst[n++] = (char)ch;
    }
    dst[n] = '\0';
    return 0;
}

/* Resolves the decoded path under root without leaving it (see the contract): the file's
 * path into out. 0, -403 (leaves root, or too many links) or -404 (missing). */
static int resolve_path(const char *root, const char *path, char *out, size_t size)
{
    /* pending: what is still to walk; done: the components walked, joined under root */
    char pending[4096], done[4096], link[4096];
    size_t dlen = 0;
    int links = 0;

    if (strlen(path) >= sizeof pending)
        return -404;
    strcpy(pending, path);
    done[0] = '\0';
    char *p = pending;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *end = strchr(p, '/');
        size_t clen = end ? (size_t)(end - p) : strlen(p);
        char comp[256];
        if (clen >= sizeof comp)
            return -404;
        memcpy(comp, p, clen);
        comp[clen] = '\0';
        p += clen;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (dlen == 0)
                return -403; /* above the root */
            char *slash = strrchr(done, '/');
            dlen = (size_t)(slash - done);
            done[dlen] = '\0';
            continue;
        }
        if (dlen + 1 + clen >= sizeof done)
            return -404;
        size_t before = dlen;
        done[dlen++] = '/';
        memcpy(done + dlen, comp, clen + 1);
        dlen += clen;

        char full[8192];
        struct stat st;
        if ((size_t)snprintf(full, sizeof full, "%s%s", root, done) >= sizeof full)
            return -404;
        if (lstat(full, &st) < 0)
            return -404;
        if (!S_ISLNK(st.st_mode))
            continue;
        if (++links > 16)
            return -403;
        ssize_t l = readlink(full, link, sizeof link - 1);
        if (l <= 0)
            return -404;
        link[l] = '\0';
        if (link[0] == '/')
            return -403; /* absolute: it would leave the root */
        /* the link's target replaces this component, followed by what is left */
        dlen = before;
        done[dlen] = '\0';
        size_t rest = strlen(p);
        if ((size_t)l + 1 + rest >= sizeof pending)
            return -404;
        char tail[4096];
        memcpy(tail, p, rest + 1);
        memcpy(pending, link, (size_t)l);
        pending[l] = '/';
        memcpy(pending + l + 1, tail, rest + 1);
        p = pending;
    }
    if ((size_t)snprintf(out, size, "%s%s", root, done) >= size)
        return -404;
    return 0;
}

/* The value of header name (case-insensitive) in the head's lines, NUL-terminated in place
 * is not possible (the head is shared), so copied into val; 1 when present. */
static int header(const char *head, const char *name, char *val, size_t size)
{
    size_t nlen = strlen(name);
    const char *line = strchr(head, '\n');

    while (line && line[1]) {
        line++;
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            size_t vlen = len - nlen - 1;
            while (vlen && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(val, v, vlen);
            val[vlen] = '\0';
            return 1;
        }
        line = eol;
    }
    return 0;
}

/* Checks the header lines' shape: each "name: value" with a token name. 0 or -1. */
static int headers_valid(const char *head)
{
    const char *line = strchr(head, '\n');

    while (line && line[1]) {
        line++;
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len && line[len - 1] == '\r')
            len--;
        if (len == 0)
            break;
        size_t i = 0;
        while (i < len && line[i] != ':' && line[i] > ' ' && line[i] < 127)
            i++;
        if (i == 0 || i >= len || line[i] != ':')
            return -1;
        line = eol;
    }
    return 0;
}

/* One complete request head (hlen bytes, terminated by an empty line): set up the answer. */
static void handle_request(struct httpd *s, struct conn *c, size_t hlen)
{
    char head[HTTPD_HEAD_MAX + 1], line[HTTPD_LINE_MAX + 1];
    memcpy(head, c->in, hlen);
    head[hlen] = '\0';
    size_t llen = strcspn(head, "\r\n");
    memcpy(line, head, llen < HTTPD_LINE_MAX ? llen : HTTPD_LINE_MAX);
    line[llen < HTTPD_LINE_MAX ? llen : HTTPD_LINE_MAX] = '\0';

    /* "METHOD SP TARGET SP HTTP/x.y" and nothing else */
    char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || sp1 == line || sp2 == sp1 + 1) {
        answer_error(s, c, line, 400, 0, 0);
        return;
    }
    size_t mlen = (size_t)(sp1 - line);
    const char *target = sp1 + 1, *version = sp2 + 1;
    size_t tlen = (size_t)(sp2 - target);
    for (size_t i = 0; i < mlen; i++)
        if (line[i] < 'A' || line[i] > 'Z') {
            answer_error(s, c, line, 400, 0, 0);
            return;
        }
    int head_only = mlen == 4 && memcmp(line, "HEAD", 4) == 0;
    int get = mlen == 3 && memcmp(line, "GET", 3) == 0;
    if (strncmp(version, "HTTP/", 5) != 0 || !version[5] || version[6] != '.' || version[5] < '0' ||
        version[5] > '9' || version[7] < '0' || version[7] > '9' || version[8]) {
        answer_error(s, c, line, 400, head_only, 0);
        return;
    }
    if (version[5] != '1') {
        answer_error(s, c, line, 505, head_only, 0);
        return;
    }
    int minor = version[7] - '0';
    if (headers_valid(head) < 0) {
        answer_error(s, c, line, 400, head_only, 0);
        return;
    }
    char val[256];
    if (minor >= 1 && !header(head, "Host", val, sizeof val)) {
        answer_error(s, c, line, 400, head_only, 0);
        return;
    }
    if (!get && !head_only) {
        answer_error(s, c, line, 405, 0, 0);
        return;
    }
    int keep = minor >= 1;
    if (header(head, "Connection", val, sizeof val)) {
        if (strcasecmp(val, "close") == 0)
            keep = 0;
        else if (strcasecmp(val, "keep-alive") == 0)
            keep = 1;
    }
    /* a request body (not expected with GET/HEAD) would be taken for the next request */
    if (header(head, "Content-Length", val, sizeof val) && strcmp(val, "0") != 0)
        keep = 0;
    if (header(head, "Transfer-Encoding", val, sizeof val))
        keep = 0;

    char path[4096], file[8192];
    if (target[0] != '/' || url_decode(target, tlen, path, sizeof path) < 0) {
        answer_error(s, c, line, 400, head_only, 0);
        return;
    }
    int r = resolve_path(s->root, path, file, sizeof file);
    struct stat st;
    if (r == 0 && stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* a directory's index.html, walked like any path (it may be a link too) */
        char sub[4096 + sizeof "/index.html"];
        snprintf(sub, sizeof sub, "%s/index.html", path);
        r = resolve_path(s->root, sub, file, sizeof file);
    }
    int fd = -1;
    if (r == 0) {
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
            r = -404;
    }
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        answer_error(s, c, line, -r, head_only, keep);
        return;
    }
    c->out_len =
        (size_t)snprintf(c->out, sizeof c->out,
                         "HTTP/1.1 200 OK\r\nServer: veridian-httpd\r\n"
                         "Content-Type: %s\r\nContent-Length: %lld\r\n"
                         "Connection: %s\r\n\r\n",
                         content_type(file), (long long)st.st_size, keep ? "keep-alive" : "close");
    c->out_off = 0;
    c->keep_alive = keep;
    c->close_after = 0;
    c->state = CONN_WRITING;
    log_answer(s, c, line, 200, head_only ? 0 : (long long)st.st_size);
    if (head_only || st.st_size == 0) {
        close(fd);
        c->file = -1;
        c->body_left = 0;
    } else {
        c->file = fd;
        c->body_left = st.st_size;
    }
}

/* Looks for a complete head in c->in; answers when there is one. */
static void parse_input(struct httpd *s, struct conn *c)
{
    c->in[c->in_len] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    size_t hlen = 0;
    if (end)
        hlen = (size_t)(end - c->in) + 4;
    char *lf = strstr(c->in, "\n\n");
    if (lf && (!end || lf < end))
        hlen = (size_t)(lf - c->in) + 2;
    size_t eol = strcspn(c->in, "\n");
    if ((eol >= c->in_len && c->in_len > HTTPD_LINE_MAX) || eol > HTTPD_LINE_MAX) {
        answer_error(s, c, "(request line too long)", 414, 0, 0);
        return;
    }
    if (memchr(c->in, '\0', c->in_len)) {
        answer_error(s, c, "(NUL in request)", 400, 0, 0);
        return;
    }
    if (!hlen) {
        if (c->in_len >= HTTPD_HEAD_MAX)
            answer_error(s, c, "(request head too long)", 431, 0, 0);
        return;
    }
    handle_request(s, c, hlen);
    memmove(c->in, c->in + hlen, c->in_len - hlen);
    c->in_len -= hlen;
}

static void conn_close(struct httpd *s, int i)
{
    struct conn *c = s->conns[i];

    if (c->file >= 0)
        close(c->file);
    close(c->fd);
    free(c);
    s->conns[i] = s->conns[--s->nconns];
}

/* Count one finished answer against -c. */
static void answered(struct httpd *s)
{
    if (s->count > 0)
        s->count--;
}

/* Sends what it can; returns -1 when the connection is to be closed. */
static int conn_write(struct httpd *s, struct conn *c)
{
    for (;;) {
        if (c->out_off == c->out_len) {
            if (c->file < 0 || c->body_left == 0) {
                /* the answer is out */
                if (c->file >= 0) {
                    close(c->file);
                    c->file = -1;
                }
                answered(s);
                if (c->close_after) {
                    shutdown(c->fd, SHUT_WR);
                    c->state = CONN_DRAINING;
                    return 0;
                }
                if (!c->keep_alive)
                    return -1;
                c->state = CONN_READING;
                if (c->in_len)
                    parse_input(s, c);
                return 0;
            }
            size_t want = sizeof c->out;
            if ((long long)want > c->body_left)
                want = (size_t)c->body_left;
            ssize_t r = read(c->file, c->out, want);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1; /* the file shrank: the length is promised, so end it */
            c->out_len = (size_t)r;
            c->out_off = 0;
            c->body_left -= r;
        }
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (w <= 0)
            return -1;
        c->out_off += (size_t)w;
    }
}

/* Reads what is there; -1 when the connection is to be closed. */
static int conn_read(struct httpd *s, struct conn *c)
{
    if (c->state == CONN_DRAINING) {
        char junk[4096];
        ssize_t r = recv(c->fd, junk, sizeof junk, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return 0;
        return r <= 0 ? -1 : 0;
    }
    size_t room = HTTPD_HEAD_MAX - c->in_len;
    if (room == 0)
        return 0; /* a full buffer is answered by parse_input */
    ssize_t r = recv(c->fd, c->in + c->in_len, room, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (r <= 0)
        return -1;
    c->in_len += (size_t)r;
    if (c->state == CONN_READING)
        parse_input(s, c);
    return 0;
}

static void accept_one(struct httpd *s)
{
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int fd = accept(s->lfd, (struct sockaddr *)&peer, &pl);

    if (fd < 0)
        return;
    struct conn *c = s->nconns < HTTPD_MAXCONN ? malloc(sizeof *c) : NULL;
    if (!c) {
        close(fd);
        return;
    }
    /* non-blocking, so that one slow client never stalls the others (where a socket cannot
     * be made so, a send waits for the room poll promised) */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    c->fd = fd;
    c->state = CONN_READING;
    c->in_len = c->out_len = c->out_off = 0;
    c->file = -1;
    c->body_left = 0;
    c->keep_alive = c->close_after = 0;
    c->last = now_ms();
    if (getnameinfo((struct sockaddr *)&peer, pl, c->peer, sizeof c->peer, NULL, 0, NI_NUMERICHOST))
        strcpy(c->peer, "?");
    s->conns[s->nconns++] = c;
}

static int serve(struct httpd *s)
{
    static struct pollfd p[HTTPD_MAXCONN + 1];

    while (s->count != 0) {
        long long now = now_ms();
        int timeout = -1;
        p[0] = (struct pollfd){s->lfd, s->nconns < HTTPD_MAXCONN ? POLLIN : 0, 0};
        for (int i = 0; i < s->nconns; i++) {
            struct conn *c = s->conns[i];
            p[i + 1] = (struct pollfd){c->fd, c->state == CONN_WRITING ? POLLOUT : POLLIN, 0};
            long long left = c->last + s->idle_ms - now;
            if (left < 0)
                left = 0;
            if (timeout < 0 || left < timeout)
                timeout = (int)left;
        }
        int n = s->nconns;
        int r = poll(p, (nfds_t)n + 1, timeout);
        if (r < 0 && errno != EINTR) {
            util_warn_errno("poll");
            return 1;
        }
        now = now_ms();
        /* walk backwards: conn_close moves the last connection into the freed slot */
        for (int i = n - 1; i >= 0; i--) {
            struct conn *c = s->conns[i];
            int drop = 0;
            short ev = r > 0 ? p[i + 1].revents : 0;
            if (ev & POLLNVAL)
                drop = 1;
            else if (ev) {
                c->last = now;
                if (c->state == CONN_WRITING)
                    drop = conn_write(s, c) < 0;
                else
                    drop = conn_read(s, c) < 0;
                /* an answer set up by reading is started at once */
                if (!drop && c->state == CONN_WRITING)
                    drop = conn_write(s, c) < 0;
            } else if (now - c->last >= s->idle_ms) {
                drop = 1;
            }
            if (drop)
                conn_close(s, i);
        }
        if (r > 0 && (p[0].revents & POLLIN))
            accept_one(s);
    }
    while (s->nconns)
        conn_close(s, s->nconns - 1);
    return 0;
}

int main(int argc, char **argv)
{
    static struct httpd s;
    const char *port = "80", *addr = NULL;
    long v;
    int c;

    util_init(argv);
    s.root = ".";
    s.count = -1;
    s.idle_ms = 30000;
    while ((c = getopt(argc, argv, "a:c:p:qr:t:")) != -1) {
        switch (c) {
        case 'a':
            addr = optarg;
            break;
        case 'c':
            if (util_parse_long(optarg, 10, &v) || v < 1)
                util_die(1, "bad count: %s", optarg);
            s.count = v;
            break;
        case 'p':
            port = optarg;
            break;
        case 'q':
            s.quiet = 1;
            break;
        case 'r':
            s.root = optarg;
            break;
        case 't':
            if (util_parse_long(optarg, 10, &v) || v < 1 || v > 86400)
                util_die(1, "bad timeout: %s", optarg);
            s.idle_ms = v * 1000;
            break;
        default:
            util_usage(1, "[-q] [-p port] [-r root] [-a address] [-c count] [-t secs]");
        }
    }
    if (optind != argc)
        util_usage(1, "[-q] [-p port] [-r root] [-a address] [-c count] [-t secs]");
    struct stat st;
    if (stat(s.root, &st) < 0 || !S_ISDIR(st.st_mode))
        util_die(1, "%s: not a directory", s.root);

    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = addr ? AF_UNSPEC : AF_INET;
    int r = getaddrinfo(addr, port, &hints, &res);
    if (r)
        util_die(1, "%s port %s: %s", addr ? addr : "*", port, gai_strerror(r));
    s.lfd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (s.lfd < 0)
        util_die(1, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s.lfd, res->ai_addr, res->ai_addrlen) < 0)
        util_die(1, "bind to port %s: %s", port, strerror(errno));
    freeaddrinfo(res);
    if (listen(s.lfd, 128) < 0)
        util_die(1, "listen: %s", strerror(errno));
    if (!s.quiet) {
        struct sockaddr_storage me;
        socklen_t ml = sizeof me;
        char host[INET6_ADDRSTRLEN] = "?", serv[16] = "?";
        if (getsockname(s.lfd, (struct sockaddr *)&me, &ml) == 0)
            getnameinfo((struct sockaddr *)&me, ml, host, sizeof host, serv, sizeof serv,
                        NI_NUMERICHOST | NI_NUMERICSERV);
        fprintf(stderr, "httpd: serving %s on %s port %s\n", s.root, host, serv);
    }
    return serve(&s);
}
