/*
 * /test/ringping ADDR N: N ICMP echo requests to the IPv4 address ADDR through one ping socket
 * of the netstack (SOCK_DGRAM, IPPROTO_ICMP), sent back to back (a burst through the NIC's
 * frame ring), then the replies, each within 2 s; for tests/integration/net/netring.sh.
 * Prints "ringping: sent N received M" (a reply counts when its sequence number is one we sent
 * and its data is ours). Exit 0 when every request was answered, 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RP_MAX 64

/* a.b.c.d (inet_pton is netprog's, not here yet): 1, or 0 when it is not one */
static int parse_ip4(const char *s, struct in_addr *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char *end;
        unsigned long b = strtoul(s, &end, 10);
        if (end == s || b > 255 || (k < 3 ? *end != '.' : *end != 0))
            return 0;
        v = v << 8 | (uint32_t)b;
        s = end + 1;
    }
    out->s_addr = htonl(v);
    return 1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    int n = argc == 3 ? atoi(argv[2]) : 0;
    if (n < 1 || n > RP_MAX || !parse_ip4(argv[1], &a.sin_addr)) {
        printf("usage: ringping ADDR N (1..%d)\n", RP_MAX);
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (s < 0) {
        perror("ringping: socket");
        return 1;
    }
    unsigned char req[56], rep[128];
    int sent = 0, got = 0, seen[RP_MAX + 1] = {0};
    for (int seq = 1; seq <= n; seq++) {
        memset(req, 0, sizeof req);
        req[0] = 8; /* echo request; the stack fills in the checksum */
        req[6] = (unsigned char)(seq >> 8);
        req[7] = (unsigned char)seq;
        for (int i = 8; i < (int)sizeof req; i++)
            req[i] = (unsigned char)(i + seq);
        if (sendto(s, req, sizeof req, 0, (struct sockaddr *)&a, sizeof a) == (ssize_t)sizeof req)
            sent++;
    }
    while (got < sent) {
        struct pollfd p = {s, POLLIN, 0};
        if (poll(&p, 1, 2000) != 1)
            break;
        ssize_t r = recv(s, rep, sizeof rep, 0);
        int seq = r >= 8 ? rep[6] << 8 | rep[7] : 0;
        if (r != (ssize_t)sizeof req || rep[0] != 0 || seq < 1 || seq > n || seen[seq])
            continue;
        int ok = 1;
        for (int i = 8; i < (int)sizeof req; i++)
            ok &= rep[i] == (unsigned char)(i + seq);
        seen[seq] = ok;
        got += ok;
    }
    close(s);
    printf("ringping: sent %d received %d\n", sent, got);
    return got == n ? 0 : 1;
}
