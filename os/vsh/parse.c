/*
 * vsh: the lexer and the recursive-descent parser (POSIX shell grammar, XCU 2.10).
 *
 * Input is a struct src: a buffer that grows a line at a time through src->more (a file or a
 * terminal), or holds a whole string (-c, eval, function bodies, $(...)). Words keep their raw
 * source text, quotes included; expand.c interprets it at run time, as dash does. Here-document
 * bodies are read when the newline after their operator is lexed.
 *
 * Errors: a syntax error is reported once, as "vsh: LINE:COL: syntax error: WHAT", and the
 * parse fails (P_ERROR); the caller decides whether the shell survives (interactive) or exits 2.
 * Nothing here executes anything.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsh.h"

enum tok_kind {
    T_WORD,
    T_NEWLINE,
    T_EOF,
    T_SEMI,    /* ; */
    T_AMP,     /* & */
    T_PIPE,    /* | */
    T_AND,     /* && */
    T_OR,      /* || */
    T_DSEMI,   /* ;; */
    T_SEMIAMP, /* ;& */
    T_LPAREN,
    T_RPAREN,
    T_REDIR,
};

struct tok {
    enum tok_kind kind;
    char *text; /* T_WORD */
    int quoted; /* the word had quoting: not a reserved word or an alias */
    size_t pos; /* where it starts */
    enum redir_kind rkind;
    int rfd;   /* T_REDIR: the fd (-1: default) */
    int strip; /* <<- */
};

struct pending_heredoc {
    struct pending_heredoc *next;
    struct redir *r;
    char *delim;
    int strip;
};

struct parser {
    struct vsh *sh;
    struct src *s;
    struct arena *a;
    struct tok peek;
    int have_peek;
    int err;
    struct pending_heredoc *heredocs;
    const char *alias_name; /* the alias being expanded: not again inside its own text */
    size_t alias_end;
    int depth;
};

void src_init_string(struct src *s, const char *text)
{
    memset(s, 0, sizeof *s);
    s->len = strlen(text);
    s->cap = s->len + 1;
    s->buf = vsh_strndup(text, s->len);
    s->line = 1;
    s->fd = -1;
}

static int cur(struct parser *p)
{
    struct src *s = p->s;
    while (s->pos >= s->len) {
        if (s->eof || !s->more || s->more(p->sh, s) < 0) {
            s->eof = 1;
            return -1;
        }
    }
    return (unsigned char)s->buf[s->pos];
}

static int peekc(struct parser *p, size_t off)
{
    struct src *s = p->s;
    while (s->pos + off >= s->len) {
        if (s->eof || !s->more || s->more(p->sh, s) < 0) {
            s->eof = 1;
            return -1;
        }
    }
    return (unsigned char)s->buf[s->pos + off];
}

static void position(struct parser *p, size_t pos, int *line, int *col)
{
    int l = p->s->line, c = 1;
    for (size_t i = 0; i < pos && i < p->s->len; i++) {
        if (p->s->buf[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void syntax_error(struct parser *p, size_t pos, const char *what)
{
    if (p->err)
        return;
    p->err = 1;
    int line, col;
    position(p, pos, &line, &col);
    char buf[300];
    int n = snprintf(buf, sizeof buf, "vsh: %d:%d: syntax error: %s\n", line, col, what);
    if (n > (int)sizeof buf)
        n = sizeof buf;
    write(2, buf, (size_t)n);
}

/* ---- the lexer ---- */

static int is_meta(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
           c == ')' || c == '<' || c == '>' || c < 0;
}

static void scan_dquote(struct parser *p, struct sbuf *b);
static void scan_dollar(struct parser *p, struct sbuf *b);

/* copies one backslash escape (or drops a line continuation) */
static void scan_backslash(struct parser *p, struct sbuf *b)
{
    p->s->pos++;
    int c = cur(p);
    if (c == '\n') {
        p->s->pos++;
        return;
    }
    sb_putc(b, '\\');
    if (c >= 0) {
        sb_putc(b, (char)c);
        p->s->pos++;
    }
}

static void scan_squote(struct parser *p, struct sbuf *b)
{
    size_t start = p->s->pos;
    sb_putc(b, '\'');
    p->s->pos++;
    for (;;) {
        int c = cur(p);
        if (c < 0) {
            syntax_error(p, start, "unterminated quoted string");
            return;
        }
        sb_putc(b, (char)c);
        p->s->pos++;
        if (c == '\'')
            return;
    }
}

static void scan_backquote(struct parser *p, struct sbuf *b)
{
    size_t start = p->s->pos;
    sb_putc(b, '`');
    p->s->pos++;
    for (;;) {
        int c = cur(p);
        if (c < 0) {
            syntax_error(p, start, "unterminated `...`");
            return;
        }
        if (c == '\\') {
            sb_putc(b, '\\');
            p->s->pos++;
            c = cur(p);
            if (c >= 0) {
                sb_putc(b, (char)c);
                p->s->pos++;
            }
            continue;
        }
        sb_putc(b, (char)c);
        p->s->pos++;
        if (c == '`')
            return;
    }
}

/* $( ... ) or $(( ... )): up to the matching parenthesis, quotes respected */
static void scan_parens(struct parser *p, struct sbuf *b, size_t start)
{
    int depth = 1, cases = 0;
    for (;;) {
        int c = cur(p);
        /* case ... esac inside: its patterns' ')' do not close anything */
        char prev = b->len ? b->s[b->len - 1] : ' ';
        if ((c == 'c' || c == 'e') && strchr(" \t\n;&|(", prev)) {
            char w[6] = {0};
            for (int k = 0; k < 5; k++) {
                int d = peekc(p, (size_t)k);
                w[k] = d < 0 ? 0 : (char)d;
            }
            if (!strncmp(w, "case", 4) && w[4] && strchr(" \t\n", w[4]))
                cases++;
            else if (!strncmp(w, "esac", 4) && (!w[4] || strchr(" \t\n;)", w[4])))
                cases--;
        }
        if (c < 0) {
            syntax_error(p, start, "unterminated $(...)");
            return;
        }
        if (p->err)
            return;
        switch (c) {
        case '\'':
            scan_squote(p, b);
            continue;
        case '"':
            scan_dquote(p, b);
            continue;
        case '`':
            scan_backquote(p, b);
            continue;
        case '\\':
            scan_backslash(p, b);
            continue;
        case '$':
            scan_dollar(p, b);
            continue;
        case '#': {
            /* a comment inside $( ): only at a word start */
            if (prev == ' ' || prev == '\t' || prev == '\n' || prev == ';' || prev == '(') {
                while ((c = cur(p)) >= 0 && c != '\n') {
                    sb_putc(b, (char)c);
                    p->s->pos++;
                }
                continue;
            }
            break;
        }
        case '(':
            depth++;
            break;
        case ')':
            if (cases <= 0)
                depth--;
            break;
        }
        sb_putc(b, (char)c);
        p->s->pos++;
        if (!depth)
            return;
    }
}

static void scan_dollar(struct parser *p, struct sbuf *b)
{
    size_t start = p->s->pos;
    if (stack_exhausted(p->sh, 16u << 10)) {
        syntax_error(p, start, "nested too deeply");
        return;
    }
    sb_putc(b, '$');
    p->s->pos++;
    int c = cur(p);
    if (c == '(') {
        sb_putc(b, '(');
        p->s->pos++;
        scan_parens(p, b, start);
    } else if (c == '{') {
        sb_putc(b, '{');
        p->s->pos++;
        for (;;) {
            c = cur(p);
            if (c < 0 || p->err) {
                syntax_error(p, start, "unterminated ${...}");
                return;
            }
            if (c == '}') {
                sb_putc(b, '}');
                p->s->pos++;
                return;
            }
            if (c == '\'')
                scan_squote(p, b);
            else if (c == '"')
                scan_dquote(p, b);
            else if (c == '`')
                scan_backquote(p, b);
            else if (c == '\\')
                scan_backslash(p, b);
            else if (c == '$')
                scan_dollar(p, b);
            else {
                sb_putc(b, (char)c);
                p->s->pos++;
            }
        }
    }
}

static void scan_dquote(struct parser *p, struct sbuf *b)
{
    size_t start = p->s->pos;
    sb_putc(b, '"');
    p->s->pos++;
    for (;;) {
        int c = cur(p);
        if (c < 0 || p->err) {
            syntax_error(p, start, "unterminated quoted string");
            return;
        }
        if (c == '"') {
            sb_putc(b, '"');
            p->s->pos++;
            return;
        }
        if (c == '\\')
            scan_backslash(p, b);
        else if (c == '$')
            scan_dollar(p, b);
        else if (c == '`')
            scan_backquote(p, b);
        else {
            sb_putc(b, (char)c);
            p->s->pos++;
        }
    }
}

static void read_heredocs(struct parser *p);

static void lex(struct parser *p, struct tok *t)
{
    memset(t, 0, sizeof *t);
    int c;
again:
    while ((c = cur(p)) == ' ' || c == '\t')
        p->s->pos++;
    if (c == '\\' && peekc(p, 1) == '\n') {
        p->s->pos += 2;
        goto again;
    }
    if (c == '#') {
        while ((c = cur(p)) >= 0 && c != '\n')
            p->s->pos++;
    }
    t->pos = p->s->pos;
    if (c < 0) {
        t->kind = T_EOF;
        return;
    }
    size_t pos = p->s->pos;
    if (c == '\n') {
        /* never look past a newline: that would ask a terminal for the next line */
        p->s->pos++;
        t->kind = T_NEWLINE;
        read_heredocs(p);
        return;
    }
    int c1 = strchr(";&|<>", c) ? peekc(p, 1) : 0;
    switch (c) {
    case ';':
        p->s->pos += c1 == ';' || c1 == '&' ? 2 : 1;
        t->kind = c1 == ';' ? T_DSEMI : c1 == '&' ? T_SEMIAMP : T_SEMI;
        return;
    case '&':
        p->s->pos += c1 == '&' ? 2 : 1;
        t->kind = c1 == '&' ? T_AND : T_AMP;
        return;
    case '|':
        p->s->pos += c1 == '|' ? 2 : 1;
        t->kind = c1 == '|' ? T_OR : T_PIPE;
        return;
    case '(':
        p->s->pos++;
        t->kind = T_LPAREN;
        return;
    case ')':
        p->s->pos++;
        t->kind = T_RPAREN;
        return;
    }
    /* an IO number: digits right before < or > */
    int fd = -1;
    if (isdigit(c)) {
        size_t i = 0;
        int v = 0;
        int d;
        while ((d = peekc(p, i)) >= 0 && isdigit(d) && i < 4) {
            v = v * 10 + (d - '0');
            i++;
        }
        if (d == '<' || d == '>') {
            fd = v;
            p->s->pos += i;
            c = d;
            c1 = peekc(p, 1);
        }
    }
    if (c == '<' || c == '>') {
        t->kind = T_REDIR;
        t->rfd = fd;
        p->s->pos++;
        if (c == '<') {
            if (c1 == '<') {
                p->s->pos++;
                t->rkind = R_HEREDOC;
                if (cur(p) == '-') {
                    p->s->pos++;
                    t->strip = 1;
                }
            } else if (c1 == '&') {
                p->s->pos++;
                t->rkind = R_DUPIN;
            } else if (c1 == '>') {
                p->s->pos++;
                t->rkind = R_RDWR;
            } else {
                t->rkind = R_IN;
            }
        } else {
            if (c1 == '>') {
                p->s->pos++;
                t->rkind = R_APPEND;
            } else if (c1 == '&') {
                p->s->pos++;
                t->rkind = R_DUPOUT;
            } else if (c1 == '|') {
                p->s->pos++;
                t->rkind = R_CLOBBER;
            } else {
                t->rkind = R_OUT;
            }
        }
        return;
    }
    /* a word */
    struct sbuf b = {0};
    t->kind = T_WORD;
    while (!p->err) {
        c = cur(p);
        if (is_meta(c))
            break;
        if (c == '\\') {
            if (peekc(p, 1) != '\n')
                t->quoted = 1;
            scan_backslash(p, &b);
        } else if (c == '\'') {
            t->quoted = 1;
            scan_squote(p, &b);
        } else if (c == '"') {
            t->quoted = 1;
            scan_dquote(p, &b);
        } else if (c == '`') {
            scan_backquote(p, &b);
        } else if (c == '$') {
            scan_dollar(p, &b);
        } else {
            sb_putc(&b, (char)c);
            p->s->pos++;
        }
    }
    (void)pos;
    t->text = arena_strndup(p->a, b.s ? b.s : "", b.len);
    sb_free(&b);
}

static struct tok *peek(struct parser *p)
{
    if (!p->have_peek) {
        lex(p, &p->peek);
        p->have_peek = 1;
    }
    return &p->peek;
}

static struct tok next(struct parser *p)
{
    peek(p);
    p->have_peek = 0;
    return p->peek;
}

static int is_word(struct parser *p, const char *kw)
{
    struct tok *t = peek(p);
    return t->kind == T_WORD && !t->quoted && !strcmp(t->text, kw);
}

/* the words that end a compound list */
static int at_list_end(struct parser *p)
{
    struct tok *t = peek(p);
    if (t->kind == T_EOF || t->kind == T_RPAREN || t->kind == T_DSEMI || t->kind == T_SEMIAMP)
        return 1;
    if (t->kind != T_WORD || t->quoted)
        return 0;
    static const char *const ends[] = {"then", "else", "elif", "fi", "do", "done", "esac", "}"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if (!strcmp(t->text, ends[i]))
            return 1;
    return 0;
}

static void linebreak(struct parser *p)
{
    while (!p->err && peek(p)->kind == T_NEWLINE)
        next(p);
}

static void expect_word(struct parser *p, const char *kw)
{
    if (p->err)
        return;
    if (!is_word(p, kw)) {
        char msg[64];
        struct tok *t = peek(p);
        snprintf(msg, sizeof msg,
                 t->kind == T_EOF ? "expected \"%s\" at end of input" : "expected \"%s\"", kw);
        syntax_error(p, t->pos, msg);
        return;
    }
    next(p);
}

static void unexpected(struct parser *p, struct tok *t)
{
    static const char *const names[] = {
        [T_WORD] = "word",         [T_NEWLINE] = "newline", [T_EOF] = "end of file",
        [T_SEMI] = "\";\"",        [T_AMP] = "\"&\"",       [T_PIPE] = "\"|\"",
        [T_AND] = "\"&&\"",        [T_OR] = "\"||\"",       [T_DSEMI] = "\";;\"",
        [T_SEMIAMP] = "\";&\"",    [T_LPAREN] = "\"(\"",    [T_RPAREN] = "\")\"",
        [T_REDIR] = "redirection",
    };
    char msg[128];
    if (t->kind == T_WORD)
        snprintf(msg, sizeof msg, "unexpected \"%.60s\"", t->text);
    else
        snprintf(msg, sizeof msg, "unexpected %s", names[t->kind]);
    syntax_error(p, t->pos, msg);
}

static struct node *new_node(struct parser *p, enum node_kind k)
{
    struct node *n = arena_alloc(p->a, sizeof *n);
    n->kind = k;
    return n;
}

static struct node *parse_list(struct parser *p, int compound);
static struct node *parse_cmd(struct parser *p);

/* the delimiter's quote removal; *quoted says whether it had quotes */
static char *heredoc_delim(struct parser *p, const char *w, int *quoted)
{
    struct sbuf b = {0};
    *quoted = 0;
    for (const char *s = w; *s; s++) {
        if (*s == '\'' || *s == '"') {
            *quoted = 1;
            continue;
        }
        if (*s == '\\' && s[1]) {
            *quoted = 1;
            s++;
        }
        sb_putc(&b, *s);
    }
    char *r = arena_strndup(p->a, b.s ? b.s : "", b.len);
    sb_free(&b);
    return r;
}

static void read_heredocs(struct parser *p)
{
    struct pending_heredoc *h = p->heredocs;
    p->heredocs = NULL;
    /* the list was built by prepending: reverse it */
    struct pending_heredoc *rev = NULL;
    while (h) {
        struct pending_heredoc *n = h->next;
        h->next = rev;
        rev = h;
        h = n;
    }
    for (h = rev; h; h = h->next) {
        struct sbuf body = {0};
        for (;;) {
            /* one line */
            struct sbuf line = {0};
            int c;
            int got = 0;
            while ((c = cur(p)) >= 0) {
                got = 1;
                p->s->pos++;
                if (c == '\n')
                    break;
                sb_putc(&line, (char)c);
            }
            const char *l = line.s ? line.s : "";
            if (h->strip)
                while (*l == '\t')
                    l++;
            if (!strcmp(l, h->delim) || (!got && c < 0)) {
                sb_free(&line);
                break;
            }
            sb_puts(&body, l);
            sb_putc(&body, '\n');
            sb_free(&line);
            if (c < 0)
                break;
        }
        h->r->word = arena_strndup(p->a, body.s ? body.s : "", body.len);
        sb_free(&body);
    }
}

static struct redir *parse_redir(struct parser *p)
{
    struct tok t = next(p);
    struct redir *r = arena_alloc(p->a, sizeof *r);
    r->kind = t.rkind;
    r->fd = t.rfd >= 0 ? t.rfd
            : (t.rkind == R_IN || t.rkind == R_RDWR || t.rkind == R_DUPIN || t.rkind == R_HEREDOC)
                ? 0
                : 1;
    struct tok *w = peek(p);
    if (w->kind != T_WORD) {
        if (w->kind == T_EOF || w->kind == T_NEWLINE)
            syntax_error(p, w->pos, "redirection without a file name");
        else
            unexpected(p, w);
        return NULL;
    }
    struct tok wt = next(p);
    if (r->kind == R_HEREDOC) {
        struct pending_heredoc *h = arena_alloc(p->a, sizeof *h);
        int quoted;
        h->delim = heredoc_delim(p, wt.text, &quoted);
        h->r = r;
        h->strip = t.strip;
        r->heredoc_lit = quoted;
        r->word = "";
        h->next = p->heredocs;
        p->heredocs = h;
    } else {
        r->word = wt.text;
    }
    return r;
}

static void add_redir(struct node *n, struct redir *r)
{
    struct redir **pp = &n->redirs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = r;
}

static int is_assignment(const char *w)
{
    const char *eq = strchr(w, '=');
    return eq && valid_name(w, (size_t)(eq - w));
}

static struct word *new_word(struct parser *p, char *text)
{
    struct word *w = arena_alloc(p->a, sizeof *w);
    w->text = text;
    return w;
}

static const struct alias *alias_lookup(struct vsh *sh, const char *name)
{
    for (struct alias *a = sh->aliases; a; a = a->next)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

/* replaces the peeked word with the alias's text, in the source buffer */
static int try_alias(struct parser *p)
{
    struct tok *t = peek(p);
    if (t->kind != T_WORD || t->quoted || !p->sh->aliases)
        return 0;
    const struct alias *al = alias_lookup(p->sh, t->text);
    if (!al)
        return 0;
    if (p->alias_name && !strcmp(p->alias_name, al->name) && t->pos < p->alias_end)
        return 0;
    struct src *s = p->s;
    size_t start = t->pos, end = s->pos, vlen = strlen(al->value);
    size_t nlen = s->len - (end - start) + vlen;
    if (nlen + 1 > s->cap) {
        s->cap = nlen + 64;
        s->buf = vsh_realloc(s->buf, s->cap);
    }
    memmove(s->buf + start + vlen, s->buf + end, s->len - end);
    memcpy(s->buf + start, al->value, vlen);
    s->len = nlen;
    s->buf[nlen] = 0;
    s->pos = start;
    p->have_peek = 0;
    p->alias_name = al->name;
    p->alias_end = start + vlen;
    return 1;
}

static struct node *parse_simple(struct parser *p)
{
    struct node *n = new_node(p, N_CMD);
    struct word **at = &n->u.cmd.assigns, **ar = &n->u.cmd.args;
    int nargs = 0;
    for (int tries = 0; tries < 32 && try_alias(p); tries++)
        ;
    while (!p->err) {
        struct tok *t = peek(p);
        if (t->kind == T_REDIR) {
            struct redir *r = parse_redir(p);
            if (r)
                add_redir(n, r);
            continue;
        }
        if (t->kind != T_WORD)
            break;
        struct tok w = next(p);
        if (!nargs && is_assignment(w.text)) {
            *at = new_word(p, w.text);
            at = &(*at)->next;
            continue;
        }
        *ar = new_word(p, w.text);
        ar = &(*ar)->next;
        nargs++;
        if (nargs == 1 && peek(p)->kind == T_LPAREN) {
            unexpected(p, peek(p));
            return NULL;
        }
    }
    if (!n->u.cmd.assigns && !n->u.cmd.args && !n->redirs && !p->err) {
        unexpected(p, peek(p));
        return NULL;
    }
    return n;
}

static void parse_redirs_after(struct parser *p, struct node *n)
{
    while (!p->err && peek(p)->kind == T_REDIR) {
        struct redir *r = parse_redir(p);
        if (r)
            add_redir(n, r);
    }
}

static struct node *parse_if(struct parser *p)
{
    struct node *n = new_node(p, N_IF);
    next(p); /* if or elif */
    n->u.ifs.cond = parse_list(p, 1);
    expect_word(p, "then");
    n->u.ifs.then = parse_list(p, 1);
    if (p->err)
        return NULL;
    if (is_word(p, "elif")) {
        n->u.ifs.els = parse_if(p);
        return n;
    }
    if (is_word(p, "else")) {
        next(p);
        n->u.ifs.els = parse_list(p, 1);
    }
    expect_word(p, "fi");
    return n;
}

static struct node *parse_compound(struct parser *p)
{
    struct tok *t = peek(p);
    struct node *n = NULL;
    if (++p->depth > 500 || stack_exhausted(p->sh, 16u << 10)) {
        syntax_error(p, t->pos, "nested too deeply");
        return NULL;
    }
    if (t->kind == T_LPAREN) {
        next(p);
        n = new_node(p, N_SUBSHELL);
        n->u.body = parse_list(p, 1);
        if (!p->err && peek(p)->kind != T_RPAREN) {
            if (peek(p)->kind == T_EOF)
                syntax_error(p, peek(p)->pos, "expected \")\" at end of input");
            else
                unexpected(p, peek(p));
        }
        if (!p->err)
            next(p);
    } else if (is_word(p, "{")) {
        next(p);
        n = new_node(p, N_GROUP);
        n->u.body = parse_list(p, 1);
        expect_word(p, "}");
    } else if (is_word(p, "if")) {
        n = parse_if(p);
    } else if (is_word(p, "while") || is_word(p, "until")) {
        n = new_node(p, is_word(p, "while") ? N_WHILE : N_UNTIL);
        next(p);
        n->u.loop.cond = parse_list(p, 1);
        expect_word(p, "do");
        n->u.loop.body = parse_list(p, 1);
        expect_word(p, "done");
    } else if (is_word(p, "for")) {
        next(p);
        n = new_node(p, N_FOR);
        struct tok v = next(p);
        if (v.kind != T_WORD || !valid_name(v.text, strlen(v.text))) {
            syntax_error(p, v.pos, "bad for loop variable");
            return NULL;
        }
        n->u.fors.var = v.text;
        linebreak(p);
        if (is_word(p, "in")) {
            next(p);
            n->u.fors.has_in = 1;
            struct word **wp = &n->u.fors.words;
            while (!p->err && peek(p)->kind == T_WORD) {
                *wp = new_word(p, next(p).text);
                wp = &(*wp)->next;
            }
            if (peek(p)->kind == T_SEMI || peek(p)->kind == T_NEWLINE)
                next(p);
            else if (!p->err) {
                unexpected(p, peek(p));
                return NULL;
            }
        } else if (peek(p)->kind == T_SEMI) {
            next(p);
        }
        linebreak(p);
        expect_word(p, "do");
        n->u.fors.body = parse_list(p, 1);
        expect_word(p, "done");
    } else if (is_word(p, "case")) {
        next(p);
        n = new_node(p, N_CASE);
        struct tok w = next(p);
        if (w.kind != T_WORD) {
            unexpected(p, &w);
            return NULL;
        }
        n->u.cases.subject = new_word(p, w.text);
        linebreak(p);
        expect_word(p, "in");
        linebreak(p);
        struct case_item **ip = &n->u.cases.items;
        while (!p->err && !is_word(p, "esac")) {
            struct case_item *it = arena_alloc(p->a, sizeof *it);
            if (peek(p)->kind == T_LPAREN)
                next(p);
            struct word **wp = &it->patterns;
            for (;;) {
                struct tok pt = next(p);
                if (pt.kind != T_WORD) {
                    unexpected(p, &pt);
                    return NULL;
                }
                *wp = new_word(p, pt.text);
                wp = &(*wp)->next;
                if (peek(p)->kind == T_PIPE) {
                    next(p);
                    continue;
                }
                break;
            }
            if (peek(p)->kind != T_RPAREN) {
                unexpected(p, peek(p));
                return NULL;
            }
            next(p);
            linebreak(p);
            if (!at_list_end(p))
                it->body = parse_list(p, 1);
            if (p->err)
                return NULL;
            *ip = it;
            ip = &it->next;
            if (peek(p)->kind == T_DSEMI || peek(p)->kind == T_SEMIAMP) {
                it->fallthrough = next(p).kind == T_SEMIAMP;
                linebreak(p);
                continue;
            }
            if (!is_word(p, "esac")) {
                if (peek(p)->kind == T_EOF)
                    syntax_error(p, peek(p)->pos, "expected \"esac\" at end of input");
                else
                    unexpected(p, peek(p));
                return NULL;
            }
        }
        expect_word(p, "esac");
    }
    p->depth--;
    if (p->err || !n)
        return NULL;
    parse_redirs_after(p, n);
    return n;
}

static int is_compound_start(struct parser *p)
{
    struct tok *t = peek(p);
    if (t->kind == T_LPAREN)
        return 1;
    return is_word(p, "{") || is_word(p, "if") || is_word(p, "while") || is_word(p, "until") ||
           is_word(p, "for") || is_word(p, "case");
}

static struct node *parse_cmd_inner(struct parser *p);

/* The source text in [start, end) without trailing blanks; NULL when empty. */
static char *source_text(struct parser *p, size_t start, size_t end)
{
    if (end > p->s->len)
        end = p->s->len;
    while (end > start && strchr(" \t\n", p->s->buf[end - 1]))
        end--;
    return end > start ? arena_strndup(p->a, p->s->buf + start, end - start) : NULL;
}

/* a command and its source text (a pipeline element may run in a child vsh from it) */
static struct node *parse_cmd(struct parser *p)
{
    size_t start = peek(p)->pos;
    struct node *n = parse_cmd_inner(p);
    if (!n || p->err)
        return n;
    n->text = source_text(p, start, p->have_peek ? p->peek.pos : p->s->pos);
    return n;
}

static struct node *parse_cmd_inner(struct parser *p)
{
    struct tok *t = peek(p);
    if (is_compound_start(p))
        return parse_compound(p);
    if (t->kind == T_WORD && !t->quoted && at_list_end(p)) {
        unexpected(p, t);
        return NULL;
    }
    if (t->kind == T_WORD && !t->quoted && valid_name(t->text, strlen(t->text))) {
        /* NAME ( ) compound-command */
        struct src *s = p->s;
        size_t save = s->pos;
        int c;
        while ((c = cur(p)) == ' ' || c == '\t')
            s->pos++;
        if (c == '(') {
            struct tok name = next(p); /* consumes the name; the lexer is at '(' */
            s->pos++;
            while ((c = cur(p)) == ' ' || c == '\t')
                s->pos++;
            if (c != ')') {
                syntax_error(p, s->pos, "expected \")\" after \"(\" in a function definition");
                return NULL;
            }
            s->pos++;
            linebreak(p);
            size_t start = peek(p)->pos;
            struct node *body = parse_cmd(p);
            if (!body)
                return NULL;
            size_t end = p->have_peek ? p->peek.pos : s->pos;
            /* trailing blanks and a peeked newline are not part of the body */
            while (end > start &&
                   (s->buf[end - 1] == ' ' || s->buf[end - 1] == '\t' || s->buf[end - 1] == '\n'))
                end--;
            struct node *n = new_node(p, N_FUNC);
            n->u.func.name = name.text;
            n->u.func.text = arena_strndup(p->a, s->buf + start, end - start);
            return n;
        }
        s->pos = save;
    }
    return parse_simple(p);
}

static struct node *parse_pipeline(struct parser *p)
{
    int bang = 0;
    while (is_word(p, "!")) {
        next(p);
        bang = !bang;
    }
    struct node *first = parse_cmd(p);
    if (!first)
        return NULL;
    struct node *n = first;
    if (peek(p)->kind == T_PIPE) {
        n = new_node(p, N_PIPE);
        int cap = 4;
        n->u.pipe.elems = arena_alloc(p->a, cap * sizeof(struct node *));
        n->u.pipe.elems[n->u.pipe.n++] = first;
        while (!p->err && peek(p)->kind == T_PIPE) {
            next(p);
            linebreak(p);
            struct node *e = parse_cmd(p);
            if (!e)
                return NULL;
            if (n->u.pipe.n == cap) {
                struct node **ne = arena_alloc(p->a, cap * 2 * sizeof *ne);
                memcpy(ne, n->u.pipe.elems, cap * sizeof *ne);
                n->u.pipe.elems = ne;
                cap *= 2;
            }
            n->u.pipe.elems[n->u.pipe.n++] = e;
        }
    }
    if (bang) {
        struct node *b = new_node(p, N_NOT);
        b->u.bin.a = n;
        n = b;
    }
    return n;
}

static struct node *parse_andor(struct parser *p)
{
    struct node *n = parse_pipeline(p);
    while (n && !p->err && (peek(p)->kind == T_AND || peek(p)->kind == T_OR)) {
        struct node *b = new_node(p, next(p).kind == T_AND ? N_AND : N_OR);
        linebreak(p);
        b->u.bin.a = n;
        b->u.bin.b = parse_pipeline(p);
        if (!b->u.bin.b)
            return NULL;
        n = b;
    }
    return n;
}

static struct node *seq(struct parser *p, struct node *a, struct node *b)
{
    if (!a)
        return b;
    struct node *n = new_node(p, N_SEQ);
    n->u.bin.a = a;
    n->u.bin.b = b;
    return n;
}

/* compound: a compound list (newlines separate, ends at a closing word); else one line */
static struct node *parse_list(struct parser *p, int compound)
{
    struct node *list = NULL;
    if (compound)
        linebreak(p);
    while (!p->err) {
        if (compound && at_list_end(p))
            break;
        if (!compound && (peek(p)->kind == T_NEWLINE || peek(p)->kind == T_EOF))
            break;
        int line, col;
        size_t start = peek(p)->pos;
        position(p, start, &line, &col);
        struct node *n = parse_andor(p);
        if (!n || p->err)
            return NULL;
        n->line = line;
        struct tok *t = peek(p);
        if (t->kind == T_AMP) {
            if (!n->text) /* a pipeline or and-or list: its text, for a child vsh to run */
                n->text = source_text(p, start, t->pos);
            next(p);
            struct node *b = new_node(p, N_BG);
            b->u.bin.a = n;
            n = b;
        } else if (t->kind == T_SEMI) {
            next(p);
        } else if (t->kind == T_NEWLINE) {
            if (!compound) {
                list = seq(p, list, n);
                break;
            }
            next(p);
        } else if (t->kind != T_EOF && !(compound && at_list_end(p))) {
            unexpected(p, t);
            return NULL;
        }
        list = seq(p, list, n);
        if (compound)
            linebreak(p);
    }
    if (compound && !list && !p->err) {
        struct tok *t = peek(p);
        if (t->kind == T_EOF)
            syntax_error(p, t->pos, "unexpected end of file");
        else
            unexpected(p, t);
        return NULL;
    }
    return list;
}

static void skip_line(struct parser *p)
{
    struct src *s = p->s;
    p->have_peek = 0;
    while (s->pos < s->len && s->buf[s->pos] != '\n')
        s->pos++;
    if (s->pos < s->len)
        s->pos++;
    p->heredocs = NULL;
}

enum parse_status parse_command(struct vsh *sh, struct src *s, struct arena *a, struct node **out)
{
    struct parser p = {.sh = sh, .s = s, .a = a};
    *out = NULL;
    struct tok *t = peek(&p);
    if (t->kind == T_EOF && !p.err)
        return P_EOF;
    if (t->kind == T_NEWLINE) {
        next(&p);
        return P_EMPTY;
    }
    struct node *n = parse_list(&p, 0);
    if (!p.err) {
        t = peek(&p);
        if (t->kind == T_NEWLINE || t->kind == T_EOF)
            next(&p);
        else
            unexpected(&p, t);
    }
    if (p.err) {
        skip_line(&p);
        return P_ERROR;
    }
    /* the peeked token is consumed; the source position is right after it */
    *out = n;
    return n ? P_OK : P_EMPTY;
}

struct node *parse_string(struct vsh *sh, const char *text, struct arena *a, int *err)
{
    struct src s;
    src_init_string(&s, text);
    struct parser p = {.sh = sh, .s = &s, .a = a};
    struct node *list = NULL;
    *err = 0;
    for (;;) {
        linebreak(&p);
        if (p.err || peek(&p)->kind == T_EOF)
            break;
        struct node *n = parse_list(&p, 0);
        if (p.err)
            break;
        list = seq(&p, list, n);
        struct tok *t = peek(&p);
        if (t->kind == T_NEWLINE)
            next(&p);
        else if (t->kind != T_EOF) {
            unexpected(&p, t);
            break;
        }
    }
    free(s.buf);
    if (p.err) {
        *err = 1;
        return NULL;
    }
    return list;
}
