/*
 * vsh: word expansion (XCU 2.6): tilde, parameters, command substitution, arithmetic, field
 * splitting, pathname expansion and quote removal, in that order.
 *
 * A word's raw text is walked once into an xbuf: every output character carries flags saying
 * whether it was quoted (literal for globbing) and whether it came from an unquoted expansion
 * (subject to IFS splitting). F_BREAK marks a forced field boundary ("$@"), F_EMPTYQ an empty
 * quoted string (it makes a field on its own: ""). Splitting and globbing then read the flags.
 *
 * Errors (bad substitutions, ${x?}, set -u, arithmetic) are reported here and make the
 * expansion return -1; the caller fails the command and a non-interactive shell exits.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsh.h"

#define F_QUOTED 1
#define F_EXP 2
#define F_BREAK 4
#define F_EMPTYQ 8

struct xbuf {
    char *s;
    unsigned char *f;
    size_t len, cap;
};

struct xctx {
    struct vsh *sh;
    int mode;
    int err;
    int sq_literal; /* a ${...} word inside double quotes: single quotes are plain characters */
};

static void xb_put(struct xbuf *b, char c, unsigned char f)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->s = vsh_realloc(b->s, b->cap);
        b->f = vsh_realloc(b->f, b->cap);
    }
    b->s[b->len] = c;
    b->f[b->len] = f;
    b->len++;
    b->s[b->len] = 0;
}

static void xb_puts(struct xbuf *b, const char *s, unsigned char f)
{
    while (*s)
        xb_put(b, *s++, f);
}

static void xb_free(struct xbuf *b)
{
    free(b->s);
    free(b->f);
    memset(b, 0, sizeof *b);
}

static void expand_into(struct xctx *x, struct xbuf *b, const char *s, size_t n, int dq);

/* the end of a ${...} or $(...) body starting right after the opener; quotes respected */
static size_t match_close_depth(const char *s, size_t i, size_t n, char open, char close,
                                int level);

static size_t match_close(const char *s, size_t i, size_t n, char open, char close)
{
    return match_close_depth(s, i, n, open, close, 0);
}

/* LEVEL: the nesting of $( and ${ so far; past 200 the text counts as unterminated (its
 * expansion fails with "nested too deeply" anyway) */
static size_t match_close_depth(const char *s, size_t i, size_t n, char open, char close, int level)
{
    if (level > 200)
        return n;
    int depth = 1, cases = 0;
    size_t start = i;
    while (i < n) {
        char c = s[i];
        if (c == '#' && open == '(' && (i == start || strchr(" \t\n;&|(", s[i - 1]))) {
            /* a comment inside $( ): to the end of its line */
            while (i < n && s[i] != '\n')
                i++;
            continue;
        }
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '\'') {
            i++;
            while (i < n && s[i] != '\'')
                i++;
            i++;
            continue;
        }
        if (c == '"') {
            i++;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            i++;
            continue;
        }
        if (c == '`') {
            i++;
            while (i < n && s[i] != '`') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            i++;
            continue;
        }
        if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
            char o = s[i + 1];
            i = match_close_depth(s, i + 2, n, o, o == '(' ? ')' : '}', level + 1) + 1;
            continue;
        }
        if (open == '(' && (i == 0 || strchr(" \t\n;&|(", s[i - 1]))) {
            if (!strncmp(s + i, "case", 4) && i + 4 < n && strchr(" \t\n", s[i + 4]))
                cases++;
            else if (!strncmp(s + i, "esac", 4) && (i + 4 >= n || strchr(" \t\n;)", s[i + 4])))
                cases--;
        }
        if (c == open)
            depth++;
        else if (c == close && cases > 0 && open == '(')
            ; /* a case pattern's ')' */
        else if (c == close && !--depth)
            return i;
        i++;
    }
    return n;
}

static const char *ifs_of(struct vsh *sh)
{
    const char *ifs = var_get(sh, "IFS");
    return ifs ? ifs : " \t\n";
}

/* the value of a special or positional parameter, or of a variable; NULL when unset */
static const char *param_value(struct vsh *sh, const char *name, char *tmp, size_t tmplen)
{
    if (isdigit((unsigned char)name[0])) {
        long i = strtol(name, NULL, 10);
        if (i == 0)
            return sh->arg0;
        return i <= sh->nparams ? sh->params[i - 1] : NULL;
    }
    if (name[1] == 0) {
        switch (name[0]) {
        case '?':
            snprintf(tmp, tmplen, "%d", sh->status);
            return tmp;
        case '$':
            snprintf(tmp, tmplen, "%ld", sh->pid);
            return tmp;
        case '!':
            if (!sh->lastbg)
                return NULL;
            snprintf(tmp, tmplen, "%ld", sh->lastbg);
            return tmp;
        case '#':
            snprintf(tmp, tmplen, "%d", sh->nparams);
            return tmp;
        case '-': {
            char *p = tmp;
            if (sh->opt_e)
                *p++ = 'e';
            if (sh->opt_f)
                *p++ = 'f';
            if (sh->opt_u)
                *p++ = 'u';
            if (sh->opt_x)
                *p++ = 'x';
            if (sh->opt_C)
                *p++ = 'C';
            if (sh->interactive)
                *p++ = 'i';
            *p = 0;
            return tmp;
        }
        }
    }
    return var_get(sh, name);
}

/* $* or $@ joined into one string (unquoted contexts that do not split) */
static char *join_params(struct vsh *sh, char sep)
{
    struct sbuf b = {0};
    for (int i = 0; i < sh->nparams; i++) {
        if (i && sep)
            sb_putc(&b, sep);
        sb_puts(&b, sh->params[i]);
    }
    return sb_take(&b);
}

/* appends VALUE as an expansion result (quoted or not) */
static void put_value(struct xbuf *b, const char *v, int dq)
{
    xb_puts(b, v, dq ? F_QUOTED : F_EXP);
}

/* pattern removal: ${v%p} ${v%%p} ${v#p} ${v##p} */
static char *remove_pattern(const char *v, const char *pat, int suffix, int longest)
{
    size_t n = strlen(v);
    char *tmp = vsh_strdup(v);
    if (!suffix) {
        /* prefix: shortest = smallest i with v[0..i) matching */
        for (size_t k = 0; k <= n; k++) {
            size_t i = longest ? n - k : k;
            char c = tmp[i];
            tmp[i] = 0;
            int m = fnmatch(pat, tmp, 0) == 0;
            tmp[i] = c;
            if (m) {
                char *r = vsh_strdup(v + i);
                free(tmp);
                return r;
            }
        }
    } else {
        for (size_t k = 0; k <= n; k++) {
            size_t i = longest ? k : n - k;
            if (fnmatch(pat, v + i, 0) == 0) {
                char *r = vsh_strndup(v, i);
                free(tmp);
                return r;
            }
        }
    }
    free(tmp);
    return vsh_strdup(v);
}

static int is_special_param(char c)
{
    return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!';
}

/* ${...}: BODY is the text between the braces */
static void expand_braced(struct xctx *x, struct xbuf *b, const char *body, size_t n, int dq)
{
    struct vsh *sh = x->sh;
    char name[256];
    size_t i = 0, nl = 0;
    int length = 0;
    char tmp[64];
    if (n > 1 && body[0] == '#' &&
        (isalnum((unsigned char)body[1]) || body[1] == '_' || is_special_param(body[1]))) {
        length = 1;
        i = 1;
    }
    if (i < n && (isalpha((unsigned char)body[i]) || body[i] == '_')) {
        while (i < n && (isalnum((unsigned char)body[i]) || body[i] == '_') && nl < 255)
            name[nl++] = body[i++];
    } else if (i < n && isdigit((unsigned char)body[i])) {
        while (i < n && isdigit((unsigned char)body[i]) && nl < 255)
            name[nl++] = body[i++];
    } else if (i < n && (is_special_param(body[i]) || body[i] == '0')) {
        name[nl++] = body[i++];
    }
    name[nl] = 0;
    if (!nl || (length && i != n)) {
        sh_error(sh, "${%.*s}: bad substitution", (int)n, body);
        x->err = 1;
        return;
    }
    const char *op = body + i;
    size_t oplen = 0;
    int colon = 0;
    if (i < n) {
        if (body[i] == ':' && i + 1 < n && strchr("-=?+", body[i + 1])) {
            colon = 1;
            oplen = 2;
        } else if (strchr("-=?+", body[i])) {
            oplen = 1;
        } else if (body[i] == '%' || body[i] == '#') {
            oplen = i + 1 < n && body[i + 1] == body[i] ? 2 : 1;
        } else {
            sh_error(sh, "${%.*s}: bad substitution", (int)n, body);
            x->err = 1;
            return;
        }
    }
    const char *word = body + i + oplen;
    size_t wlen = n - i - oplen;
    int is_at = !strcmp(name, "@") || !strcmp(name, "*");
    const char *val;
    char *owned = NULL;
    if (is_at) {
        val = sh->nparams ? "x" : NULL; /* set when there are parameters */
    } else {
        val = param_value(sh, name, tmp, sizeof tmp);
    }
    if (length) {
        if (!val && sh->opt_u && !is_at) {
            sh_error(sh, "%s: parameter not set", name);
            x->err = 1;
            return;
        }
        long len;
        if (is_at)
            len = sh->nparams;
        else
            len = val ? (long)strlen(val) : 0;
        snprintf(tmp, sizeof tmp, "%ld", len);
        put_value(b, tmp, dq);
        return;
    }
    int set = val != NULL;
    if (set && colon) {
        if (is_at) {
            owned = join_params(sh, ' ');
            set = owned[0] != 0;
        } else {
            set = val[0] != 0;
        }
    }
    char opc = oplen ? op[colon] : 0;
    if (opc == '-' || opc == '=' || opc == '?' || opc == '+') {
        int use_word = (opc == '+') ? set : !set;
        if (!use_word) {
            if (opc == '+')
                goto done; /* unset/empty: nothing */
            goto value;
        }
        if (opc == '-' || opc == '+') {
            struct xbuf wb = {0};
            int saved_sq = x->sq_literal;
            x->sq_literal = dq;
            expand_into(x, &wb, word, wlen, 0);
            x->sq_literal = saved_sq;
            for (size_t k = 0; k < wb.len; k++)
                xb_put(b, wb.s[k], dq ? (wb.f[k] & F_BREAK ? F_BREAK : F_QUOTED) : wb.f[k]);
            if (dq && !wb.len)
                xb_put(b, ' ', F_EMPTYQ);
            xb_free(&wb);
            goto done;
        }
        /* = and ? take the word as a string */
        struct xctx sx = {.sh = sh, .mode = EXP_STR};
        struct xbuf wb = {0};
        expand_into(&sx, &wb, word, wlen, 0);
        if (sx.err) {
            x->err = 1;
            xb_free(&wb);
            goto done;
        }
        char *w = vsh_strndup(wb.s ? wb.s : "", wb.len);
        xb_free(&wb);
        if (opc == '?') {
            sh_error(sh, "%s: %s", name,
                     w[0]           ? w
                     : set || colon ? "parameter null or not set"
                                    : "parameter not set");
            free(w);
            x->err = 1;
            goto done;
        }
        if (!valid_name(name, strlen(name))) {
            sh_error(sh, "%s: cannot assign in this way", name);
            free(w);
            x->err = 1;
            goto done;
        }
        if (var_set(sh, name, w, 0) < 0)
            x->err = 1;
        put_value(b, w, dq);
        free(w);
        goto done;
    }
value:
    if (!val && sh->opt_u && !is_at) {
        sh_error(sh, "%s: parameter not set", name);
        x->err = 1;
        goto done;
    }
    if (opc == '%' || opc == '#') {
        struct xctx px = {.sh = sh, .mode = EXP_PAT};
        struct xbuf pb = {0};
        expand_into(&px, &pb, word, wlen, 0);
        /* the pattern: quoted characters escaped */
        struct sbuf pat = {0};
        for (size_t k = 0; k < pb.len; k++) {
            if ((pb.f[k] & F_QUOTED) && strchr("*?[]\\", pb.s[k]))
                sb_putc(&pat, '\\');
            sb_putc(&pat, pb.s[k]);
        }
        xb_free(&pb);
        char *p = sb_take(&pat);
        const char *v = val ? val : "";
        char *joined = NULL;
        if (is_at)
            v = joined = join_params(sh, ' ');
        char *r = remove_pattern(v, p, opc == '%', oplen == 2);
        put_value(b, r, dq);
        free(r);
        free(p);
        free(joined);
        goto done;
    }
    if (is_at) {
        /* ${@} and ${*}: as $@ and $* */
        char sep = ifs_of(sh)[0];
        for (int k = 0; k < sh->nparams; k++) {
            if (k) {
                if (dq && name[0] == '*') {
                    if (sep)
                        xb_put(b, sep, F_QUOTED);
                } else {
                    xb_put(b, ' ', F_BREAK);
                }
            }
            if (dq && name[0] == '@')
                xb_put(b, ' ', F_EMPTYQ);
            put_value(b, sh->params[k], dq);
        }
        if (dq && !sh->nparams && name[0] == '*')
            xb_put(b, ' ', F_EMPTYQ);
        goto done;
    }
    if (val)
        put_value(b, val, dq);
done:
    free(owned);
}

static void expand_cmdsubst(struct xctx *x, struct xbuf *b, const char *text, int dq)
{
    int before = x->sh->status;
    (void)before;
    char *out = cmdsubst(x->sh, text);
    if (!out) {
        x->err = 1;
        return;
    }
    put_value(b, out, dq);
    free(out);
}

static void expand_arith(struct xctx *x, struct xbuf *b, const char *body, size_t n, int dq)
{
    struct xctx sx = {.sh = x->sh, .mode = EXP_STR | EXP_HEREDOC};
    struct xbuf eb = {0};
    expand_into(&sx, &eb, body, n, 1);
    if (sx.err) {
        x->err = 1;
        xb_free(&eb);
        return;
    }
    long v;
    if (arith_eval(x->sh, eb.s ? eb.s : "", &v) < 0) {
        x->err = 1;
        xb_free(&eb);
        return;
    }
    xb_free(&eb);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%ld", v);
    put_value(b, tmp, dq);
}

/* a $ at s[*i] */
static void expand_dollar(struct xctx *x, struct xbuf *b, const char *s, size_t n, size_t *i,
                          int dq)
{
    struct vsh *sh = x->sh;
    size_t k = *i + 1;
    char tmp[64];
    if (k >= n) {
        xb_put(b, '$', dq ? F_QUOTED : 0);
        *i = k;
        return;
    }
    char c = s[k];
    if (c == '(' && k + 1 < n && s[k + 1] == '(') {
        /* $(( ... )) unless it is $( (...) ... ) */
        size_t end = match_close(s, k + 2, n, '(', ')');
        if (end + 1 < n && s[end + 1] == ')') {
            expand_arith(x, b, s + k + 2, end - k - 2, dq);
            *i = end + 2;
            return;
        }
    }
    if (c == '(') {
        size_t end = match_close(s, k + 1, n, '(', ')');
        char *text = vsh_strndup(s + k + 1, end - k - 1);
        expand_cmdsubst(x, b, text, dq);
        free(text);
        *i = end + 1;
        return;
    }
    if (c == '{') {
        size_t end = match_close(s, k + 1, n, '{', '}');
        expand_braced(x, b, s + k + 1, end - k - 1, dq);
        *i = end + 1;
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t e = k;
        while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_'))
            e++;
        char *name = vsh_strndup(s + k, e - k);
        const char *v = var_get(sh, name);
        if (!v && sh->opt_u) {
            sh_error(sh, "%s: parameter not set", name);
            x->err = 1;
        } else if (v) {
            put_value(b, v, dq);
        }
        free(name);
        *i = e;
        return;
    }
    if (isdigit((unsigned char)c) || (is_special_param(c) && c != '@' && c != '*')) {
        char name[2] = {c, 0};
        const char *v = param_value(sh, name, tmp, sizeof tmp);
        if (!v && sh->opt_u && isdigit((unsigned char)c)) {
            sh_error(sh, "%s: parameter not set", name);
            x->err = 1;
        } else if (v) {
            put_value(b, v, dq);
        }
        *i = k + 1;
        return;
    }
    if (c == '@' || c == '*') {
        char sep = ifs_of(sh)[0];
        if (!(x->mode & (EXP_STR | EXP_PAT)) || dq) {
            for (int j = 0; j < sh->nparams; j++) {
                if (j) {
                    if (dq && c == '*') {
                        if (sep)
                            xb_put(b, sep, F_QUOTED);
                    } else {
                        xb_put(b, ' ', F_BREAK);
                    }
                }
                if (dq && c == '@')
                    xb_put(b, ' ', F_EMPTYQ);
                put_value(b, sh->params[j], dq);
            }
            if (dq && c == '*' && !sh->nparams)
                xb_put(b, ' ', F_EMPTYQ);
        } else {
            char *j = join_params(sh, c == '*' ? sep : ' ');
            put_value(b, j, dq);
            free(j);
        }
        *i = k + 1;
        return;
    }
    xb_put(b, '$', dq ? F_QUOTED : 0);
    *i = k;
}

static void expand_backquote(struct xctx *x, struct xbuf *b, const char *s, size_t n, size_t *i,
                             int dq)
{
    size_t k = *i + 1;
    struct sbuf t = {0};
    while (k < n && s[k] != '`') {
        if (s[k] == '\\' && k + 1 < n &&
            (s[k + 1] == '$' || s[k + 1] == '`' || s[k + 1] == '\\' || (dq && s[k + 1] == '"'))) {
            sb_putc(&t, s[k + 1]);
            k += 2;
            continue;
        }
        sb_putc(&t, s[k]);
        k++;
    }
    char *text = sb_take(&t);
    expand_cmdsubst(x, b, text, dq);
    free(text);
    *i = k + 1;
}

/* the home directory field of /etc/passwd (malloc'd) for USER, or for UID when USER is NULL;
 * NULL when there is none */
char *passwd_home(const char *user, long uid)
{
    int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct sbuf b = {0};
    char buf[1024];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        sb_putn(&b, buf, (size_t)r);
    close(fd);
    char *home = NULL;
    size_t ul = user ? strlen(user) : 0;
    for (char *line = b.s; line && *line && !home;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        const char *uidf = strchr(line, ':');
        uidf = uidf ? strchr(uidf + 1, ':') : NULL;
        int match = user ? !strncmp(line, user, ul) && line[ul] == ':'
                         : uidf && strtol(uidf + 1, NULL, 10) == uid && uidf[1] != ':';
        if (match) {
            /* name:passwd:uid:gid:gecos:home:shell */
            char *f = line;
            for (int field = 0; f && field < 5; field++) {
                f = strchr(f, ':');
                if (f)
                    f++;
            }
            if (f) {
                char *end = strchr(f, ':');
                home = vsh_strndup(f, end ? (size_t)(end - f) : strlen(f));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    sb_free(&b);
    return home;
}

static void tilde(struct xctx *x, struct xbuf *b, const char *s, size_t n, size_t *i)
{
    size_t k = *i + 1;
    while (k < n && s[k] != '/' && !((x->mode & EXP_ASSIGN) && s[k] == ':'))
        k++;
    if (k == *i + 1) {
        const char *home = var_get(x->sh, "HOME");
        if (home) {
            xb_puts(b, home, F_QUOTED);
            *i = k;
            return;
        }
    } else {
        char *user = vsh_strndup(s + *i + 1, k - *i - 1);
        char *home = passwd_home(user, 0);
        free(user);
        if (home) {
            xb_puts(b, home, F_QUOTED);
            free(home);
            *i = k;
            return;
        }
    }
    xb_put(b, '~', 0);
    *i += 1;
}

/* the raw text S[0..n) into b; dq: inside double quotes (or a here-document when
 * x->mode has EXP_HEREDOC) */
static void expand_into(struct xctx *x, struct xbuf *b, const char *s, size_t n, int dq)
{
    size_t i = 0;
    if (stack_exhausted(x->sh, 8u << 10)) {
        sh_error(x->sh, "expansion nested too deeply");
        x->err = 1;
        return;
    }
    int heredoc = (x->mode & EXP_HEREDOC) && dq;
    while (i < n && !x->err) {
        char c = s[i];
        if (!dq && c == '~' &&
            (i == 0 || ((x->mode & EXP_ASSIGN) && (s[i - 1] == ':' || s[i - 1] == '=')))) {
            tilde(x, b, s, n, &i);
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= n) {
                xb_put(b, '\\', dq ? F_QUOTED : 0);
                i++;
                continue;
            }
            char d = s[i + 1];
            if (!dq) {
                xb_put(b, d, F_QUOTED);
            } else if (d == '$' || d == '`' || d == '\\' || (d == '"' && !heredoc)) {
                xb_put(b, d, F_QUOTED);
            } else if (d == '\n') {
                /* line continuation */
            } else {
                xb_put(b, '\\', F_QUOTED);
                xb_put(b, d, F_QUOTED);
            }
            i += 2;
            continue;
        }
        if (c == '\'' && !dq && !x->sq_literal) {
            size_t e = i + 1;
            while (e < n && s[e] != '\'')
                e++;
            for (size_t k = i + 1; k < e; k++)
                xb_put(b, s[k], F_QUOTED);
            if (e == i + 1)
                xb_put(b, ' ', F_EMPTYQ);
            i = e + 1;
            continue;
        }
        if (c == '"' && !heredoc) {
            if (dq)
                return; /* the caller's closing quote: not reached (handled below) */
            size_t e = i + 1;
            while (e < n && s[e] != '"') {
                if (s[e] == '\\')
                    e++;
                else if (s[e] == '$' && e + 1 < n && (s[e + 1] == '(' || s[e + 1] == '{')) {
                    char o = s[e + 1];
                    e = match_close(s, e + 2, n, o, o == '(' ? ')' : '}');
                } else if (s[e] == '`') {
                    e++;
                    while (e < n && s[e] != '`') {
                        if (s[e] == '\\')
                            e++;
                        e++;
                    }
                }
                e++;
            }
            if (e > n)
                e = n;
            size_t before = b->len;
            int had_at = 0;
            for (size_t k = i + 1; k + 1 < e; k++)
                if (s[k] == '$' &&
                    (s[k + 1] == '@' || (s[k + 1] == '{' && k + 2 < e && s[k + 2] == '@')))
                    had_at = 1;
            expand_into(x, b, s + i + 1, e - i - 1, 1);
            if (b->len == before && !(had_at && !x->sh->nparams))
                xb_put(b, ' ', F_EMPTYQ);
            i = e + 1;
            continue;
        }
        if (c == '$') {
            expand_dollar(x, b, s, n, &i, dq);
            continue;
        }
        if (c == '`') {
            expand_backquote(x, b, s, n, &i, dq);
            continue;
        }
        xb_put(b, c, dq ? F_QUOTED : 0);
        i++;
    }
}

/* ---- field splitting and pathname expansion ---- */

struct fields {
    char **v;
    int n, cap;
};

static void fields_add(struct fields *f, char *s)
{
    if (f->n + 2 > f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->v = vsh_realloc(f->v, f->cap * sizeof *f->v);
    }
    f->v[f->n++] = s;
    f->v[f->n] = NULL;
}

void fields_free(char **f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

static int has_glob(const struct xbuf *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (!(b->f[i] & F_QUOTED) && (b->s[i] == '*' || b->s[i] == '?' || b->s[i] == '['))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* matches the pattern components comps[ci..] under dir PREFIX */
static void glob_walk(const char *prefix, char **comps, int *lit, int nc, int ci,
                      struct fields *out)
{
    if (ci == nc) {
        fields_add(out, vsh_strdup(prefix));
        return;
    }
    size_t pl = strlen(prefix);
    if (lit[ci]) {
        /* a literal component: pass through if it exists */
        char *path = vsh_alloc(pl + strlen(comps[ci]) + 2);
        sprintf(path, "%s%s%s", prefix, pl && prefix[pl - 1] != '/' ? "/" : "", comps[ci]);
        struct stat st;
        if (ci + 1 == nc ? lstat(path, &st) == 0 : stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            glob_walk(path, comps, lit, nc, ci + 1, out);
        free(path);
        return;
    }
    DIR *d = opendir(pl ? prefix : ".");
    if (!d)
        return;
    struct fields names = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && comps[ci][0] != '.')
            continue;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            if (comps[ci][0] != '.')
                continue;
        if (fnmatch(comps[ci], e->d_name, FNM_PERIOD) == 0)
            fields_add(&names, vsh_strdup(e->d_name));
    }
    closedir(d);
    if (names.n)
        qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
    for (int i = 0; i < names.n; i++) {
        char *path = vsh_alloc(pl + strlen(names.v[i]) + 2);
        sprintf(path, "%s%s%s", prefix, pl && prefix[pl - 1] != '/' ? "/" : "", names.v[i]);
        if (ci + 1 == nc) {
            fields_add(out, path);
            continue;
        }
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            glob_walk(path, comps, lit, nc, ci + 1, out);
        free(path);
    }
    fields_free(names.v, names.n);
}

/* one field b[from..to): pathname expansion, else the field itself */
static void glob_field(struct vsh *sh, const struct xbuf *b, size_t from, size_t to,
                       struct fields *out)
{
    if (sh->opt_f || !has_glob(b, from, to)) {
        fields_add(out, vsh_strndup(b->s + from, to - from));
        return;
    }
    /* split into components, each an fnmatch pattern (quoted characters escaped) */
    char *comps[128];
    int lit[128];
    int nc = 0;
    int absolute = b->s[from] == '/';
    size_t i = from;
    while (i < to && nc < 128) {
        while (i < to && b->s[i] == '/')
            i++;
        if (i >= to)
            break;
        struct sbuf c = {0};
        int literal = 1;
        struct sbuf plain = {0};
        while (i < to && b->s[i] != '/') {
            char ch = b->s[i];
            if (b->f[i] & F_QUOTED) {
                if (strchr("*?[]\\", ch))
                    sb_putc(&c, '\\');
            } else if (ch == '*' || ch == '?' || ch == '[') {
                literal = 0;
            }
            sb_putc(&c, ch);
            sb_putc(&plain, ch);
            i++;
        }
        if (literal) {
            comps[nc] = sb_take(&plain);
            sb_free(&c);
        } else {
            comps[nc] = sb_take(&c);
            sb_free(&plain);
        }
        lit[nc++] = literal;
    }
    struct fields got = {0};
    glob_walk(absolute ? "/" : "", comps, lit, nc, 0, &got);
    for (int k = 0; k < nc; k++)
        free(comps[k]);
    if (!got.n) {
        fields_add(out, vsh_strndup(b->s + from, to - from));
        return;
    }
    for (int k = 0; k < got.n; k++)
        fields_add(out, got.v[k]);
    free(got.v);
}

static void split_fields(struct vsh *sh, const struct xbuf *b, struct fields *out)
{
    const char *ifs = ifs_of(sh);
    struct xbuf cur = {0};
    int started = 0, ws_ended = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->s[i];
        unsigned char f = b->f[i];
        if (f & F_BREAK) {
            if (started || cur.len) {
                glob_field(sh, &cur, 0, cur.len, out);
            }
            cur.len = 0;
            started = 0;
            ws_ended = 0;
            continue;
        }
        if (f & F_EMPTYQ) {
            started = 1;
            continue;
        }
        if ((f & F_EXP) && c && strchr(ifs, c)) {
            int ws = c == ' ' || c == '\t' || c == '\n';
            if (ws) {
                if (started) {
                    glob_field(sh, &cur, 0, cur.len, out);
                    cur.len = 0;
                    started = 0;
                    ws_ended = 1;
                }
            } else {
                if (ws_ended)
                    ws_ended = 0;
                else
                    glob_field(sh, &cur, 0, cur.len, out);
                cur.len = 0;
                started = 0;
            }
            continue;
        }
        xb_put(&cur, c, f);
        started = 1;
        ws_ended = 0;
    }
    if (started)
        glob_field(sh, &cur, 0, cur.len, out);
    xb_free(&cur);
}

int expand_word(struct vsh *sh, const char *text, int mode, char ***fieldsp, int *nfields)
{
    struct xctx x = {.sh = sh, .mode = mode};
    struct xbuf b = {0};
    expand_into(&x, &b, text, strlen(text), (mode & EXP_HEREDOC) ? 1 : 0);
    if (x.err) {
        xb_free(&b);
        return -1;
    }
    struct fields out = {0};
    if ((mode & 3) == EXP_FIELDS) {
        split_fields(sh, &b, &out);
    } else {
        struct sbuf s = {0};
        for (size_t i = 0; i < b.len; i++) {
            if (b.f[i] & F_EMPTYQ)
                continue;
            if ((mode & 3) == EXP_PAT && (b.f[i] & F_QUOTED) && strchr("*?[]\\", b.s[i]))
                sb_putc(&s, '\\');
            sb_putc(&s, b.s[i]);
        }
        fields_add(&out, sb_take(&s));
    }
    xb_free(&b);
    if (!out.v)
        fields_add(&out, NULL), out.n = 0;
    *fieldsp = out.v;
    *nfields = out.n;
    return 0;
}

char *expand_str(struct vsh *sh, const char *text, int mode)
{
    char **f;
    int n;
    if (expand_word(sh, text, mode, &f, &n) < 0)
        return NULL;
    char *r = f[0];
    free(f);
    return r;
}

int expand_words(struct vsh *sh, struct word *w, char ***argvp, int *argcp)
{
    struct fields out = {0};
    fields_add(&out, NULL);
    out.n = 0;
    for (; w; w = w->next) {
        char **f;
        int n;
        if (expand_word(sh, w->text, EXP_FIELDS, &f, &n) < 0) {
            fields_free(out.v, out.n);
            return -1;
        }
        for (int i = 0; i < n; i++)
            fields_add(&out, f[i]);
        free(f);
    }
    *argvp = out.v;
    *argcp = out.n;
    return 0;
}

/* ---- arithmetic ---- */

struct arith {
    struct vsh *sh;
    const char *s;
    size_t i;
    int err;
};

static void ar_skip(struct arith *a)
{
    while (a->s[a->i] == ' ' || a->s[a->i] == '\t' || a->s[a->i] == '\n')
        a->i++;
}

static void ar_error(struct arith *a, const char *what)
{
    if (!a->err)
        sh_error(a->sh, "arithmetic expression: %s: \"%s\"", what, a->s);
    a->err = 1;
}

static long ar_assign(struct arith *a, int noeval);

static long var_number(struct arith *a, const char *name)
{
    const char *v = var_get(a->sh, name);
    if (!v || !*v) {
        if (!v && a->sh->opt_u) {
            sh_error(a->sh, "%s: parameter not set", name);
            a->err = 1;
        }
        return 0;
    }
    char *end;
    long r = strtol(v, &end, 0);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end) {
        ar_error(a, "bad number");
        return 0;
    }
    return r;
}

/* the longest operator at the current position */
static size_t ar_oplen(const char *s)
{
    static const char *const ops[] = {"<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "&&",
                                      "||",  "*=",  "/=", "%=", "+=", "-=", "&=", "^=", "|="};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (!strncmp(s, ops[k], strlen(ops[k])))
            return strlen(ops[k]);
    return *s ? 1 : 0;
}

static int ar_match(struct arith *a, const char *op)
{
    ar_skip(a);
    size_t n = strlen(op);
    if (strncmp(a->s + a->i, op, n) || ar_oplen(a->s + a->i) != n)
        return 0;
    a->i += n;
    return 1;
}

static long ar_primary(struct arith *a, int noeval)
{
    ar_skip(a);
    char c = a->s[a->i];
    if (c == '(') {
        if (stack_exhausted(a->sh, 8u << 10)) {
            ar_error(a, "nested too deeply");
            return 0;
        }
        a->i++;
        long v = ar_assign(a, noeval);
        ar_skip(a);
        if (a->s[a->i] != ')') {
            ar_error(a, "missing )");
            return 0;
        }
        a->i++;
        return v;
    }
    if (isdigit((unsigned char)c)) {
        char *end;
        long v = strtol(a->s + a->i, &end, 0);
        if (isalnum((unsigned char)*end) || *end == '_') {
            ar_error(a, "bad number");
            return 0;
        }
        a->i = (size_t)(end - a->s);
        return v;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t e = a->i;
        while (isalnum((unsigned char)a->s[e]) || a->s[e] == '_')
            e++;
        char *name = vsh_strndup(a->s + a->i, e - a->i);
        a->i = e;
        long v = noeval ? 0 : var_number(a, name);
        free(name);
        return v;
    }
    ar_error(a, c ? "syntax error" : "missing operand");
    return 0;
}

static long ar_unary(struct arith *a, int noeval)
{
    ar_skip(a);
    if (stack_exhausted(a->sh, 8u << 10)) {
        ar_error(a, "nested too deeply");
        return 0;
    }
    char c = a->s[a->i];
    if (c == '!' && a->s[a->i + 1] != '=') {
        a->i++;
        return !ar_unary(a, noeval);
    }
    if (c == '~') {
        a->i++;
        return ~ar_unary(a, noeval);
    }
    if (c == '-' && a->s[a->i + 1] != '-' && a->s[a->i + 1] != '=') {
        a->i++;
        return -(unsigned long)ar_unary(a, noeval);
    }
    if (c == '+' && a->s[a->i + 1] != '+' && a->s[a->i + 1] != '=') {
        a->i++;
        return ar_unary(a, noeval);
    }
    return ar_primary(a, noeval);
}

/* binary operators by precedence level, lowest first */
static const char *const levels[][5] = {
    {"||"},       {"&&"},     {"|"},           {"^"}, {"&"}, {"==", "!="}, {"<=", ">=", "<", ">"},
    {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static long ar_binary(struct arith *a, int level, int noeval)
{
    if (level == NLEVELS)
        return ar_unary(a, noeval);
    long v = ar_binary(a, level + 1, noeval);
    for (;;) {
        if (a->err)
            return 0;
        const char *op = NULL;
        for (int k = 0; k < 5 && levels[level][k]; k++)
            if (ar_match(a, levels[level][k])) {
                op = levels[level][k];
                break;
            }
        if (!op)
            return v;
        if (!strcmp(op, "||")) {
            long r = ar_binary(a, level + 1, noeval || v);
            v = v || r;
            continue;
        }
        if (!strcmp(op, "&&")) {
            long r = ar_binary(a, level + 1, noeval || !v);
            v = v && r;
            continue;
        }
        long r = ar_binary(a, level + 1, noeval);
        if (a->err)
            return 0;
        if ((op[0] == '/' || op[0] == '%') && !op[1]) {
            if (r == 0) {
                if (!noeval) {
                    ar_error(a, "division by zero");
                    return 0;
                }
                v = 0;
                continue;
            }
            if (r == -1) {
                v = op[0] == '/' ? -(unsigned long)v : 0;
                continue;
            }
        }
        switch (op[0]) {
        case '|':
            v |= r;
            break;
        case '^':
            v ^= r;
            break;
        case '&':
            v &= r;
            break;
        case '=':
            v = v == r;
            break;
        case '!':
            v = v != r;
            break;
        case '<':
            v = op[1] == '=' ? v <= r : op[1] == '<' ? (long)((unsigned long)v << (r & 63)) : v < r;
            break;
        case '>':
            v = op[1] == '=' ? v >= r : op[1] == '>' ? v >> (r & 63) : v > r;
            break;
        case '+':
            v = (long)((unsigned long)v + (unsigned long)r);
            break;
        case '-':
            v = (long)((unsigned long)v - (unsigned long)r);
            break;
        case '*':
            v = (long)((unsigned long)v * (unsigned long)r);
            break;
        case '/':
            v /= r;
            break;
        case '%':
            v %= r;
            break;
        }
    }
}

static long ar_cond(struct arith *a, int noeval)
{
    long c = ar_binary(a, 0, noeval);
    if (a->err || !ar_match(a, "?"))
        return c;
    long x = ar_assign(a, noeval || !c);
    if (!ar_match(a, ":")) {
        ar_error(a, "expected :");
        return 0;
    }
    long y = ar_cond(a, noeval || c);
    return c ? x : y;
}

static long ar_assign(struct arith *a, int noeval)
{
    ar_skip(a);
    size_t save = a->i;
    if (isalpha((unsigned char)a->s[a->i]) || a->s[a->i] == '_') {
        size_t e = a->i;
        while (isalnum((unsigned char)a->s[e]) || a->s[e] == '_')
            e++;
        size_t nameend = e;
        while (a->s[e] == ' ' || a->s[e] == '\t')
            e++;
        static const char *const ops[] = {
            "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|="};
        for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
            size_t n = strlen(ops[k]);
            if (strncmp(a->s + e, ops[k], n) || (n == 1 && a->s[e + 1] == '='))
                continue;
            char *name = vsh_strndup(a->s + a->i, nameend - a->i);
            a->i = e + n;
            long r = ar_assign(a, noeval);
            if (a->err || noeval) {
                free(name);
                return r;
            }
            long v = r;
            if (k) {
                long old = var_number(a, name);
                switch (ops[k][0]) {
                case '*':
                    v = old * r;
                    break;
                case '/':
                case '%':
                    if (!r) {
                        ar_error(a, "division by zero");
                        free(name);
                        return 0;
                    }
                    v = ops[k][0] == '/' ? old / r : old % r;
                    break;
                case '+':
                    v = old + r;
                    break;
                case '-':
                    v = old - r;
                    break;
                case '<':
                    v = old << (r & 63);
                    break;
                case '>':
                    v = old >> (r & 63);
                    break;
                case '&':
                    v = old & r;
                    break;
                case '^':
                    v = old ^ r;
                    break;
                case '|':
                    v = old | r;
                    break;
                }
            }
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%ld", v);
            if (var_set(a->sh, name, tmp, 0) < 0)
                a->err = 1;
            free(name);
            return v;
        }
    }
    a->i = save;
    return ar_cond(a, noeval);
}

int arith_eval(struct vsh *sh, const char *expr, long *out)
{
    struct arith a = {.sh = sh, .s = expr};
    ar_skip(&a);
    if (!expr[a.i]) {
        *out = 0;
        return 0;
    }
    long v = ar_assign(&a, 0);
    ar_skip(&a);
    if (!a.err && expr[a.i])
        ar_error(&a, "syntax error");
    if (a.err)
        return -1;
    *out = v;
    return 0;
}
