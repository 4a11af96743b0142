/*
 * os/netstack/lwip: our lwIP configuration (lwIP 2.1.3 from Debian's source package, fetched by
 * scripts/build-lwip, compiled by os/netstack/lwip/CMakeLists.txt).
 *
 * One single-threaded netstack server drives lwIP's raw API (NO_SYS = 1): no lwIP threads,
 * no netconn or socket layer (the BSD socket semantics are the netstack's own, served over
 * IPC), no locking. IPv4 and IPv6, TCP, UDP, raw PCBs (ICMP), ARP and ND, the loopback
 * interface, a DHCP client. Every checksum is generated and checked in software (the NIC
 * offers no offload). Time comes from sys_now() (the virtual clock) and LWIP_RAND() from the
 * run's seed (arch/cc.h), so a run is a function of its seed.
 */
#ifndef VERIDIAN_LWIPOPTS_H
#define VERIDIAN_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

/* memory: the server's own heap, generous pools (100 clients at once is a goal) */
#define MEM_LIBC_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (4 * 1024 * 1024)
#define MEMP_NUM_PBUF 512
#define MEMP_NUM_RAW_PCB 16
/* UDP sockets of the whole machine: below the fd table (256), so one process reaches ENOBUFS */
#define MEMP_NUM_UDP_PCB 128
#define MEMP_NUM_TCP_PCB 256
#define MEMP_NUM_TCP_PCB_LISTEN 64
#define MEMP_NUM_TCP_SEG 2048
#define MEMP_NUM_REASSDATA 16
#define IP_REASS_MAX_PBUFS 64
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE 1024
#define PBUF_POOL_BUFSIZE 1536

/* protocols */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_FRAG 1
/* 64-bit pointers: the reassembly helper does not fit in the fragment header */
#define IPV6_FRAG_COPYHEADER 1
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 256
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define ARP_QUEUEING 1
/* packets held per address while ARP resolves it (lwIP's default, 3, lost a burst of pings a
 * program sent while the gateway was still being resolved at boot) */
#define ARP_QUEUE_LEN 32

/* TCP */
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
#define LWIP_TCP_KEEPALIVE 1
#define SO_REUSE 1
#define LWIP_WND_SCALE 0

/* checksums: all in software, all checked (every frame carries real checksums) */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_GEN_ICMP6 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define CHECKSUM_CHECK_ICMP6 1
#define LWIP_CHKSUM_ALGORITHM 3

/* statistics: the counters behind /proc/net/dev and the robustness tests (drops, errors) */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS 1

#define LWIP_DEBUG 0

#endif
