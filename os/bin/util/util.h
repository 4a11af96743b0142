/*
 * The utilities' shared library (os/bin/util): messages in the usual "prog: ..." form,
 * usage errors, number parsing, signal names, whole-file copies and a recursive tree walk
 * (ls -R, cp -r, rm -r, find). Linked into every program of os/bin that needs it.
 *
 * The program name is recorded once by util_init (argv[0]'s last component); messages go to
 * stderr unbuffered. Nothing here exits except util_die and util_usage.
 */
#ifndef OS_BIN_UTIL_H
#define OS_BIN_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <getopt.h> /* getopt, for every utility */
#include <unistd.h>

void util_init(char **argv);
const char *util_name(void);

/* "prog: MESSAGE\n" */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: WHAT: strerror(errno)\n" */
void util_warn_errno(const char *what);
_Noreturn void util_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage line on stderr ("usage: prog ARGS"), then exit(status). */
_Noreturn void util_usage(int status, const char *args);

/* A decimal (or with base 0, C-style) integer that must be all of s; 0 on success. */
int util_parse_long(const char *s, int base, long *out);

/* Signal number from "TERM", "SIGTERM", "term" or "15"; -1 when unknown. */
int util_signum(const char *name);
/* "TERM" for 15, NULL when unnamed. */
const char *util_signame(int sig);

/* Copy everything readable from in to out (fds); 0, or -1 with errno set. */
int util_copy_fd(int in, int out);
/* Write all of buf; 0 or -1 with errno set. */
int util_write_all(int fd, const void *buf, size_t len);

/* Path join into a fresh heap string: dir + "/" + name (no double slash). */
char *util_join(const char *dir, const char *name);

/* Where cp, mv and ln put src: dest itself, or (dest_dir) dest + "/" + src's last component
 * (trailing slashes of src skipped to find it), in a fresh heap string. */
char *util_target(const char *dest, int dest_dir, const char *src);

/* The sorted names of a directory (without . and ..), NULL-terminated, heap-allocated:
 * free with util_free_names. NULL with errno on failure. */
char **util_dir_names(const char *path, size_t *count);
void util_free_names(char **names);

/* Recursive walk: calls fn for path (pre-order, phase UTIL_PRE), then for every entry of a
 * directory (sorted by name), then for the directory again (UTIL_POST). fn returns 0 to go
 * on, 1 to skip a directory's contents (at UTIL_PRE), <0 to stop. Symbolic links are not
 * followed (lstat) unless follow_top and it is the starting path. Errors reading a directory
 * are reported to fn with phase UTIL_ERR and errno set. Returns the first <0 of fn, else 0. */
enum util_phase { UTIL_PRE, UTIL_POST, UTIL_ERR };
typedef int (*util_walk_fn)(const char *path, const struct stat *st, enum util_phase phase,
                            int depth, void *arg);
int util_walk(const char *path, int follow_top, util_walk_fn fn, void *arg);

/* util/copy.c: copy src to dst (a file, or with recursive a whole tree, symbolic links as
 * links); remove a tree (depth first). Both report errors themselves and return 0 or 1. */
int util_copy_path(const char *src, const char *dst, int recursive);
int util_remove_tree(const char *path);

/* Splits line in place at blanks into at most max fields; returns how many. */
int util_fields(char *line, char **fields, int max);

/* The name of a user or group id from /etc/passwd or /etc/group; 0, or -1 when unknown. */
int util_user_name(unsigned uid, char *buf, size_t len);
int util_group_name(unsigned gid, char *buf, size_t len);

#endif
