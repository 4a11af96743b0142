/*
 * wc [-c|-m] [-l] [-w] [FILE...]: newline, word and byte counts of each file (or standard
 * input) and a total for several. Without options: lines, words, bytes. The columns are as
 * wide as GNU wc makes them (the digits of the regular files' total size, at least 7 when an
 * input is not a regular file; no padding for one count of one input). Exit 0, or 1 when a
 * file could not be read.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

struct counts {
    unsigned long long lines, words, bytes;
};

static int count_fd(int fd, struct counts *c)
{
    static char buf[16384];
    int in_word = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        c->bytes += (unsigned long long)n;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == '\n')
                c->lines++;
            if (isspace(ch)) {
                in_word = 0;
            } else if (!in_word && isprint(ch)) {
                in_word = 1;
                c->words++;
            } else if (isprint(ch)) {
                in_word = 1;
            }
        }
    }
    return n < 0 ? -1 : 0;
}

static int show_l, show_w, show_c, width;

static void print(const struct counts *c, const char *name)
{
    int first = 1;
    const unsigned long long v[3] = {c->lines, c->words, c->bytes};
    const int on[3] = {show_l, show_w, show_c};
    for (int i = 0; i < 3; i++) {
        if (!on[i])
            continue;
        printf(first ? "%*llu" : " %*llu", width, v[i]);
        first = 0;
    }
    if (name)
        printf(" %s", name);
    putchar('\n');
}

int main(int argc, char **argv)
{
    util_init(argv);
    int c;
    while ((c = getopt(argc, argv, "clmw")) != -1) {
        switch (c) {
        case 'c':
        case 'm':
            show_c = 1;
            break;
        case 'l':
            show_l = 1;
            break;
        case 'w':
            show_w = 1;
            break;
        default:
            util_usage(1, "[-c|-m] [-l] [-w] [FILE...]");
        }
    }
    if (!show_l && !show_w && !show_c)
        show_l = show_w = show_c = 1;
    int nfiles = argc - optind, status = 0;
    char **files = argv + optind;
    /* the width: from the sizes known before counting, as GNU wc does */
    unsigned long long regular = 0;
    int minimum = 1;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        struct stat st;
        int ok = nfiles && strcmp(files[i], "-") ? stat(files[i], &st) == 0 : fstat(0, &st) == 0;
        if (!ok)
            continue;
        if (S_ISREG(st.st_mode))
            regular += (unsigned long long)st.st_size;
        else
            minimum = 7;
    }
    width = 1;
    for (; regular >= 10; regular /= 10)
        width++;
    if (width < minimum)
        width = minimum;
    if (show_l + show_w + show_c == 1 && nfiles <= 1)
        width = 1;
    struct counts total = {0, 0, 0};
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *name = nfiles ? files[i] : NULL;
        int fd = name && strcmp(name, "-") ? open(name, O_RDONLY) : 0;
        struct counts cnt = {0, 0, 0};
        if (fd < 0 || count_fd(fd, &cnt)) {
            util_warn_errno(name ? name : "-");
            status = 1;
            if (fd > 0)
                close(fd);
            continue;
        }
        if (fd > 0)
            close(fd);
        print(&cnt, name);
        total.lines += cnt.lines;
        total.words += cnt.words;
        total.bytes += cnt.bytes;
    }
    if (nfiles > 1)
        print(&total, "total");
    return fflush(stdout) ? 1 : status;
}
