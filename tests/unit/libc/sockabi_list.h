/*
 * The socket ABI facts compared between libveridian's headers and glibc's (test_sockabi.c):
 * constants (X), structure sizes (S) and member offsets (O). Included twice, by sockabi_vr.c
 * (compiled against libveridian/include only) and by test_sockabi.c (glibc), each defining the
 * three macros to make a table of {name, value}.
 */
// clang-format off
X(AF_UNSPEC) X(AF_UNIX) X(AF_INET) X(AF_INET6) X(PF_INET) X(PF_INET6)
X(SOCK_STREAM) X(SOCK_DGRAM) X(SOCK_RAW) X(SOCK_SEQPACKET) X(SOCK_NONBLOCK) X(SOCK_CLOEXEC)
X(SOL_SOCKET) X(SO_DEBUG) X(SO_REUSEADDR) X(SO_TYPE) X(SO_ERROR) X(SO_DONTROUTE)
X(SO_BROADCAST) X(SO_SNDBUF) X(SO_RCVBUF) X(SO_KEEPALIVE) X(SO_OOBINLINE) X(SO_LINGER)
X(SO_REUSEPORT) X(SO_RCVLOWAT) X(SO_SNDLOWAT) X(SO_RCVTIMEO) X(SO_SNDTIMEO) X(SO_ACCEPTCONN)
X(SO_PROTOCOL) X(SO_DOMAIN) X(SOMAXCONN)
X(MSG_OOB) X(MSG_PEEK) X(MSG_DONTROUTE) X(MSG_CTRUNC) X(MSG_TRUNC) X(MSG_DONTWAIT) X(MSG_EOR)
X(MSG_WAITALL) X(MSG_NOSIGNAL) X(MSG_MORE) X(MSG_CMSG_CLOEXEC)
X(SHUT_RD) X(SHUT_WR) X(SHUT_RDWR) X(SCM_RIGHTS)
X(IPPROTO_IP) X(IPPROTO_ICMP) X(IPPROTO_TCP) X(IPPROTO_UDP) X(IPPROTO_IPV6) X(IPPROTO_ICMPV6)
X(IPPROTO_RAW) X(INADDR_ANY) X(INADDR_LOOPBACK) X(INADDR_BROADCAST) X(INADDR_NONE)
X(INET_ADDRSTRLEN) X(INET6_ADDRSTRLEN) X(IP_TOS) X(IP_TTL) X(IPV6_V6ONLY)
X(IPV6_UNICAST_HOPS) X(TCP_NODELAY) X(TCP_MAXSEG) X(TCP_KEEPIDLE) X(TCP_KEEPINTVL)
X(TCP_KEEPCNT)
X(AI_PASSIVE) X(AI_CANONNAME) X(AI_NUMERICHOST) X(AI_V4MAPPED) X(AI_ALL) X(AI_ADDRCONFIG)
X(AI_NUMERICSERV) X(NI_MAXHOST) X(NI_MAXSERV) X(NI_NUMERICHOST) X(NI_NUMERICSERV) X(NI_NOFQDN)
X(NI_NAMEREQD) X(NI_DGRAM) X(EAI_BADFLAGS) X(EAI_NONAME) X(EAI_AGAIN) X(EAI_FAIL)
X(EAI_FAMILY) X(EAI_SOCKTYPE) X(EAI_SERVICE) X(EAI_MEMORY) X(EAI_SYSTEM) X(EAI_OVERFLOW)
X(CMSG_LEN(4)) X(CMSG_SPACE(4)) X(CMSG_LEN(16)) X(CMSG_SPACE(16))
S(struct sockaddr) S(struct sockaddr_storage) S(struct sockaddr_in) S(struct sockaddr_in6)
S(struct in_addr) S(struct in6_addr) S(struct msghdr) S(struct cmsghdr) S(struct linger)
S(struct addrinfo) S(struct iovec) S(socklen_t) S(sa_family_t) S(in_port_t)
O(struct sockaddr_in, sin_port) O(struct sockaddr_in, sin_addr)
O(struct sockaddr_in6, sin6_port) O(struct sockaddr_in6, sin6_flowinfo)
O(struct sockaddr_in6, sin6_addr) O(struct sockaddr_in6, sin6_scope_id)
O(struct msghdr, msg_namelen) O(struct msghdr, msg_iov) O(struct msghdr, msg_iovlen)
O(struct msghdr, msg_control) O(struct msghdr, msg_controllen) O(struct msghdr, msg_flags)
O(struct cmsghdr, cmsg_level) O(struct cmsghdr, cmsg_type)
O(struct addrinfo, ai_family) O(struct addrinfo, ai_socktype) O(struct addrinfo, ai_protocol)
O(struct addrinfo, ai_addrlen) O(struct addrinfo, ai_addr) O(struct addrinfo, ai_canonname)
O(struct addrinfo, ai_next)
    // clang-format on
