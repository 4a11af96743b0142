/*
 * The socket ABI as libveridian's headers state it (compiled with -nostdinc against
 * libveridian/include only: see CMakeLists.txt), for test_sockabi.c to compare with glibc's.
 * Data only: nothing here runs libveridian code.
 */
#include <stddef.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "sockabi.h"

#define X SOCKABI_X
#define S SOCKABI_S
#define O SOCKABI_O
const struct sockabi_fact vr_sockabi[] = {
#include "sockabi_list.h"
    {0, 0}};

unsigned vr_sockabi_htons(unsigned x);
unsigned long vr_sockabi_htonl(unsigned long x);

unsigned vr_sockabi_htons(unsigned x)
{
    return htons((uint16_t)x);
}

unsigned long vr_sockabi_htonl(unsigned long x)
{
    return htonl((uint32_t)x);
}
