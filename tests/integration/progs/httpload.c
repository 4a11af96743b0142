/*
 * httpload HOST PORT PATH N LENGTH: N clients at once against an HTTP server (httpd's test,
 * issue 17). All N connections are opened first and held open together, then each sends
 * "GET PATH HTTP/1.0", then all answers are read together with poll until each server side
 * closes. Each answer must be "HTTP/1.x 200" with a body of LENGTH bytes. Prints
 * "httpload: N clients, K complete, B body bytes" and exits 0 when K == N, else 1 (and names
 * the first failures). Built for Veridian (/test/httpload) and for the host.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXCLIENTS 1000

struct client {
    int fd;
    char head[512];
    size_t got;      /* bytes received in all */
    size_t head_len; /* bytes of the answer's head, once known */
    int done;
};

int main(int argc, char **argv)
{
    static struct client c[MAXCLIENTS];
    static struct pollfd p[MAXCLIENTS];

    if (argc != 6) {
        fprintf(stderr, "usage: httpload host port path n length\n");
        return 2;
    }
    int n = atoi(argv[4]);
    long long length = atoll(argv[5]);
    if (n < 1 || n > MAXCLIENTS)
        return 2;
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_INET;
    int r = getaddrinfo(argv[1], argv[2], &hints, &res);
    if (r) {
        fprintf(stderr, "httpload: %s: %s\n", argv[1], gai_strerror(r));
        return 1;
    }
    for (int i = 0; i < n; i++) {
        c[i].fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
        if (c[i].fd < 0 || connect(c[i].fd, res->ai_addr, res->ai_addrlen) < 0) {
            fprintf(stderr, "httpload: client %d: connect: %s\n", i, strerror(errno));
            return 1;
        }
    }
    freeaddrinfo(res);
    char req[1024];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
    for (int i = 0; i < n; i++)
        if (send(c[i].fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
            fprintf(stderr, "httpload: client %d: send: %s\n", i, strerror(errno));
            return 1;
        }
    int left = n, complete = 0, reported = 0;
    long long bytes = 0;
    static char buf[65536];
    while (left) {
        int k = 0;
        int idx[MAXCLIENTS];
        for (int i = 0; i < n; i++)
            if (!c[i].done) {
                p[k] = (struct pollfd){c[i].fd, POLLIN, 0};
                idx[k++] = i;
            }
        r = poll(p, (nfds_t)k, 60000);
        if (r <= 0) {
            fprintf(stderr, "httpload: %d answers still open after 60 s\n", left);
            break;
        }
        for (int j = 0; j < k; j++) {
            if (!p[j].revents)
                continue;
            struct client *cl = &c[idx[j]];
            ssize_t got = recv(cl->fd, buf, sizeof buf, 0);
            if (got < 0 && errno == EINTR)
                continue;
            if (got > 0) {
                size_t cap = sizeof cl->head - 1; /* the first bytes: the head */
                if (cl->got < cap) {
                    size_t copy = (size_t)got < cap - cl->got ? (size_t)got : cap - cl->got;
                    memcpy(cl->head + cl->got, buf, copy);
                }
                cl->got += (size_t)got;
                continue;
            }
            /* the end (or an error): judge the answer */
            cl->done = 1;
            left--;
            close(cl->fd);
            char *e = strstr(cl->head, "\r\n\r\n");
            long long body = e ? (long long)cl->got - (e + 4 - cl->head) : -1;
            if (strncmp(cl->head, "HTTP/1.", 7) == 0 && strncmp(cl->head + 8, " 200", 4) == 0 &&
                body == length) {
                complete++;
                bytes += body;
            } else if (reported++ < 5) {
                fprintf(stderr, "httpload: client %d: bad answer (%zu bytes, body %lld): %.40s\n",
                        idx[j], cl->got, body, cl->head);
            }
        }
    }
    printf("httpload: %d clients, %d complete, %lld body bytes\n", n, complete, bytes);
    return complete == n ? 0 : 1;
}
