/*
 * POSIX regular expressions (src/regex.c): basic (BRE) and extended (ERE) syntax, with the
 * GNU extensions people type (\+ \? \| in BREs; \w \W \s \S \b \B \< \> in both).
 * Matching is leftmost-longest by a Thompson NFA simulation (Pike VM): time O(pattern x
 * text), no exponential blow-up. Patterns with back-references (\1..\9) run on a
 * backtracker whose work is capped: past the cap regexec fails with REG_ESPACE.
 */
#ifndef _REGEX_H
#define _REGEX_H

#include <stddef.h>

typedef long regoff_t;

typedef struct {
    size_t re_nsub;
    void *__prog;
    int __cflags;
    int __pad;
} regex_t;

typedef struct {
    regoff_t rm_so;
    regoff_t rm_eo;
} regmatch_t;

/* cflags (glibc's values) */
#define REG_EXTENDED 1
#define REG_ICASE 2
#define REG_NEWLINE 4
#define REG_NOSUB 8
/* eflags */
#define REG_NOTBOL 1
#define REG_NOTEOL 2
#define REG_STARTEND 4 /* search string[pmatch[0].rm_so, pmatch[0].rm_eo); offsets from string */

/* errors (glibc's values) */
#define REG_NOMATCH 1
#define REG_BADPAT 2
#define REG_ECOLLATE 3
#define REG_ECTYPE 4
#define REG_EESCAPE 5
#define REG_ESUBREG 6
#define REG_EBRACK 7
#define REG_EPAREN 8
#define REG_EBRACE 9
#define REG_BADBR 10
#define REG_ERANGE 11
#define REG_ESPACE 12
#define REG_BADRPT 13
#define REG_EEND 14
#define REG_ESIZE 15
#define REG_ERPAREN 16

int regcomp(regex_t *restrict re, const char *restrict pattern, int cflags);
int regexec(const regex_t *restrict re, const char *restrict s, size_t nmatch,
            regmatch_t pmatch[restrict], int eflags);
size_t regerror(int err, const regex_t *restrict re, char *restrict buf, size_t len);
void regfree(regex_t *re);

#endif
