/*
 * ls [-1aACdFlrR] [FILE...]: list directory contents, as GNU ls in the C locale.
 *   -a all entries, -A all but . and .., -d directories themselves, -R recursively,
 *   -l long format (mode, links, owner, group, size, modification time, name -> target),
 *   -1 one per line (the default when standard output is not a terminal), -C columns
 *   (the default on a terminal, $COLUMNS wide, else 80), -F type marks (/ * @ |),
 *   -r reverse order.
 * Names are sorted byte-wise. Operands: files first, then each directory under a "DIR:"
 * header when there are several operands or -R. Exit 0; 1 when a directory inside could not
 * be read; 2 when an operand is missing (GNU's "serious trouble") or for a bad option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

struct opts {
    int all, almost, dirself, recursive, longfmt, columns, classify, reverse;
    int width;
};

struct entry {
    char *name; /* as shown */
    char *path; /* to stat / recurse */
    struct stat st;
    int ok;
};

static int status;
static int printed_any;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void mode_string(mode_t m, char *s)
{
    s[0] = S_ISDIR(m)    ? 'd'
           : S_ISLNK(m)  ? 'l'
           : S_ISCHR(m)  ? 'c'
           : S_ISBLK(m)  ? 'b'
           : S_ISFIFO(m) ? 'p'
           : S_ISSOCK(m) ? 's'
                         : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        s[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
    if (m & S_ISUID)
        s[3] = (m & 0100) ? 's' : 'S';
    if (m & S_ISGID)
        s[6] = (m & 0010) ? 's' : 'S';
    if (m & S_ISVTX)
        s[9] = (m & 0001) ? 't' : 'T';
    s[10] = 0;
}

static char mark(const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return '/';
    if (S_ISLNK(st->st_mode))
        return '@';
    if (S_ISFIFO(st->st_mode))
        return '|';
    if (S_ISSOCK(st->st_mode))
        return '=';
    if (S_ISREG(st->st_mode) && (st->st_mode & 0111))
        return '*';
    return 0;
}

static int digits(unsigned long long v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void print_long(const struct opts *o, struct entry *e, size_t n, int total)
{
    int wl = 1, wu = 1, wg = 1, ws = 1;
    char(*users)[32] = calloc(n ? n : 1, 32), (*groups)[32] = calloc(n ? n : 1, 32);
    unsigned long long blocks = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].ok)
            continue;
        if (util_user_name(e[i].st.st_uid, users[i], 32))
            snprintf(users[i], 32, "%u", (unsigned)e[i].st.st_uid);
        if (util_group_name(e[i].st.st_gid, groups[i], 32))
            snprintf(groups[i], 32, "%u", (unsigned)e[i].st.st_gid);
        int l;
        if ((l = digits((unsigned long long)e[i].st.st_nlink)) > wl)
            wl = l;
        if ((l = (int)strlen(users[i])) > wu)
            wu = l;
        if ((l = (int)strlen(groups[i])) > wg)
            wg = l;
        if ((l = digits((unsigned long long)e[i].st.st_size)) > ws)
            ws = l;
        blocks += (unsigned long long)e[i].st.st_blocks;
    }
    if (total)
        printf("total %llu\n", blocks / 2);
    time_t now = time(NULL);
    for (size_t i = 0; i < n; i++) {
        if (!e[i].ok)
            continue;
        const struct stat *st = &e[i].st;
        char mode[11], when[32];
        mode_string(st->st_mode, mode);
        struct tm tm;
        time_t t = st->st_mtim.tv_sec;
        gmtime_r(&t, &tm);
        long age = (long)(now - t);
        strftime(when, sizeof when, age > 15778476L || age < -60 ? "%b %e  %Y" : "%b %e %H:%M",
                 &tm);
        printf("%s %*lu %-*s %-*s %*lld %s %s", mode, wl, (unsigned long)st->st_nlink, wu, users[i],
               wg, groups[i], ws, (long long)st->st_size, when, e[i].name);
        if (S_ISLNK(st->st_mode)) {
            char target[4096];
            ssize_t l = readlink(e[i].path, target, sizeof target - 1);
            if (l >= 0) {
                target[l] = 0;
                printf(" -> %s", target);
            }
        } else if (o->classify && mark(st)) {
            putchar(mark(st));
        }
        putchar('\n');
    }
    free(users);
    free(groups);
}

static void print_columns(const struct opts *o, struct entry *e, size_t n)
{
    size_t *len = malloc((n ? n : 1) * sizeof *len);
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(e[i].name) + (o->classify && mark(&e[i].st) ? 1 : 0);
    size_t cols = n, rows = 1;
    /* the most columns that fit, GNU style: each column as wide as its widest name + 2 */
    for (cols = n; cols > 1; cols--) {
        rows = (n + cols - 1) / cols;
        size_t total = 0;
        for (size_t c = 0; c < cols; c++) {
            size_t w = 0;
            for (size_t r = 0; r < rows && c * rows + r < n; r++)
                if (len[c * rows + r] > w)
                    w = len[c * rows + r];
            total += w + (c + 1 < cols ? 2 : 0);
        }
        if (total <= (size_t)o->width)
            break;
    }
    if (cols <= 1) {
        cols = 1;
        rows = n;
    }
    rows = (n + cols - 1) / cols;
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            size_t i = c * rows + r;
            if (i >= n)
                break;
            size_t w = 0;
            for (size_t k = 0; k < rows && c * rows + k < n; k++)
                if (len[c * rows + k] > w)
                    w = len[c * rows + k];
            fputs(e[i].name, stdout);
            if (o->classify && mark(&e[i].st))
                putchar(mark(&e[i].st));
            if (c + 1 < cols && (c + 1) * rows + r < n)
                printf("%*s", (int)(w - len[i] + 2), "");
        }
        putchar('\n');
    }
    free(len);
}

static void print_entries(const struct opts *o, struct entry *e, size_t n, int total)
{
    qsort(e, n, sizeof *e, cmp_entry);
    if (o->reverse)
        for (size_t i = 0; i < n / 2; i++) {
            struct entry t = e[i];
            e[i] = e[n - 1 - i];
            e[n - 1 - i] = t;
        }
    if (o->longfmt) {
        print_long(o, e, n, total);
    } else if (o->columns) {
        print_columns(o, e, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            fputs(e[i].name, stdout);
            if (o->classify && mark(&e[i].st))
                putchar(mark(&e[i].st));
            putchar('\n');
        }
    }
    if (n || total)
        printed_any = 1;
}

static void free_entries(struct entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].path);
    }
    free(e);
}

static void list_dir(const struct opts *o, const char *path, int header)
{
    if (header) {
        if (printed_any)
            putchar('\n');
        printf("%s:\n", path);
        printed_any = 1;
    }
    size_t n = 0;
    char **names = util_dir_names(path, &n);
    if (!names) {
        util_warn("cannot open directory '%s': %s", path, strerror(errno));
        status = status > 1 ? status : 1;
        return;
    }
    size_t cap = n + 2, k = 0;
    struct entry *e = calloc(cap, sizeof *e);
    if (o->all) {
        static const char *const dots[] = {".", ".."};
        for (int d = 0; d < 2; d++) {
            e[k].name = strdup(dots[d]);
            e[k].path = util_join(path, dots[d]);
            e[k].ok = stat(e[k].path, &e[k].st) == 0;
            k++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (names[i][0] == '.' && !o->all && !o->almost)
            continue;
        e[k].name = strdup(names[i]);
        e[k].path = util_join(path, names[i]);
        e[k].ok = lstat(e[k].path, &e[k].st) == 0;
        k++;
    }
    util_free_names(names);
    print_entries(o, e, k, o->longfmt);
    if (o->recursive) {
        for (size_t i = 0; i < k; i++)
            if (e[i].ok && S_ISDIR(e[i].st.st_mode) && strcmp(e[i].name, ".") &&
                strcmp(e[i].name, ".."))
                list_dir(o, e[i].path, 1);
    }
    free_entries(e, k);
}

int main(int argc, char **argv)
{
    util_init(argv);
    struct opts o = {0};
    o.columns = isatty(1);
    int c;
    while ((c = getopt(argc, argv, "1aACdFlrR")) != -1) {
        switch (c) {
        case '1':
            o.columns = 0;
            break;
        case 'a':
            o.all = 1;
            break;
        case 'A':
            o.almost = 1;
            break;
        case 'C':
            o.columns = 1;
            break;
        case 'd':
            o.dirself = 1;
            break;
        case 'F':
            o.classify = 1;
            break;
        case 'l':
            o.longfmt = 1;
            break;
        case 'r':
            o.reverse = 1;
            break;
        case 'R':
            o.recursive = 1;
            break;
        default:
            util_usage(2, "[-1aACdFlrR] [FILE...]");
        }
    }
    o.width = 80;
    /* TIOCGWINSZ is declared but not implemented yet in libveridian: $COLUMNS, else 80 */
    long cols;
    if (getenv("COLUMNS") && !util_parse_long(getenv("COLUMNS"), 10, &cols) && cols > 0)
        o.width = (int)cols;
    char *dot[] = {".", NULL};
    char **ops = optind < argc ? argv + optind : dot;
    int nops = optind < argc ? argc - optind : 1;
    struct entry *files = calloc((size_t)nops, sizeof *files);
    struct entry *dirs = calloc((size_t)nops, sizeof *dirs);
    size_t nf = 0, nd = 0;
    for (int i = 0; i < nops; i++) {
        struct stat st;
        int follow = !o.longfmt && !o.dirself && !o.classify;
        if ((follow ? stat(ops[i], &st) : lstat(ops[i], &st)) != 0 &&
            (!follow || lstat(ops[i], &st) != 0)) {
            util_warn("cannot access '%s': %s", ops[i], strerror(errno));
            status = 2;
            continue;
        }
        if (o.longfmt && S_ISLNK(st.st_mode) && !o.dirself) {
            struct stat t;
            if (!stat(ops[i], &t) && S_ISDIR(t.st_mode) && ops[i][strlen(ops[i]) - 1] == '/')
                st = t;
        }
        struct entry *e = (S_ISDIR(st.st_mode) && !o.dirself) ? &dirs[nd++] : &files[nf++];
        e->name = strdup(ops[i]);
        e->path = strdup(ops[i]);
        e->st = st;
        e->ok = 1;
    }
    if (nf)
        print_entries(&o, files, nf, 0);
    qsort(dirs, nd, sizeof *dirs, cmp_entry);
    if (o.reverse)
        for (size_t i = 0; i < nd / 2; i++) {
            struct entry t = dirs[i];
            dirs[i] = dirs[nd - 1 - i];
            dirs[nd - 1 - i] = t;
        }
    for (size_t i = 0; i < nd; i++)
        list_dir(&o, dirs[i].path, nops > 1 || o.recursive);
    free_entries(files, nf);
    free_entries(dirs, nd);
    if (fflush(stdout))
        return 2;
    return status;
}
