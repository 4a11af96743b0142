/*
 * wget [-q] [-O FILE] [-T SECS] URL: fetch one http:// URL (GNU wget's subset).
 *
 * URL is http://HOST[:PORT][/PATH]; HOST is numeric (IPv6 in brackets) or a name of
 * /etc/hosts (getaddrinfo; each address is tried). The request is HTTP/1.0 with Host and
 * "Connection: close", so the body is the rest of the stream (bounded by Content-Length
 * when the server sends one). The body goes to FILE ("-": standard output), by default to
 * the URL's last path component (index.html for a directory); it is written only for a 2xx
 * answer. Redirects (301, 302, 303, 307, 308) to an http:// URL or an absolute path are
 * followed, 20 at most. Messages go to standard error as GNU wget's ("Connecting to ...",
 * "HTTP request sent, awaiting response... 200 OK", "Length: ...", "Saving to: ...",
 * "ERROR 404: Not Found.") unless -q. -T bounds connecting and every wait for data.
 *
 * Bad input is reported, never trusted: a status line that is not "HTTP/d.d NNN ...", a head
 * over 64 KiB or a header line without a colon are a protocol error; a body shorter than
 * its Content-Length is "Connection closed at byte N". Exit statuses as GNU wget's: 0 ok,
 * 1 generic, 2 usage or bad URL, 3 file I/O, 4 network failure (resolution, connection,
 * early close, timeout), 7 protocol error, 8 the server answered with an error (4xx/5xx).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/util.h"

#define WGET_HEAD_MAX 65536

enum {
    WGET_OK = 0,
    WGET_GENERIC = 1,
    WGET_USAGE = 2,
    WGET_FILE = 3,
    WGET_NET = 4,
    WGET_PROTO = 7,
    WGET_SERVER = 8
};

struct url {
    char host[256];
    char port[16];
    char path[4096];
};

struct wget {
    int quiet;
    int timeout_ms; /* -1: none */
    const char *output;
};

static void say(const struct wget *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct wget *w, const char *fmt, ...)
{
    va_list ap;

    if (w->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* http://HOST[:PORT][/PATH] into u; 0 or -1. */
static int parse_url(const char *s, struct url *u)
{
    if (strncasecmp(s, "http://", 7) != 0)
        return -1;
    s += 7;
    const char *host = s, *hend;
    if (*s == '[') {
        hend = strchr(s, ']');
        if (!hend)
            return -1;
        host = s + 1;
        s = hend + 1;
    } else {
        s += strcspn(s, ":/?#");
        hend = s;
    }
    size_t hlen = (size_t)(hend - host);
    if (hlen == 0 || hlen >= sizeof u->host)
        return -1;
    memcpy(u->host, host, hlen);
    u->host[hlen] = '\0';
    strcpy(u->port, "80");
    if (*s == ':') {
        s++;
        size_t plen = strspn(s, "0123456789");
        if (plen == 0 || plen >= sizeof u->port || atoi(s) > 65535 || atoi(s) == 0)
            return -1;
        memcpy(u->port, s, plen);
        u->port[plen] = '\0';
        s += plen;
    }
    if (*s && *s != '/' && *s != '?')
        return -1;
    const char *frag = strchr(s, '#');
    size_t plen = frag ? (size_t)(frag - s) : strlen(s);
    if (plen + 2 >= sizeof u->path)
        return -1;
    u->path[0] = '/';
    memcpy(u->path + (*s == '/' ? 0 : 1), s, plen);
    u->path[plen + (*s == '/' ? 0 : 1)] = '\0';
    for (const char *p = u->path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 127)
            return -1; /* it goes into a request line */
    return 0;
}

/* The default output name: the path's last component (without a query), or index.html. */
static void default_name(const struct url *u, char *out, size_t size)
{
    char path[4096];
    strcpy(path, u->path);
    path[strcspn(path, "?")] = '\0';
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
        name = "index.html";
    snprintf(out, size, "%s", name);
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
    struct pollfd p = {fd, ev, 0};
    int r;

    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        errno = ETIMEDOUT;
    return r > 0 ? 0 : -1;
}

static int connect_url(const struct wget *w, const struct url *u)
{
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    int r = getaddrinfo(u->host, u->port, &hints, &res);
    if (r) {
        fprintf(stderr, "wget: unable to resolve host address '%s'\n", u->host);
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char addr[INET6_ADDRSTRLEN] = "?";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
        if (strcmp(addr, u->host) == 0)
            say(w, "Connecting to %s%s%s:%s... ", ai->ai_family == AF_INET6 ? "[" : "", addr,
                ai->ai_family == AF_INET6 ? "]" : "", u->port);
        else
            say(w, "Connecting to %s (%s)|%s|:%s... ", u->host, u->host, addr, u->port);
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            say(w, "failed: %s.\n", strerror(errno));
            continue;
        }
        int fl = fcntl(fd, F_GETFL);
        if (w->timeout_ms >= 0 && fl >= 0)
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        int c = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (c < 0 && errno == EINPROGRESS) {
            c = wait_fd(fd, POLLOUT, w->timeout_ms);
            if (c == 0) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    errno = err;
                    c = -1;
                }
            }
        }
        if (c == 0) {
            if (w->timeout_ms >= 0 && fl >= 0)
                fcntl(fd, F_SETFL, fl);
            say(w, "connected.\n");
            break;
        }
        if (w->quiet)
            fprintf(stderr, "wget: connecting to %s|%s|:%s failed: %s.\n", u->host, addr, u->port,
                    strerror(errno));
        else
            say(w, "failed: %s.\n", strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* recv with -T's deadline: >0 bytes, 0 at the end, -1 on error (errno). */
static ssize_t recv_wait(const struct wget *w, int fd, char *buf, size_t len)
{
    if (w->timeout_ms >= 0 && wait_fd(fd, POLLIN, w->timeout_ms) < 0)
        return -1;
    ssize_t r;
    do
        r = recv(fd, buf, len, 0);
    while (r < 0 && errno == EINTR);
    return r;
}

/* A header's value in head (after the status line); NULL when absent. */
static const char *find_header(const char *head, const char *name, char *val, size_t size)
{
    size_t nlen = strlen(name);
    for (const char *l = strchr(head, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        const char *line = l + 1;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            v += strspn(v, " \t");
            size_t vl = strcspn(v, "\r\n");
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl >= size)
                vl = size - 1;
            memcpy(val, v, vl);
            val[vl] = '\0';
            return val;
        }
    }
    return NULL;
}

static int write_out(int fd, const char *buf, size_t len)
{
    return util_write_all(fd, buf, len);
}

/* One request; *location gets a redirect's target (status 3xx). Returns an exit status, or
 * -1 for "follow the redirect". */
static int fetch(const struct wget *w, const struct url *u, char *location, size_t locsize)
{
    static char head[WGET_HEAD_MAX + 1];
    char req[4600 + 300];

    int fd = connect_url(w, u);
    if (fd < 0)
        return WGET_NET;
    int host6 = strchr(u->host, ':') != NULL;
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.0\r\nHost: %s%s%s%s%s\r\nUser-Agent: Wget/1.21 (veridian)\r\n"
                     "Accept: */*\r\nConnection: close\r\n\r\n",
                     u->path, host6 ? "[" : "", u->host, host6 ? "]" : "",
                     strcmp(u->port, "80") ? ":" : "", strcmp(u->port, "80") ? u->port : "");
    if (n < 0 || (size_t)n >= sizeof req || util_write_all(fd, req, (size_t)n) < 0) {
        fprintf(stderr, "wget: failed writing HTTP request: %s.\n", strerror(errno));
        close(fd);
        return WGET_NET;
    }
    say(w, "HTTP request sent, awaiting response... ");

    /* the head: up to the empty line */
    size_t hlen = 0, body_at = 0;
    for (;;) {
        if (hlen == WGET_HEAD_MAX) {
            say(w, "\n");
            fprintf(stderr, "wget: response head too long (over %d bytes).\n", WGET_HEAD_MAX);
            close(fd);
            return WGET_PROTO;
        }
        ssize_t r = recv_wait(w, fd, head + hlen, WGET_HEAD_MAX - hlen);
        if (r < 0) {
            say(w, "\n");
            fprintf(stderr, "wget: read error (%s) in headers.\n", strerror(errno));
            close(fd);
            return WGET_NET;
        }
        if (r == 0) {
            say(w, "\n");
            fprintf(stderr, "wget: no data received (connection closed after %zu bytes).\n", hlen);
            close(fd);
            return hlen ? WGET_PROTO : WGET_NET;
        }
        hlen += (size_t)r;
        head[hlen] = '\0';
        /* the head ends at the first empty line; a NUL before it is garbage (strstr stops
         * at a NUL, so a head with one is reported as malformed below) */
        char *e = strstr(head, "\r\n\r\n");
        char *e2 = strstr(head, "\n\n");
        if (e && (!e2 || e < e2)) {
            body_at = (size_t)(e - head) + 4;
            break;
        }
        if (e2) {
            body_at = (size_t)(e2 - head) + 2;
            break;
        }
        if (strlen(head) < hlen)
            break; /* a NUL in the head */
        if (strncmp(head, "HTTP/", hlen < 5 ? hlen : 5) != 0)
            break; /* not HTTP at all: no need to wait for more */
    }
    /* "HTTP/d.d NNN reason" */
    int status = 0;
    size_t sl = strcspn(head, "\r\n");
    if (sl < 12 || strncmp(head, "HTTP/", 5) != 0 || head[6] != '.' || head[8] != ' ' ||
        head[5] < '0' || head[5] > '9' || head[7] < '0' || head[7] > '9' || head[9] < '1' ||
        head[9] > '5' || head[10] < '0' || head[10] > '9' || head[11] < '0' || head[11] > '9' ||
        (sl > 12 && head[12] != ' ') || !body_at) {
        say(w, "\n");
        fprintf(stderr, "wget: malformed status line.\n");
        close(fd);
        return WGET_PROTO;
    }
    status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    char reason_text[128];
    snprintf(reason_text, sizeof reason_text, "%.*s", sl > 13 ? (int)(sl - 13) : 0, head + 13);
    /* every header line has a colon */
    for (const char *l = strchr(head, '\n'); l && (size_t)(l - head) + 1 < body_at;
         l = strchr(l + 1, '\n')) {
        size_t len = strcspn(l + 1, "\r\n");
        if (len && !memchr(l + 1, ':', len)) {
            say(w, "\n");
            fprintf(stderr, "wget: malformed header line.\n");
            close(fd);
            return WGET_PROTO;
        }
    }
    say(w, "%d %s\n", status, reason_text);

    char val[4096];
    if (status >= 300 && status < 400 && status != 304 && status != 300) {
        close(fd);
        if (!find_header(head, "Location", val, sizeof val)) {
            fprintf(stderr, "wget: redirect without a Location.\n");
            return WGET_PROTO;
        }
        say(w, "Location: %s [following]\n", val);
        snprintf(location, locsize, "%s", val);
        return -1;
    }
    if (status >= 400 || status < 200 || status >= 300) {
        fprintf(stderr, "%sERROR %d: %s.\n", w->quiet ? "wget: " : "", status, reason_text);
        close(fd);
        return status >= 400 ? WGET_SERVER : WGET_PROTO;
    }

    long long length = -1;
    if (find_header(head, "Content-Length", val, sizeof val)) {
        char *end;
        errno = 0;
        length = strtoll(val, &end, 10);
        if (*end || end == val || length < 0 || errno) {
            fprintf(stderr, "wget: bad Content-Length: %s.\n", val);
            close(fd);
            return WGET_PROTO;
        }
    }
    const char *type = find_header(head, "Content-Type", val, sizeof val);
    if (length >= 0)
        say(w, "Length: %lld [%s]\n", length, type ? type : "unspecified");
    else
        say(w, "Length: unspecified [%s]\n", type ? type : "unspecified");

    char name[4096];
    int out = 1;
    if (w->output)
        snprintf(name, sizeof name, "%s", w->output);
    else
        default_name(u, name, sizeof name);
    if (strcmp(name, "-") != 0) {
        out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (out < 0) {
            fprintf(stderr, "wget: %s: %s\n", name, strerror(errno));
            close(fd);
            return WGET_FILE;
        }
        say(w, "Saving to: '%s'\n", name);
    }
    int rc = WGET_OK;
    long long got = 0;
    size_t have = hlen - body_at;
    if (length >= 0 && (long long)have > length)
        have = (size_t)length;
    if (have && write_out(out, head + body_at, have) < 0)
        rc = WGET_FILE;
    got = (long long)have;
    static char buf[16384];
    while (rc == WGET_OK && (length < 0 || got < length)) {
        size_t want = sizeof buf;
        if (length >= 0 && (long long)want > length - got)
            want = (size_t)(length - got);
        ssize_t r = recv_wait(w, fd, buf, want);
        if (r < 0) {
            fprintf(stderr, "wget: read error at byte %lld (%s).\n", got, strerror(errno));
            rc = WGET_NET;
            break;
        }
        if (r == 0) {
            if (length >= 0) {
                fprintf(stderr, "wget: connection closed at byte %lld of %lld.\n", got, length);
                rc = WGET_NET;
            }
            break;
        }
        if (write_out(out, buf, (size_t)r) < 0) {
            fprintf(stderr, "wget: %s: %s\n", name, strerror(errno));
            rc = WGET_FILE;
            break;
        }
        got += r;
    }
    close(fd);
    if (out != 1 && close(out) < 0 && rc == WGET_OK) {
        fprintf(stderr, "wget: %s: %s\n", name, strerror(errno));
        rc = WGET_FILE;
    }
    if (rc == WGET_OK) {
        if (out == 1)
            say(w, "written to stdout [%lld/%lld]\n", got, length >= 0 ? length : got);
        else
            say(w, "'%s' saved [%lld/%lld]\n", name, got, length >= 0 ? length : got);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct wget w = {.timeout_ms = -1};
    long v;
    int c;

    util_init(argv);
    while ((c = getopt(argc, argv, "qO:T:")) != -1) {
        switch (c) {
        case 'q':
            w.quiet = 1;
            break;
        case 'O':
            w.output = optarg;
            break;
        case 'T':
            if (util_parse_long(optarg, 10, &v) || v < 0 || v > 86400)
                util_die(WGET_USAGE, "invalid timeout '%s'", optarg);
            w.timeout_ms = v ? (int)(v * 1000) : -1;
            break;
        default:
            util_usage(WGET_USAGE, "[-q] [-O file] [-T secs] URL");
        }
    }
    if (argc - optind != 1)
        util_usage(WGET_USAGE, "[-q] [-O file] [-T secs] URL");
    struct url u;
    if (parse_url(argv[optind], &u) < 0)
        util_die(WGET_USAGE, "%s: invalid URL (only http://host[:port]/path)", argv[optind]);
    for (int hops = 0;; hops++) {
        char location[4096];
        int rc = fetch(&w, &u, location, sizeof location);
        if (rc >= 0)
            return rc;
        if (hops == 20) {
            fprintf(stderr, "wget: 20 redirections exceeded.\n");
            return WGET_PROTO;
        }
        if (location[0] == '/') {
            if (strlen(location) >= sizeof u.path)
                return WGET_PROTO;
            strcpy(u.path, location);
        } else if (parse_url(location, &u) < 0) {
            fprintf(stderr, "wget: %s: unsupported redirect location.\n", location);
            return WGET_PROTO;
        }
    }
}
