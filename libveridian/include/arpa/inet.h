/*
 * POSIX <arpa/inet.h>: address text conversions (implemented in src/inet.c). inet_pton and
 * inet_ntop handle AF_INET and AF_INET6; inet_ntoa returns a static buffer.
 */
#ifndef _ARPA_INET_H
#define _ARPA_INET_H

#include <netinet/in.h>

in_addr_t inet_addr(const char *cp);
int inet_aton(const char *cp, struct in_addr *inp);
char *inet_ntoa(struct in_addr in);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
int inet_pton(int af, const char *src, void *dst);

#endif
