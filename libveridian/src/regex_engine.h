/*
 * The regex engine behind <regex.h> (regex.c), under vr_ names so the host unit tests
 * (tests/unit/regex) can run it beside glibc's regcomp. Engine rules as in core.h: no errno,
 * no kernel; memory comes through the allocator the caller passes.
 */
#ifndef VR_REGEX_ENGINE_H
#define VR_REGEX_ENGINE_H

#include <stddef.h>

struct vr_regex {
    size_t re_nsub;
    void *prog;
    int cflags;
    int pad;
};

struct vr_regmatch {
    long rm_so;
    long rm_eo;
};

struct vr_regex_alloc {
    void *(*alloc)(size_t n);
    void (*free)(void *p);
};

/* cflags/eflags and error numbers: glibc's values, as in <regex.h> */
#define VR_REG_EXTENDED 1
#define VR_REG_ICASE 2
#define VR_REG_NEWLINE 4
#define VR_REG_NOSUB 8
#define VR_REG_NOTBOL 1
#define VR_REG_NOTEOL 2
#define VR_REG_STARTEND 4
enum {
    VR_REG_NOMATCH = 1,
    VR_REG_BADPAT,
    VR_REG_ECOLLATE,
    VR_REG_ECTYPE,
    VR_REG_EESCAPE,
    VR_REG_ESUBREG,
    VR_REG_EBRACK,
    VR_REG_EPAREN,
    VR_REG_EBRACE,
    VR_REG_BADBR,
    VR_REG_ERANGE,
    VR_REG_ESPACE,
    VR_REG_BADRPT,
    VR_REG_EEND,
    VR_REG_ESIZE,
    VR_REG_ERPAREN
};

/* The limits that bound compile time and memory: interval counts (RE_DUP_MAX) and the
 * compiled program's size in instructions; beyond them regcomp fails (REG_BADBR, REG_ESPACE). */
#define VR_RE_DUP_MAX 32767
#define VR_RE_PROG_MAX 65536
#define VR_RE_DEPTH_MAX 200
/* Patterns with back-references run on a backtracker: at most this many steps per regexec
 * (REG_ESPACE beyond), so a pathological one costs bounded time. */
#define VR_RE_BACKTRACK_MAX 4000000ul

int vr_regcomp(struct vr_regex *re, const char *pattern, int cflags,
               const struct vr_regex_alloc *a);
/* text of length len (NUL not required); with VR_REG_STARTEND the search covers
 * [pmatch[0].rm_so, pmatch[0].rm_eo) of s instead, with offsets still relative to s. */
int vr_regexec(const struct vr_regex *re, const char *s, size_t len, size_t nmatch,
               struct vr_regmatch *pmatch, int eflags, const struct vr_regex_alloc *a);
size_t vr_regerror(int err, char *buf, size_t len);
void vr_regfree(struct vr_regex *re, const struct vr_regex_alloc *a);

#endif
