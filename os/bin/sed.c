/*
 * sed [-nEr] [-i] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE...]: the stream editor, POSIX
 * sed with the GNU forms people type.
 *   addresses: N, $, /RE/ (or \cREc), ADDR1,ADDR2 ranges (ADDR2 a number <= the current line
 *              gives one line), ADDR! negation; empty RE = the last one used
 *   commands:  s/RE/REPL/[g][p][N][I]  (REPL: & \1..\9 \n, \& literal), y/abc/xyz/, d, D,
 *              p, P, n, N, g, G, h, H, x, =, q [STATUS], Q [STATUS], a TEXT, i TEXT, c TEXT
 *              (also a\ TEXT on the next line), { ... }, :LABEL, b [LABEL], t [LABEL],
 *              T [LABEL], l, #comment; ';' or newline between commands
 *   -n no automatic printing, -E/-r extended REs, -i edit files in place, -s separate files.
 * The files are one stream unless -i or -s. Exit 0; 1 for a bad script or option; 2 when an
 * input file could not be read (GNU's); q/Q's STATUS.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

static const char usage[] = "[-nErs] [-i] [-e SCRIPT]... [-f FILE]... [SCRIPT] [FILE...]";

enum { A_NONE, A_LINE, A_LAST, A_RE, A_STEP, A_PLUS };

struct addr {
    int type;
    long line, step; /* A_STEP: first~step; A_PLUS: ADDR1,+line */
    regex_t *re;     /* NULL with A_RE: the last regex used */
};

struct cmd {
    struct addr a1, a2;
    int naddr, negate, active;
    long end_line; /* of an active range ending at a line number */
    char name;
    /* s */
    regex_t *re;
    char *repl;
    int global, print, nth, icase;
    /* y */
    unsigned char ymap[256];
    /* a i c text, labels, b/t targets */
    char *text;
    int target; /* index of the command to jump to; for { the matching } */
    int status; /* q Q */
};

struct buf {
    char *s;
    size_t len, cap;
};

static struct cmd *cmds;
static int ncmds, capcmds;
static int ere, quiet, in_place, separate;
static regex_t *last_re;
static size_t last_parsed_nsub = 9; /* groups of the last regex parsed, for \N checks */

/* ---- strings ---- */

static void buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->s = realloc(b->s, cap);
    if (!b->s)
        util_die(4, "out of memory");
    b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void buf_set(struct buf *b, const char *s, size_t n)
{
    b->len = 0;
    buf_add(b, s, n);
}

/* ---- parsing ---- */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Reads a delimited part (RE or replacement) ending at delim; \delim becomes delim, \n a
 * newline in REs; other escapes are kept for the regex or the replacement. */
static char *delimited(const char **pp, char delim, int is_re)
{
    const char *p = *pp;
    struct buf b = {0};
    buf_add(&b, "", 0);
    while (*p && *p != delim) {
        if (*p == '\\' && p[1]) {
            if (p[1] == delim) {
                buf_add(&b, &delim, 1);
            } else if (p[1] == 'n' && is_re) {
                buf_add(&b, "\n", 1);
            } else {
                buf_add(&b, p, 2);
            }
            p += 2;
            continue;
        }
        if (*p == '[' && is_re) {
            /* a bracket expression: the delimiter is literal inside */
            const char *q = p + 1;
            if (*q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']') {
                if (q[0] == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                    const char *e = strchr(q + 2, q[1]);
                    q = e && e[1] == ']' ? e + 2 : q + 1;
                } else {
                    q++;
                }
            }
            if (*q == ']') {
                buf_add(&b, p, (size_t)(q + 1 - p));
                p = q + 1;
                continue;
            }
        }
        buf_add(&b, p, 1);
        p++;
    }
    if (*p != delim)
        util_die(1, "unterminated %s", is_re ? "address regex" : "`s' command");
    *pp = p + 1;
    return b.s;
}

static regex_t *compile(const char *pat, int icase)
{
    if (!*pat)
        return NULL; /* the last regex */
    regex_t *re = malloc(sizeof *re);
    int rc = regcomp(re, pat, (ere ? REG_EXTENDED : 0) | (icase ? REG_ICASE : 0));
    if (rc) {
        char msg[128];
        regerror(rc, re, msg, sizeof msg);
        util_die(1, "%s", msg);
    }
    return re;
}

static const char *parse_addr(const char *p, struct addr *a)
{
    if (isdigit((unsigned char)*p)) {
        a->type = A_LINE;
        a->line = strtol(p, (char **)&p, 10);
        if (*p == '~' && isdigit((unsigned char)p[1])) {
            a->type = A_STEP;
            a->step = strtol(p + 1, (char **)&p, 10);
        }
        return p;
    }
    if (*p == '+' && isdigit((unsigned char)p[1])) {
        a->type = A_PLUS;
        a->line = strtol(p + 1, (char **)&p, 10);
        return p;
    }
    if (*p == '$') {
        a->type = A_LAST;
        return p + 1;
    }
    if (*p == '/' || *p == '\\') {
        char delim = '/';
        if (*p == '\\') {
            delim = p[1];
            if (!delim || delim == '\n' || delim == '\\')
                util_die(1, "invalid address delimiter");
            p++;
        }
        p++;
        char *pat = delimited(&p, delim, 1);
        int icase = 0;
        if (*p == 'I') {
            icase = 1;
            p++;
        }
        a->type = A_RE;
        a->re = compile(pat, icase);
        if (a->re)
            last_parsed_nsub = a->re->re_nsub;
        free(pat);
        return p;
    }
    a->type = A_NONE;
    return p;
}

static struct cmd *new_cmd(void)
{
    if (ncmds == capcmds) {
        capcmds = capcmds ? capcmds * 2 : 32;
        cmds = realloc(cmds, (size_t)capcmds * sizeof *cmds);
        if (!cmds)
            util_die(4, "out of memory");
    }
    struct cmd *c = &cmds[ncmds++];
    memset(c, 0, sizeof *c);
    c->target = -1;
    return c;
}

/* The text of a, i, c: GNU one-liner "a text" or POSIX "a\" newline "text" (continued by
 * backslash-newline). */
static const char *parse_text(const char *p, char **out)
{
    p = skip_ws(p);
    if (*p == '\\') {
        p++;
        if (*p == '\n')
            p++;
    }
    struct buf b = {0};
    buf_add(&b, "", 0);
    while (*p && *p != '\n') {
        if (*p == '\\' && p[1]) {
            p++;
            if (*p == '\n') {
                buf_add(&b, "\n", 1);
                p++;
                continue;
            }
        }
        buf_add(&b, p, 1);
        p++;
    }
    *out = b.s;
    return p;
}

static const char *parse_label(const char *p, char **out)
{
    p = skip_ws(p);
    const char *s = p;
    while (*p && *p != '\n' && *p != ';')
        p++;
    const char *e = p;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *out = malloc((size_t)(e - s) + 1);
    memcpy(*out, s, (size_t)(e - s));
    (*out)[e - s] = 0;
    return p;
}

static void parse(const char *p)
{
    static int stack[64];
    static int depth;
    for (;;) {
        while (*p && (isspace((unsigned char)*p) || *p == ';'))
            p++;
        if (!*p)
            break;
        if (*p == '#') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        struct cmd *c = new_cmd();
        p = parse_addr(p, &c->a1);
        if (c->a1.type != A_NONE) {
            c->naddr = 1;
            if (*p == ',') {
                p = parse_addr(skip_ws(p + 1), &c->a2);
                if (c->a2.type == A_NONE)
                    util_die(1, "unexpected `,'");
                c->naddr = 2;
            }
        }
        p = skip_ws(p);
        while (*p == '!') {
            c->negate = 1;
            p = skip_ws(p + 1);
        }
        c->name = *p;
        if (!*p)
            util_die(1, "missing command");
        p++;
        switch (c->name) {
        case '{':
            if (depth == 64)
                util_die(1, "too many {");
            stack[depth++] = ncmds - 1;
            continue;
        case '}':
            if (!depth)
                util_die(1, "unexpected `}'");
            if (c->naddr)
                util_die(1, "} doesn't want any addresses");
            cmds[stack[--depth]].target = ncmds - 1;
            break;
        case 's': {
            char delim = *p++;
            if (!delim || delim == '\n' || delim == '\\')
                util_die(1, "unterminated `s' command");
            char *pat = delimited(&p, delim, 1);
            c->repl = delimited(&p, delim, 0);
            for (;; p++) {
                if (*p == 'g')
                    c->global = 1;
                else if (*p == 'p')
                    c->print = 1;
                else if (*p == 'I' || *p == 'i')
                    c->icase = 1;
                else if (isdigit((unsigned char)*p))
                    c->nth = (int)strtol(p, (char **)&p, 10), p--;
                else
                    break;
            }
            c->re = compile(pat, c->icase);
            free(pat);
            for (const char *r = c->repl; *r; r++) {
                if (*r != '\\' || !r[1])
                    continue;
                r++;
                size_t nsub = c->re ? c->re->re_nsub : last_parsed_nsub;
                if (*r >= '1' && *r <= '9' && (size_t)(*r - '0') > nsub)
                    util_die(1,
                             "invalid reference \\%c on `s' "
                             "command's RHS",
                             *r);
            }
            if (c->re)
                last_parsed_nsub = c->re->re_nsub;
            break;
        }
        case 'y': {
            char delim = *p++;
            char *a = delimited(&p, delim, 0), *b = delimited(&p, delim, 0);
            /* y's own escapes: \\ and \n (delimited kept them) */
            char *sets[2] = {a, b};
            for (int k = 0; k < 2; k++) {
                char *o = sets[k];
                for (char *q = sets[k]; *q; q++) {
                    if (*q == '\\' && q[1] == 'n') {
                        *o++ = '\n';
                        q++;
                    } else if (*q == '\\' && q[1] == '\\') {
                        *o++ = '\\';
                        q++;
                    } else {
                        *o++ = *q;
                    }
                }
                *o = 0;
            }
            if (strlen(a) != strlen(b))
                util_die(1, "strings for `y' command are different "
                            "lengths");
            for (int x = 0; x < 256; x++)
                c->ymap[x] = (unsigned char)x;
            for (size_t k = 0; a[k]; k++)
                c->ymap[(unsigned char)a[k]] = (unsigned char)b[k];
            free(a);
            free(b);
            break;
        }
        case 'a':
        case 'i':
        case 'c':
            p = parse_text(p, &c->text);
            break;
        case ':':
            if (c->naddr)
                util_die(1, ": doesn't want any addresses");
            p = parse_label(p, &c->text);
            if (!*c->text)
                util_die(1, "\":\" lacks a label");
            break;
        case 'b':
        case 't':
        case 'T':
            p = parse_label(p, &c->text);
            break;
        case 'q':
        case 'Q':
            p = skip_ws(p);
            if (isdigit((unsigned char)*p))
                c->status = (int)strtol(p, (char **)&p, 10);
            break;
        case 'd':
        case 'D':
        case 'p':
        case 'P':
        case 'n':
        case 'N':
        case 'g':
        case 'G':
        case 'h':
        case 'H':
        case 'x':
        case '=':
        case 'l':
            break;
        default:
            util_die(1, "unknown command: `%c'", c->name);
        }
        p = skip_ws(p);
        if (*p && *p != ';' && *p != '\n' && *p != '}' && *p != '#')
            util_die(1, "extra characters after command");
    }
    (void)depth;
}

static void resolve_labels(void)
{
    for (int i = 0; i < ncmds; i++) {
        struct cmd *c = &cmds[i];
        if (c->name == '{' && c->target < 0)
            util_die(1, "unmatched `{'");
        if (c->name != 'b' && c->name != 't' && c->name != 'T')
            continue;
        if (!*c->text) {
            c->target = ncmds;
            continue;
        }
        for (int k = 0; k < ncmds; k++)
            if (cmds[k].name == ':' && !strcmp(cmds[k].text, c->text))
                c->target = k;
        if (c->target < 0)
            util_die(4, "can't find label for jump to `%s'", c->text);
    }
}

/* ---- input: one stream over the files, with one line of lookahead for $ ---- */

struct input {
    char **files;
    int nfiles, next;
    FILE *f;
    struct buf ahead;
    int have_ahead;
    int status;
    long lineno;
    int last_had_newline;
    FILE *out;
    const char *cur_name;
    char *tmp_name;
};

static int open_next(struct input *in);

static int read_raw(struct input *in, struct buf *b, int *nl)
{
    for (;;) {
        if (!in->f && !open_next(in))
            return 0;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len = getline(&line, &cap, in->f);
        if (len >= 0) {
            *nl = len && line[len - 1] == '\n';
            buf_set(b, line, (size_t)len - (size_t)*nl);
            free(line);
            return 1;
        }
        free(line);
        if (in->f != stdin)
            fclose(in->f);
        in->f = NULL;
        if (in_place || separate)
            return 0; /* each file is its own stream */
    }
}

static int ahead_nl;

static int read_line(struct input *in, struct buf *b)
{
    if (!in->have_ahead && !read_raw(in, &in->ahead, &ahead_nl))
        return 0;
    buf_set(b, in->ahead.s, in->ahead.len);
    in->last_had_newline = ahead_nl;
    in->have_ahead = read_raw(in, &in->ahead, &ahead_nl);
    in->lineno++;
    return 1;
}

static int is_last(struct input *in)
{
    return !in->have_ahead;
}

static int open_next(struct input *in)
{
    while (in->next < (in->nfiles ? in->nfiles : 1)) {
        const char *name = in->nfiles ? in->files[in->next] : "-";
        in->next++;
        if (!strcmp(name, "-")) {
            in->f = stdin;
            in->cur_name = "-";
            return 1;
        }
        in->f = fopen(name, "r");
        if (in->f) {
            in->cur_name = name;
            return 1;
        }
        util_warn("can't read %s: %s", name, strerror(errno));
        in->status = 2;
    }
    return 0;
}

/* ---- execution ---- */

static int match_re(regex_t *re, const struct buf *ps)
{
    if (!re)
        re = last_re;
    if (!re)
        util_die(1, "no previous regular expression");
    last_re = re;
    return regexec(re, ps->s ? ps->s : "", 0, NULL, 0) == 0;
}

static int addr_match(struct addr *a, struct input *in, const struct buf *ps)
{
    switch (a->type) {
    case A_LINE:
        return in->lineno == a->line;
    case A_LAST:
        return is_last(in);
    case A_RE:
        return match_re(a->re, ps);
    case A_STEP:
        if (a->step <= 0)
            return in->lineno == a->line;
        return in->lineno >= a->line && (in->lineno - a->line) % a->step == 0;
    }
    return 0;
}

static int selects(struct cmd *c, struct input *in, const struct buf *ps)
{
    int r;
    if (c->naddr == 0) {
        r = 1;
    } else if (c->naddr == 1) {
        r = addr_match(&c->a1, in, ps);
    } else if (c->active) {
        r = 1;
        if (c->a2.type == A_LINE || c->a2.type == A_PLUS ? in->lineno >= c->end_line
                                                         : addr_match(&c->a2, in, ps))
            c->active = 0;
    } else if (addr_match(&c->a1, in, ps)) {
        r = 1;
        c->end_line = c->a2.type == A_PLUS ? in->lineno + c->a2.line : c->a2.line;
        if (c->a2.type == A_LINE || c->a2.type == A_PLUS ? in->lineno < c->end_line : 1)
            c->active = 1;
        if (c->a2.type == A_LAST && is_last(in))
            c->active = 0;
    } else {
        r = 0;
    }
    return c->negate ? !r : r;
}

static int missing_newline; /* the last output line had none: add it before more output */

static void emit(struct input *in, const char *s, size_t n, int newline)
{
    if (missing_newline)
        fputc('\n', in->out);
    missing_newline = 0;
    fwrite(s, 1, n, in->out);
    if (newline)
        fputc('\n', in->out);
}

/* Whether the pattern and hold spaces end with a newline when printed: a last input line
 * without one keeps it missing (GNU sed's "chomped" state), and the state moves with the text
 * through g G h H x; the hold space starts with one. */
static int ps_chomped = 1, hold_chomped = 1;

static void emit_ps(struct input *in, const struct buf *ps)
{
    emit(in, ps->s ? ps->s : "", ps->len, ps_chomped);
    missing_newline = !ps_chomped;
}

static void list_line(struct input *in, const struct buf *ps)
{
    int col = 0;
    for (size_t i = 0; i < ps->len; i++) {
        unsigned char ch = (unsigned char)ps->s[i];
        char tmp[8];
        const char *esc = NULL;
        switch (ch) {
        case '\\':
            esc = "\\\\";
            break;
        case '\a':
            esc = "\\a";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\v':
            esc = "\\v";
            break;
        default:
            if (!isprint(ch)) {
                snprintf(tmp, sizeof tmp, "\\%03o", ch);
                esc = tmp;
            }
        }
        size_t w = esc ? strlen(esc) : 1;
        if (col + (int)w > 69) {
            fputs("\\\n", in->out);
            col = 0;
        }
        if (esc)
            fputs(esc, in->out);
        else
            fputc(ch, in->out);
        col += (int)w;
    }
    fputs("$\n", in->out);
}

static int substitute(struct cmd *c, struct buf *ps)
{
    regex_t *re = c->re ? c->re : last_re;
    if (!re)
        util_die(1, "no previous regular expression");
    last_re = re;
    struct buf out = {0};
    buf_add(&out, "", 0);
    size_t off = 0, len = ps->len;
    int count = 0, done = 0;
    long prev_end = -1;
    regmatch_t m[10];
    char *s = ps->s ? ps->s : "";
    while (off <= len) {
        m[0].rm_so = (regoff_t)off;
        m[0].rm_eo = (regoff_t)len;
        if (regexec(re, s, 10, m, REG_STARTEND)) /* \b and \< see the text before off */
            break;
        size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
        /* an empty match right after the previous match is not a match (GNU) */
        if (so == eo && (long)so == prev_end) {
            if (so >= len)
                break;
            buf_add(&out, s + off, so - off + 1);
            off = so + 1;
            continue;
        }
        count++;
        buf_add(&out, s + off, so - off);
        if (c->nth && count < c->nth) {
            buf_add(&out, s + so, eo - so);
        } else {
            for (const char *r = c->repl; *r; r++) {
                if (*r == '&') {
                    buf_add(&out, s + so, eo - so);
                } else if (*r == '\\' && r[1]) {
                    r++;
                    if (*r >= '0' && *r <= '9') {
                        int k = *r - '0';
                        if ((size_t)k > re->re_nsub)
                            util_die(1,
                                     "invalid reference \\%d on `s' "
                                     "command's RHS",
                                     k);
                        if (m[k].rm_so >= 0)
                            buf_add(&out, s + m[k].rm_so, (size_t)(m[k].rm_eo - m[k].rm_so));
                    } else if (*r == 'n') {
                        buf_add(&out, "\n", 1);
                    } else if (*r == 't') {
                        buf_add(&out, "\t", 1);
                    } else {
                        buf_add(&out, r, 1);
                    }
                } else {
                    buf_add(&out, r, 1);
                }
            }
            done = 1;
        }
        prev_end = (long)eo;
        if (done && !c->global) {
            off = eo;
            break;
        }
        if (so == eo) {
            if (so >= len) {
                off = len + 1;
                break;
            }
            buf_add(&out, s + so, 1);
            off = so + 1;
        } else {
            off = eo;
        }
    }
    if (!done) {
        free(out.s);
        return 0;
    }
    if (off <= len)
        buf_add(&out, s + off, len - off);
    free(ps->s);
    *ps = out;
    return 1;
}

/* Runs the script over one stream; returns -1 to go on, or an exit status (q/Q). */
static int run(struct input *in)
{
    struct buf ps = {0}, hold = {0};
    buf_add(&hold, "", 0);
    int quit = -1;
    struct buf appends = {0};
    int have_line = read_line(in, &ps);
    ps_chomped = in->last_had_newline;
    hold_chomped = 1;
    while (have_line) {
        int tflag = 0, deleted = 0, restart = 0;
        appends.len = 0;
        for (int pc = 0; pc < ncmds && !deleted;) {
            struct cmd *c = &cmds[pc];
            if (c->name == ':' || c->name == '}') {
                pc++;
                continue;
            }
            if (!selects(c, in, &ps)) {
                pc = c->name == '{' ? c->target + 1 : pc + 1;
                continue;
            }
            pc++;
            switch (c->name) {
            case '{':
                break;
            case 's':
                if (substitute(c, &ps)) {
                    tflag = 1;
                    if (c->print)
                        emit_ps(in, &ps);
                }
                break;
            case 'y':
                for (size_t i = 0; i < ps.len; i++)
                    ps.s[i] = (char)c->ymap[(unsigned char)ps.s[i]];
                break;
            case 'd':
                deleted = 1;
                break;
            case 'D': {
                char *nl = ps.s ? memchr(ps.s, '\n', ps.len) : NULL;
                if (!nl) {
                    deleted = 1;
                } else {
                    size_t rest = ps.len - (size_t)(nl + 1 - ps.s);
                    memmove(ps.s, nl + 1, rest);
                    ps.len = rest;
                    ps.s[rest] = 0;
                    deleted = 1;
                    restart = 1;
                }
                break;
            }
            case 'p':
                emit_ps(in, &ps);
                break;
            case 'P': {
                char *nl = ps.s ? memchr(ps.s, '\n', ps.len) : NULL;
                if (nl)
                    emit(in, ps.s, (size_t)(nl - ps.s), 1);
                else
                    emit_ps(in, &ps);
                break;
            }
            case 'n':
                if (!quiet)
                    emit_ps(in, &ps);
                if (is_last(in)) {
                    deleted = 1; /* GNU: without a next line, end without printing again */
                    quit = 0;
                    break;
                }
                read_line(in, &ps);
                ps_chomped = in->last_had_newline;
                break;
            case 'N':
                if (is_last(in)) {
                    /* GNU prints the pattern space when there is no next line */
                    if (!quiet)
                        emit_ps(in, &ps);
                    deleted = 1;
                    quit = 0;
                    break;
                } else {
                    struct buf next = {0};
                    read_line(in, &next);
                    buf_add(&ps, "\n", 1);
                    buf_add(&ps, next.s, next.len);
                    free(next.s);
                    ps_chomped = in->last_had_newline;
                }
                break;
            case 'g':
                buf_set(&ps, hold.s, hold.len);
                ps_chomped = hold_chomped;
                break;
            case 'G':
                buf_add(&ps, "\n", 1);
                buf_add(&ps, hold.s, hold.len);
                ps_chomped = hold_chomped;
                break;
            case 'h':
                buf_set(&hold, ps.s ? ps.s : "", ps.len);
                hold_chomped = ps_chomped;
                break;
            case 'H':
                buf_add(&hold, "\n", 1);
                buf_add(&hold, ps.s ? ps.s : "", ps.len);
                hold_chomped = ps_chomped;
                break;
            case 'x': {
                struct buf t = ps;
                ps = hold;
                hold = t;
                if (!hold.s)
                    buf_add(&hold, "", 0);
                int tc = ps_chomped;
                ps_chomped = hold_chomped;
                hold_chomped = tc;
                break;
            }
            case '=':
                fprintf(in->out, "%ld\n", in->lineno);
                break;
            case 'l':
                list_line(in, &ps);
                break;
            case 'a':
                buf_add(&appends, c->text, strlen(c->text));
                buf_add(&appends, "\n", 1);
                break;
            case 'i':
                emit(in, c->text, strlen(c->text), 1);
                break;
            case 'c':
                /* in a range, the text once at its end */
                if (c->naddr < 2 || !c->active)
                    emit(in, c->text, strlen(c->text), 1);
                deleted = 1;
                break;
            case 'b':
                pc = c->target;
                break;
            case 't':
                if (tflag) {
                    tflag = 0;
                    pc = c->target;
                }
                break;
            case 'T':
                if (!tflag)
                    pc = c->target;
                else
                    tflag = 0;
                break;
            case 'q':
                quit = c->status;
                pc = ncmds;
                break;
            case 'Q':
                quit = c->status;
                deleted = 1;
                appends.len = 0;
                break;
            }
            if (quit >= 0 && c->name != 'q')
                break;
        }
        if (!deleted && !quiet)
            emit_ps(in, &ps);
        if (appends.len)
            emit(in, appends.s, appends.len, 0);
        if (quit >= 0)
            break;
        if (restart && ps.len) {
            continue; /* D: the rest of the pattern space, without reading */
        }
        have_line = read_line(in, &ps);
        ps_chomped = in->last_had_newline;
    }
    free(ps.s);
    free(hold.s);
    free(appends.s);
    return quit;
}

int main(int argc, char **argv)
{
    util_init(argv);
    struct buf script = {0};
    int have_script = 0, c;
    while ((c = getopt(argc, argv, "nErsie:f:")) != -1) {
        switch (c) {
        case 'n':
            quiet = 1;
            break;
        case 'E':
        case 'r':
            ere = 1;
            break;
        case 's':
            separate = 1;
            break;
        case 'i':
            in_place = 1;
            break;
        case 'e':
            buf_add(&script, optarg, strlen(optarg));
            buf_add(&script, "\n", 1);
            have_script = 1;
            break;
        case 'f': {
            FILE *f = strcmp(optarg, "-") ? fopen(optarg, "r") : stdin;
            if (!f)
                util_die(1, "couldn't open file %s: %s", optarg, strerror(errno));
            char tmp[4096];
            size_t n;
            while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
                buf_add(&script, tmp, n);
            buf_add(&script, "\n", 1);
            if (f != stdin)
                fclose(f);
            have_script = 1;
            break;
        }
        default:
            util_usage(1, usage);
        }
    }
    if (!have_script) {
        if (optind >= argc)
            util_usage(1, usage);
        buf_add(&script, argv[optind], strlen(argv[optind]));
        optind++;
    }
    parse(script.s ? script.s : "");
    resolve_labels();
    struct input in = {.files = argv + optind, .nfiles = argc - optind, .out = stdout};
    if (in_place && !in.nfiles)
        util_die(1, "no input files");
    int quit = -1;
    if (!in_place) {
        do {
            quit = run(&in);
            for (int i = 0; i < ncmds; i++)
                cmds[i].active = 0;
            in.lineno = separate ? in.lineno : in.lineno;
        } while (quit < 0 && separate && in.next < in.nfiles);
    } else {
        for (int i = 0; i < in.nfiles && quit < 0; i++) {
            const char *name = in.files[i];
            struct input one = {.files = in.files + i, .nfiles = 1};
            size_t nl = strlen(name);
            char *tmp = malloc(nl + 8);
            snprintf(tmp, nl + 8, "%s.sedtmp", name);
            one.out = fopen(tmp, "w");
            if (!one.out) {
                util_warn("couldn't open temporary file %s: %s", tmp, strerror(errno));
                in.status = 4;
                free(tmp);
                continue;
            }
            quit = run(&one);
            fclose(one.out);
            if (one.status) {
                unlink(tmp);
                in.status = one.status;
            } else if (rename(tmp, name)) {
                util_warn("cannot rename %s: %s", tmp, strerror(errno));
                in.status = 4;
            }
            free(tmp);
            for (int k = 0; k < ncmds; k++)
                cmds[k].active = 0;
        }
    }
    if (fflush(stdout))
        return 4;
    return quit >= 0 ? quit : in.status;
}
