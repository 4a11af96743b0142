/*
 * cksum [FILE...]: the POSIX checksum (CRC-32 with polynomial 0x04c11db7, most significant bit
 * first, the length appended least significant byte first, the result inverted) and the byte
 * count of each file, or of standard input ("-" or no operand), as POSIX and GNU cksum print
 * them: "CRC BYTES NAME" (no name for standard input). Exit 0, or 1 when a file could not be
 * read (the others are still summed).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

struct crc {
    uint32_t table[256];
    uint32_t crc;
    unsigned long long len;
};

static void crc_init(struct crc *c)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i << 24;
        for (int b = 0; b < 8; b++)
            r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
        c->table[i] = r;
    }
}

static void crc_byte(struct crc *c, unsigned char b)
{
    c->crc = (c->crc << 8) ^ c->table[(c->crc >> 24) ^ b];
}

static int sum_fd(struct crc *c, int fd)
{
    static unsigned char buf[65536];
    ssize_t n;
    c->crc = 0;
    c->len = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            crc_byte(c, buf[i]);
        c->len += (unsigned long long)n;
    }
    if (n < 0)
        return -1;
    for (unsigned long long l = c->len; l; l >>= 8)
        crc_byte(c, (unsigned char)(l & 0xff));
    c->crc = ~c->crc;
    return 0;
}

/* Sums one operand ("-": standard input) and prints its line; 0, or 1 after a message. */
static int sum_one(struct crc *c, const char *name, int named)
{
    int is_stdin = !strcmp(name, "-");
    int fd = is_stdin ? 0 : open(name, O_RDONLY);
    int rc = fd < 0 ? -1 : sum_fd(c, fd);
    if (fd > 0)
        close(fd);
    if (rc) {
        util_warn_errno(name);
        return 1;
    }
    if (named)
        printf("%u %llu %s\n", (unsigned)c->crc, c->len, name);
    else
        printf("%u %llu\n", (unsigned)c->crc, c->len);
    return 0;
}

int main(int argc, char **argv)
{
    util_init(argv);
    if (getopt(argc, argv, "") != -1)
        util_usage(1, "[FILE...]");
    struct crc c;
    crc_init(&c);
    int status = 0;
    if (optind == argc) /* no operand: standard input, printed without a name */
        return sum_one(&c, "-", 0);
    for (int i = optind; i < argc; i++)
        status |= sum_one(&c, argv[i], 1);
    return status;
}
