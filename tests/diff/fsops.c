/*
 * fsops: the common half of the vfs differential test. Executes an operation script against
 * plain POSIX file calls and prints one line per operation, then a canonical listing of the
 * whole tree. The same source is built three ways:
 *   fsops_host  against the Linux host (tests/diff/sandbox_host.c puts it in a chroot as an
 *               unprivileged user);
 *   fsops_lib   against vfs_core, via shim_vfs.h (force-included) and shim_vfs.c;
 *   later, as a Veridian program run in vrsim against the real vfs server.
 * The outputs must be byte-identical, so this file is strictly POSIX (no Linux calls, no glibc
 * extensions) and prints nothing that depends on inode numbers, times, fd numbers or directory
 * order: listings are sorted, hard links are shown as canonical link-group numbers.
 *
 *     fsops ROOTDIR [SCRIPT]      (script from stdin when absent)
 *
 * fsops_enter_root(ROOTDIR), provided by each build, makes ROOTDIR the root ("/") and cwd of
 * everything that follows, entered as an unprivileged user; it returns 0, -1 with errno, or -2
 * when this environment cannot run the test (fsops then exits 77, CTest's "skipped"). Every open
 * adds O_NONBLOCK so that a FIFO can never hang the host (it changes nothing for regular files and
 * directories).
 *
 * Script: one operation per line, tokens separated by single spaces; '#' starts a comment.
 * Strings (paths, symlink targets) are percent-encoded: bytes other than [A-Za-z0-9._/-]
 * as %XX, and "~" alone is the empty string. S is an fd slot 0..15 (an empty slot is fd -1).
 *   open S PATH FLAGS MODE     FLAGS: RDONLY|WRONLY|RDWR|ACC3 joined by '|' with CREAT EXCL
 *                              TRUNC APPEND DIRECTORY NOFOLLOW; MODE octal
 *   close S | fsync S | fstat S
 *   read S LEN | pread S LEN OFF                 prints count and FNV-1a-64 of the bytes
 *   write S LEN SEED | pwrite S LEN SEED OFF     bytes generated from SEED
 *   lseek S OFF SET|CUR|END | ftruncate S LEN | fchmod S MODE
 *   pipe S1 S2                 read end in S1, write end in S2 (both O_NONBLOCK)
 *   truncate PATH LEN | stat PATH | lstat PATH | mkdir PATH MODE | rmdir PATH | unlink PATH
 *   rename OLD NEW | link OLD NEW | symlink TARGET PATH | readlink PATH BUFSIZE
 *   chmod PATH MODE | access PATH F|R|W|X|RW|RX|WX|RWX | mkfifo PATH MODE | listdir PATH
 * Output: "N OP ARGS... = RESULT" where RESULT is "ok", a number (and data), or "-1 ENAME".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int fsops_enter_root(const char *dir);

#define NSLOTS 16
#define MAXTOK 16
#define LINE_MAX_LEN 65536
#define IO_MAX (1 << 20)

static int slots[NSLOTS];
static unsigned char *iobuf;

struct ename {
    int num;
    const char *name;
};

static const struct ename enames[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EIO, "EIO"},
    {ENXIO, "ENXIO"},
    {EBADF, "EBADF"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {EXDEV, "EXDEV"},
    {ENODEV, "ENODEV"},
    {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"},
    {EINVAL, "EINVAL"},
    {EMFILE, "EMFILE"},
    {EFBIG, "EFBIG"},
    {ENOSPC, "ENOSPC"},
    {ESPIPE, "ESPIPE"},
    {EROFS, "EROFS"},
    {EMLINK, "EMLINK"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ENOTEMPTY, "ENOTEMPTY"},
    {ELOOP, "ELOOP"},
    {EOVERFLOW, "EOVERFLOW"},
    {ENOTSUP, "ENOTSUP"},
};

static const char *errname(int e)
{
    static char buf[32];

    for (size_t i = 0; i < sizeof(enames) / sizeof(enames[0]); i++)
        if (enames[i].num == e)
            return enames[i].name;
    snprintf(buf, sizeof(buf), "E%d", e);
    return buf;
}

static uint64_t fnv64(const unsigned char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a string token in place; returns 0, or -1 if malformed. */
static int decode(char *tok)
{
    char *out = tok;

    if (strcmp(tok, "~") == 0) {
        tok[0] = '\0';
        return 0;
    }
    for (char *p = tok; *p; p++) {
        if (*p == '%') {
            int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *out++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
    return 0;
}

static void print_encoded(const char *s, size_t n)
{
    if (n == 0) {
        fputs("~", stdout);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '/' || c == '-')
            putchar(c);
        else
            printf("%%%02X", c);
    }
}

static void gen_bytes(unsigned char *p, size_t n, unsigned long seed)
{
    uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;

    for (size_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (unsigned char)(x >> 56);
    }
}

static const char *type_name(mode_t m)
{
    if (S_ISREG(m))
        return "reg";
    if (S_ISDIR(m))
        return "dir";
    if (S_ISLNK(m))
        return "lnk";
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISCHR(m))
        return "chr";
    if (S_ISBLK(m))
        return "blk";
    if (S_ISSOCK(m))
        return "sock";
    return "?";
}

static void print_stat(const struct stat *st)
{
    printf(" %s %04o nlink=%lu size=%lld", type_name(st->st_mode), (unsigned)(st->st_mode & 07777),
           (unsigned long)st->st_nlink, (long long)st->st_size);
    if (S_ISREG(st->st_mode))
        printf(" blocks=%lld", (long long)st->st_blocks);
}

static int result(long r)
{
    if (r < 0)
        printf(" = -1 %s\n", errname(errno));
    else
        printf(" = %ld\n", r);
    return 0;
}

static int parse_flags(const char *s, int *out)
{
    static const struct {
        const char *name;
        int flag;
    } names[] = {
        {"RDONLY", O_RDONLY},        {"WRONLY", O_WRONLY}, {"RDWR", O_RDWR},
        {"ACC3", O_WRONLY | O_RDWR}, {"CREAT", O_CREAT},   {"EXCL", O_EXCL},
        {"TRUNC", O_TRUNC},          {"APPEND", O_APPEND}, {"DIRECTORY", O_DIRECTORY},
        {"NOFOLLOW", O_NOFOLLOW},
    };
    char buf[256];
    int flags = 0;

    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|")) {
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(tok, names[i].name) == 0)
                break;
        if (i == sizeof(names) / sizeof(names[0]))
            return -1;
        flags |= names[i].flag;
    }
    *out = flags;
    return 0;
}

static int slot_fd(const char *tok)
{
    long s = strtol(tok, NULL, 10);

    if (s < 0 || s >= NSLOTS)
        return -2;
    return slots[s];
}

static int slot_index(const char *tok)
{
    long s = strtol(tok, NULL, 10);

    return s >= 0 && s < NSLOTS ? (int)s : -1;
}

static long do_read_common(int fd, size_t len, long long off, int positional)
{
    ssize_t r;

    if (len > IO_MAX)
        len = IO_MAX;
    r = positional ? pread(fd, iobuf, len, (off_t)off) : read(fd, iobuf, len);
    if (r < 0) {
        printf(" = -1 %s\n", errname(errno));
    } else {
        printf(" = %ld %016llx\n", (long)r,
               (unsigned long long)fnv64(iobuf, (size_t)r, 14695981039346656037ull));
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (without "." and ".."), or NULL with errno set. */
static char **read_names(const char *path, size_t *count, int with_dots)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (!d)
        return NULL;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!with_dots && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof(*names));
            if (!names) {
                perror("fsops: realloc");
                exit(2);
            }
        }
        names[n] = malloc(strlen(de->d_name) + 1);
        if (!names[n]) {
            perror("fsops: malloc");
            exit(2);
        }
        strcpy(names[n++], de->d_name);
    }
    closedir(d);
    if (!names) {
        names = malloc(sizeof(*names)); /* empty but non-NULL: NULL means failure */
        if (!names) {
            perror("fsops: malloc");
            exit(2);
        }
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    *count = n;
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- the final listing ---- */

struct linkgroup {
    dev_t dev;
    ino_t ino;
};
static struct linkgroup *groups;
static size_t ngroups, capgroups;

static size_t link_group(const struct stat *st)
{
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i].dev == st->st_dev && groups[i].ino == st->st_ino)
            return i;
    if (ngroups == capgroups) {
        capgroups = capgroups ? capgroups * 2 : 16;
        groups = realloc(groups, capgroups * sizeof(*groups));
        if (!groups) {
            perror("fsops: realloc");
            exit(2);
        }
    }
    groups[ngroups].dev = st->st_dev;
    groups[ngroups].ino = st->st_ino;
    return ngroups++;
}

static void list_entry(const char *path, const struct stat *st)
{
    fputs("L ", stdout);
    print_encoded(path, strlen(path));
    print_stat(st);
    if (S_ISREG(st->st_mode)) {
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (st->st_nlink > 1)
            printf(" group=%zu", link_group(st));
        if (fd < 0) {
            printf(" data=%s", errname(errno));
        } else {
            uint64_t h = 14695981039346656037ull;
            ssize_t r;
            while ((r = read(fd, iobuf, IO_MAX)) > 0)
                h = fnv64(iobuf, (size_t)r, h);
            if (r < 0)
                printf(" data=%s", errname(errno));
            else
                printf(" data=%016llx", (unsigned long long)h);
            close(fd);
        }
    } else if (S_ISLNK(st->st_mode)) {
        char target[4096];
        ssize_t r = readlink(path, target, sizeof(target));
        fputs(" -> ", stdout);
        if (r < 0)
            fputs(errname(errno), stdout);
        else
            print_encoded(target, (size_t)r);
    }
    putchar('\n');
}

static void list_tree(const char *path)
{
    size_t n;
    char **names = read_names(path, &n, 0);

    if (!names) {
        printf("L ");
        print_encoded(path, strlen(path));
        printf(" listing=%s\n", errname(errno));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(len);
        struct stat st;
        if (!full) {
            perror("fsops: malloc");
            exit(2);
        }
        snprintf(full, len, "%s/%s", path, names[i]);
        if (lstat(full, &st) < 0) {
            printf("L ");
            print_encoded(full, strlen(full));
            printf(" lstat=%s\n", errname(errno));
        } else {
            list_entry(full, &st);
            if (S_ISDIR(st.st_mode) && len < 3000)
                list_tree(full);
        }
        free(full);
    }
    free_names(names, n);
}

/* ---- one operation ---- */

static int need(int have, int want, const char *op)
{
    if (have != want) {
        fprintf(stderr, "fsops: %s needs %d arguments\n", op, want - 1);
        return -1;
    }
    return 0;
}

static int execute(char **tok, int n)
{
    const char *op = tok[0];
    int fd, flags, s;

    if (strcmp(op, "open") == 0) {
        if (need(n, 5, op) || (s = slot_index(tok[1])) < 0 || decode(tok[2]) ||
            parse_flags(tok[3], &flags))
            return -1;
        if (slots[s] >= 0)
            close(slots[s]);
        slots[s] = open(tok[2], flags | O_NONBLOCK, (mode_t)strtol(tok[4], NULL, 8));
        if (slots[s] < 0)
            return result(-1);
        printf(" = ok\n");
        return 0;
    }
    if (strcmp(op, "close") == 0 || strcmp(op, "fsync") == 0) {
        if (need(n, 2, op) || (s = slot_index(tok[1])) < 0)
            return -1;
        if (op[0] == 'f')
            return result(fsync(slots[s]));
        fd = slots[s];
        slots[s] = -1;
        return result(close(fd));
    }
    if (strcmp(op, "fstat") == 0) {
        struct stat st;
        if (need(n, 2, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        if (fstat(fd, &st) < 0)
            return result(-1);
        printf(" =");
        print_stat(&st);
        putchar('\n');
        return 0;
    }
    if (strcmp(op, "read") == 0) {
        if (need(n, 3, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        return (int)do_read_common(fd, (size_t)strtoul(tok[2], NULL, 10), 0, 0);
    }
    if (strcmp(op, "pread") == 0) {
        if (need(n, 4, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        return (int)do_read_common(fd, (size_t)strtoul(tok[2], NULL, 10), strtoll(tok[3], NULL, 10),
                                   1);
    }
    if (strcmp(op, "write") == 0 || strcmp(op, "pwrite") == 0) {
        int positional = op[0] == 'p';
        size_t len;
        if (need(n, positional ? 5 : 4, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        len = (size_t)strtoul(tok[2], NULL, 10);
        if (len > IO_MAX)
            len = IO_MAX;
        gen_bytes(iobuf, len, strtoul(tok[3], NULL, 10));
        if (positional)
            return result((long)pwrite(fd, iobuf, len, (off_t)strtoll(tok[4], NULL, 10)));
        return result((long)write(fd, iobuf, len));
    }
    if (strcmp(op, "lseek") == 0) {
        int whence;
        if (need(n, 4, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        if (strcmp(tok[3], "SET") == 0)
            whence = SEEK_SET;
        else if (strcmp(tok[3], "CUR") == 0)
            whence = SEEK_CUR;
        else if (strcmp(tok[3], "END") == 0)
            whence = SEEK_END;
        else
            return -1;
        return result((long)lseek(fd, (off_t)strtoll(tok[2], NULL, 10), whence));
    }
    if (strcmp(op, "ftruncate") == 0) {
        if (need(n, 3, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        return result(ftruncate(fd, (off_t)strtoll(tok[2], NULL, 10)));
    }
    if (strcmp(op, "fchmod") == 0) {
        if (need(n, 3, op) || (fd = slot_fd(tok[1])) < -1)
            return -1;
        return result(fchmod(fd, (mode_t)strtol(tok[2], NULL, 8)));
    }
    if (strcmp(op, "pipe") == 0) {
        int s2, fds[2];
        if (need(n, 3, op) || (s = slot_index(tok[1])) < 0 || (s2 = slot_index(tok[2])) < 0 ||
            s == s2)
            return -1;
        if (slots[s] >= 0)
            close(slots[s]);
        if (slots[s2] >= 0)
            close(slots[s2]);
        slots[s] = slots[s2] = -1;
        if (pipe(fds) < 0)
            return result(-1);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        fcntl(fds[1], F_SETFL, O_NONBLOCK);
        slots[s] = fds[0];
        slots[s2] = fds[1];
        printf(" = ok\n");
        return 0;
    }
    if (strcmp(op, "truncate") == 0) {
        if (need(n, 3, op) || decode(tok[1]))
            return -1;
        return result(truncate(tok[1], (off_t)strtoll(tok[2], NULL, 10)));
    }
    if (strcmp(op, "stat") == 0 || strcmp(op, "lstat") == 0) {
        struct stat st;
        int r;
        if (need(n, 2, op) || decode(tok[1]))
            return -1;
        r = op[0] == 's' ? stat(tok[1], &st) : lstat(tok[1], &st);
        if (r < 0)
            return result(-1);
        printf(" =");
        print_stat(&st);
        putchar('\n');
        return 0;
    }
    if (strcmp(op, "mkdir") == 0 || strcmp(op, "chmod") == 0 || strcmp(op, "mkfifo") == 0) {
        mode_t mode;
        if (need(n, 3, op) || decode(tok[1]))
            return -1;
        mode = (mode_t)strtol(tok[2], NULL, 8);
        if (op[0] == 'c')
            return result(chmod(tok[1], mode));
        if (op[2] == 'f')
            return result(mkfifo(tok[1], mode));
        return result(mkdir(tok[1], mode));
    }
    if (strcmp(op, "rmdir") == 0 || strcmp(op, "unlink") == 0) {
        if (need(n, 2, op) || decode(tok[1]))
            return -1;
        return result(op[0] == 'r' ? rmdir(tok[1]) : unlink(tok[1]));
    }
    if (strcmp(op, "rename") == 0 || strcmp(op, "link") == 0 || strcmp(op, "symlink") == 0) {
        if (need(n, 3, op) || decode(tok[1]) || decode(tok[2]))
            return -1;
        if (op[0] == 'r')
            return result(rename(tok[1], tok[2]));
        if (op[0] == 'l')
            return result(link(tok[1], tok[2]));
        return result(symlink(tok[1], tok[2]));
    }
    if (strcmp(op, "readlink") == 0) {
        char buf[8192];
        size_t size;
        ssize_t r;
        if (need(n, 3, op) || decode(tok[1]))
            return -1;
        size = (size_t)strtoul(tok[2], NULL, 10);
        if (size > sizeof(buf))
            size = sizeof(buf);
        r = readlink(tok[1], buf, size);
        if (r < 0)
            return result(-1);
        printf(" = %ld ", (long)r);
        print_encoded(buf, (size_t)r);
        putchar('\n');
        return 0;
    }
    if (strcmp(op, "access") == 0) {
        int amode = 0;
        if (need(n, 3, op) || decode(tok[1]))
            return -1;
        for (const char *p = tok[2]; *p; p++) {
            if (*p == 'R')
                amode |= R_OK;
            else if (*p == 'W')
                amode |= W_OK;
            else if (*p == 'X')
                amode |= X_OK;
            else if (*p != 'F')
                return -1;
        }
        return result(access(tok[1], amode));
    }
    if (strcmp(op, "listdir") == 0) {
        size_t count;
        char **names;
        if (need(n, 2, op) || decode(tok[1]))
            return -1;
        names = read_names(tok[1], &count, 1);
        if (!names)
            return result(-1);
        printf(" = %zu", count);
        for (size_t i = 0; i < count; i++) {
            putchar(' ');
            print_encoded(names[i], strlen(names[i]));
        }
        putchar('\n');
        free_names(names, count);
        return 0;
    }
    fprintf(stderr, "fsops: unknown operation '%s'\n", op);
    return -1;
}

int main(int argc, char **argv)
{
    FILE *in = stdin;
    char *line;
    unsigned long lineno = 0, opno = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fsops ROOTDIR [SCRIPT]\n");
        return 2;
    }
    if (argc == 3 && !(in = fopen(argv[2], "r"))) {
        perror(argv[2]);
        return 2;
    }
    line = malloc(LINE_MAX_LEN);
    iobuf = malloc(IO_MAX);
    if (!line || !iobuf) {
        perror("fsops: malloc");
        return 2;
    }
    for (int i = 0; i < NSLOTS; i++)
        slots[i] = -1;
    signal(SIGPIPE, SIG_IGN);
    switch (fsops_enter_root(argv[1])) {
    case 0:
        break;
    case -2:
        fprintf(stderr, "fsops: cannot run here (see the message above); skipped\n");
        return 77;
    default:
        perror("fsops: entering the root");
        return 2;
    }
    umask(022);
    while (fgets(line, LINE_MAX_LEN, in)) {
        char *tok[MAXTOK], *p, copy_of_args[512];
        int n = 0;
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        for (p = strtok(line, " "); p && n < MAXTOK; p = strtok(NULL, " "))
            tok[n++] = p;
        /* echo the operation as written (before decoding), truncated */
        copy_of_args[0] = '\0';
        for (int i = 0; i < n; i++) {
            size_t used = strlen(copy_of_args);
            snprintf(copy_of_args + used, sizeof(copy_of_args) - used, "%s%.100s", i ? " " : "",
                     tok[i]);
        }
        printf("%lu %s", ++opno, copy_of_args);
        fflush(stdout);
        if (execute(tok, n) < 0) {
            fprintf(stderr, "fsops: bad script line %lu\n", lineno);
            return 2;
        }
    }
    for (int i = 0; i < NSLOTS; i++)
        if (slots[i] >= 0)
            close(slots[i]);
    printf("LISTING\n");
    {
        struct stat st;
        if (lstat(".", &st) == 0)
            list_entry(".", &st);
        list_tree(".");
    }
    free(line);
    free(iobuf);
    free(groups);
    if (in != stdin)
        fclose(in);
    return 0;
}
