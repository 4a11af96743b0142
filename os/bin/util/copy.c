/*
 * os/bin/util: copying files and trees, for cp and mv (mv falls back to copy + remove across
 * file systems). Reports errors itself ("prog: ...") and returns 0 or 1.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY);
    if (in < 0) {
        util_warn("cannot open '%s' for reading: %s", src, strerror(errno));
        return 1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode & 07777);
    if (out < 0) {
        util_warn("cannot create regular file '%s': %s", dst, strerror(errno));
        close(in);
        return 1;
    }
    int rc = 0;
    if (util_copy_fd(in, out)) {
        util_warn("error copying '%s' to '%s': %s", src, dst, strerror(errno));
        rc = 1;
    }
    close(in);
    if (close(out) && !rc) {
        util_warn("error writing '%s': %s", dst, strerror(errno));
        rc = 1;
    }
    return rc;
}

/* Is the directory that will hold dst inside src (or src itself)? Walks up from dst's
 * parent through ".." comparing identities, so no realpath is needed. */
static int inside(const struct stat *src, const char *dst)
{
    size_t len = strlen(dst);
    char *p = malloc(len + 3 * 256 + 4);
    if (!p)
        return 0;
    memcpy(p, dst, len + 1);
    char *slash = strrchr(p, '/');
    if (slash)
        slash[1] = 0;
    else
        strcpy(p, "./");
    int found = 0;
    struct stat st, up;
    for (int i = 0; i < 256 && !stat(p, &st); i++) {
        if (st.st_dev == src->st_dev && st.st_ino == src->st_ino) {
            found = 1;
            break;
        }
        strcat(p, "../");
        if (stat(p, &up) || (up.st_dev == st.st_dev && up.st_ino == st.st_ino))
            break; /* the root */
    }
    free(p);
    return found;
}

int util_copy_path(const char *src, const char *dst, int recursive)
{
    struct stat st;
    if ((recursive ? lstat(src, &st) : stat(src, &st)) != 0) {
        util_warn("cannot stat '%s': %s", src, strerror(errno));
        return 1;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0) {
            util_warn("cannot read symbolic link '%s': %s", src, strerror(errno));
            return 1;
        }
        target[n] = 0;
        if (symlink(target, dst)) {
            util_warn("cannot create symbolic link '%s': %s", dst, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return copy_file(src, dst, st.st_mode);
    if (!recursive) {
        util_warn("-r not specified; omitting directory '%s'", src);
        return 1;
    }
    if (inside(&st, dst)) {
        util_warn("cannot copy a directory, '%s', into itself, '%s'", src, dst);
        return 1;
    }
    struct stat dst_st;
    if (mkdir(dst, (st.st_mode & 07777) | 0700) &&
        !(errno == EEXIST && !stat(dst, &dst_st) && S_ISDIR(dst_st.st_mode))) {
        util_warn("cannot create directory '%s': %s", dst, strerror(errno));
        return 1;
    }
    char **names = util_dir_names(src, NULL);
    if (!names) {
        util_warn("cannot access '%s': %s", src, strerror(errno));
        return 1;
    }
    int rc = 0;
    for (char **n = names; *n; n++) {
        char *s = util_join(src, *n), *d = util_join(dst, *n);
        rc |= util_copy_path(s, d, 1);
        free(s);
        free(d);
    }
    util_free_names(names);
    if ((st.st_mode & 07777) != ((st.st_mode & 07777) | 0700))
        chmod(dst, st.st_mode & 07777);
    return rc;
}

static int remove_one(const char *path, const struct stat *st, enum util_phase phase, int depth,
                      void *arg)
{
    (void)depth;
    int *rc = arg;
    if (phase == UTIL_ERR) {
        util_warn("cannot remove '%s': %s", path, strerror(errno));
        *rc = 1;
        return 0;
    }
    if (phase == UTIL_PRE && S_ISDIR(st->st_mode))
        return 0;
    if ((S_ISDIR(st->st_mode) ? rmdir(path) : unlink(path)) != 0) {
        util_warn("cannot remove '%s': %s", path, strerror(errno));
        *rc = 1;
    }
    return 0;
}

int util_remove_tree(const char *path)
{
    int rc = 0;
    util_walk(path, 0, remove_one, &rc);
    return rc;
}
