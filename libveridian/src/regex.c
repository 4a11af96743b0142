/*
 * regex: POSIX regcomp/regexec/regerror/regfree, basic and extended syntax.
 *
 * regcomp parses the pattern into a small tree (nodes in one array: concatenations and
 * alternations are sibling lists, so only nesting recurses, bounded by VR_RE_DEPTH_MAX) and
 * compiles it into a Thompson NFA program: CHAR/ANY/CLASS consume a byte, SPLIT/JMP choose,
 * SAVE records a subexpression boundary, ASSERT tests a position (^ $ \b \< ...). Counted
 * repetition x{m,n} is emitted as copies of x; the program is capped at VR_RE_PROG_MAX
 * instructions (REG_ESPACE beyond).
 *
 * regexec simulates the NFA with one thread per program counter (Pike VM): each text
 * position costs at most one visit per instruction, so matching is O(pattern x text) with
 * memory O(pattern x subexpressions), whatever the pattern ((a*)*b included). The match is
 * the leftmost-longest one (POSIX); among threads with the same start, the first in
 * priority order (greedy, left alternative first) keeps a state, which gives glibc's
 * subexpressions on every case of tests/unit/regex but one: an iteration of a starred group
 * that matches empty ((a*)* on "b") leaves the group unset where glibc reports (0,0).
 *
 * Back-references (\1..\9, to a group completed earlier on the same path) make a program
 * the Pike VM cannot run; those run on a backtracker (bt_run below) with a step cap.
 *
 * Never: recursion on the text, unbounded memory or time, or reading past len.
 */
#include "regex_engine.h"

#include "core.h"

/* ---- the tree ---- */

enum {
    N_EMPTY,
    N_CHAR,    /* val: the byte (folded under REG_ICASE) */
    N_ANY,     /* . */
    N_CLASS,   /* val: class index */
    N_ASSERT,  /* val: A_* */
    N_GROUP,   /* val: subexpression number, a: child */
    N_CAT,     /* a: first child, children linked by next */
    N_ALT,     /* a: first alternative, linked by next */
    N_REP,     /* a: child, min, max (-1: no bound) */
    N_BACKREF, /* val: the subexpression \N refers to */
};
enum { A_BOL, A_EOL, A_WORDB, A_NWORDB, A_WBEG, A_WEND, A_BUFBEG, A_BUFEND };

struct re_node {
    int type, val, a, next, min, max;
};

/* ---- the program ---- */

enum { I_CHAR, I_ANY, I_ANYNL, I_CLASS, I_SPLIT, I_JMP, I_SAVE, I_ASSERT, I_MATCH, I_BACKREF };

struct re_inst {
    int op, x, y;
};

struct re_prog {
    int ninst, nclass, nsave, nthread; /* nthread: consuming instructions + MATCH */
    int cflags;
    int backrefs; /* the program has I_BACKREF: matched by the bounded backtracker */
    struct re_inst *inst;
    unsigned char (*cls)[32];
};

struct re_parser {
    const char *p;
    int ere, cflags, err, depth, ngroups, backrefs;
    unsigned closed; /* bit N: group N (1..31) is complete where the parser is (for \N) */
    struct re_node *nodes;
    int nnodes, capnodes;
    unsigned char (*cls)[32];
    int ncls, capcls;
    struct re_inst *inst;
    int ninst, capinst;
    const struct vr_regex_alloc *a;
};

static void *grow(struct re_parser *ps, void *old, int *cap, int used, size_t elem, int limit)
{
    int ncap = *cap ? *cap * 2 : 16;
    if (ncap > limit)
        ncap = limit;
    if (used >= ncap) {
        ps->err = VR_REG_ESPACE;
        return NULL;
    }
    void *n = ps->a->alloc((size_t)ncap * elem);
    if (!n) {
        ps->err = VR_REG_ESPACE;
        return NULL;
    }
    if (old) {
        vr_memcpy(n, old, (size_t)used * elem);
        ps->a->free(old);
    }
    *cap = ncap;
    return n;
}

static int new_node(struct re_parser *ps, int type, int val)
{
    if (ps->err)
        return -1;
    if (ps->nnodes == ps->capnodes) {
        void *n = grow(ps, ps->nodes, &ps->capnodes, ps->nnodes, sizeof *ps->nodes, VR_RE_PROG_MAX);
        if (!n)
            return -1;
        ps->nodes = n;
    }
    struct re_node *nd = &ps->nodes[ps->nnodes];
    nd->type = type;
    nd->val = val;
    nd->a = nd->next = -1;
    nd->min = nd->max = 0;
    return ps->nnodes++;
}

static int fail(struct re_parser *ps, int err)
{
    if (!ps->err)
        ps->err = err;
    return -1;
}

static int fold(int c)
{
    return vr_tolower(c);
}

static int is_word(int c)
{
    return c == '_' || vr_isalnum(c);
}

static int new_class(struct re_parser *ps)
{
    if (ps->err)
        return -1;
    if (ps->ncls == ps->capcls) {
        void *n = grow(ps, ps->cls, &ps->capcls, ps->ncls, sizeof *ps->cls, VR_RE_PROG_MAX);
        if (!n)
            return -1;
        ps->cls = n;
    }
    vr_memset(ps->cls[ps->ncls], 0, 32);
    return ps->ncls++;
}

static void cls_set(unsigned char *bits, int c)
{
    bits[(unsigned char)c >> 3] |= (unsigned char)(1u << (c & 7));
}

static int cls_has(const unsigned char *bits, int c)
{
    return bits[(unsigned char)c >> 3] & (1u << (c & 7));
}

static const struct {
    const char *name;
    int (*fn)(int);
} class_names[] = {
    {"alnum", vr_isalnum}, {"alpha", vr_isalpha}, {"blank", vr_isblank}, {"cntrl", vr_iscntrl},
    {"digit", vr_isdigit}, {"graph", vr_isgraph}, {"lower", vr_islower}, {"print", vr_isprint},
    {"punct", vr_ispunct}, {"space", vr_isspace}, {"upper", vr_isupper}, {"xdigit", vr_isxdigit},
};

static int named_class(const char *name, size_t len)
{
    for (int i = 0; i < (int)(sizeof class_names / sizeof class_names[0]); i++)
        if (vr_strlen(class_names[i].name) == len && !vr_memcmp(class_names[i].name, name, len))
            return i;
    return -1;
}

/* The finished bitmap: case folding, negation, REG_NEWLINE's rule for negated lists. */
static int finish_class(struct re_parser *ps, int idx, int negate)
{
    unsigned char *bits = ps->cls[idx];
    if (ps->cflags & VR_REG_ICASE)
        for (int c = 0; c < 256; c++)
            if (cls_has(bits, c)) {
                cls_set(bits, vr_tolower(c));
                cls_set(bits, vr_toupper(c));
            }
    if (negate) {
        for (int i = 0; i < 32; i++)
            bits[i] = (unsigned char)~bits[i];
        if (ps->cflags & VR_REG_NEWLINE)
            bits['\n' >> 3] &= (unsigned char)~(1u << ('\n' & 7));
    }
    return new_node(ps, N_CLASS, idx);
}

/* One end of a range or a single element: a byte, or [.x.] / [=x=]. -1 on error. */
static int bracket_elem(struct re_parser *ps)
{
    const char *p = ps->p;
    if (p[0] == '[' && (p[1] == '.' || p[1] == '=')) {
        char kind = p[1];
        const char *q = p + 2;
        if (!*q)
            return fail(ps, VR_REG_EBRACK);
        int c = (unsigned char)*q++;
        if (q[0] != kind || q[1] != ']') {
            /* multi-character collating elements do not exist in the C locale */
            while (*q && !(q[0] == kind && q[1] == ']'))
                q++;
            return fail(ps, *q ? VR_REG_ECOLLATE : VR_REG_EBRACK);
        }
        ps->p = q + 2;
        return c;
    }
    if (!*p)
        return fail(ps, VR_REG_EBRACK);
    ps->p = p + 1;
    return (unsigned char)*p;
}

static int parse_bracket(struct re_parser *ps)
{
    int idx = new_class(ps);
    if (idx < 0)
        return -1;
    int negate = 0;
    if (*ps->p == '^') {
        negate = 1;
        ps->p++;
    }
    int first = 1;
    for (;;) {
        const char *p = ps->p;
        if (!*p)
            return fail(ps, VR_REG_EBRACK);
        if (*p == ']' && !first) {
            ps->p++;
            break;
        }
        first = 0;
        if (p[0] == '[' && p[1] == ':') {
            const char *q = p + 2;
            while (*q && !(q[0] == ':' && q[1] == ']'))
                q++;
            if (!*q)
                return fail(ps, VR_REG_EBRACK);
            int k = named_class(p + 2, (size_t)(q - p - 2));
            if (k < 0)
                return fail(ps, VR_REG_ECTYPE);
            for (int c = 0; c < 256; c++)
                if (class_names[k].fn(c))
                    cls_set(ps->cls[idx], c);
            ps->p = q + 2;
            continue;
        }
        int lo = bracket_elem(ps);
        if (lo < 0)
            return -1;
        if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
            ps->p++;
            if (ps->p[0] == '[' && ps->p[1] == ':')
                return fail(ps, VR_REG_ERANGE);
            int hi = bracket_elem(ps);
            if (hi < 0)
                return -1;
            if (hi < lo)
                return fail(ps, VR_REG_ERANGE);
            for (int c = lo; c <= hi; c++)
                cls_set(ps->cls[idx], c);
        } else {
            cls_set(ps->cls[idx], lo);
        }
    }
    return finish_class(ps, idx, negate);
}

/* \w \W \s \S */
static int escape_class(struct re_parser *ps, int c)
{
    int idx = new_class(ps);
    if (idx < 0)
        return -1;
    for (int b = 0; b < 256; b++)
        if ((c == 'w' || c == 'W') ? is_word(b) : vr_isspace(b))
            cls_set(ps->cls[idx], b);
    return finish_class(ps, idx, c == 'W' || c == 'S');
}

static int parse_alt(struct re_parser *ps);

static int at_alt(const struct re_parser *ps)
{
    return ps->ere ? ps->p[0] == '|' : (ps->p[0] == '\\' && ps->p[1] == '|');
}

static int at_close(const struct re_parser *ps)
{
    if (ps->ere)
        return ps->p[0] == ')' && ps->depth > 0;
    return ps->p[0] == '\\' && ps->p[1] == ')';
}

static int parse_group(struct re_parser *ps)
{
    if (++ps->depth > VR_RE_DEPTH_MAX)
        return fail(ps, VR_REG_ESPACE);
    int num = ++ps->ngroups;
    int child = parse_alt(ps);
    if (child < 0)
        return -1;
    if (!at_close(ps))
        return fail(ps, VR_REG_EPAREN);
    ps->p += ps->ere ? 1 : 2;
    ps->depth--;
    if (num < 32)
        ps->closed |= 1u << num;
    int g = new_node(ps, N_GROUP, num);
    if (g >= 0)
        ps->nodes[g].a = child;
    return g;
}

static int char_node(struct re_parser *ps, int c)
{
    return new_node(ps, N_CHAR, (ps->cflags & VR_REG_ICASE) ? fold(c) : c);
}

/* An atom; first: at the start of an expression (where a BRE ^ is an anchor). */
static int parse_atom(struct re_parser *ps, int first)
{
    const char *p = ps->p;
    int c = (unsigned char)*p;
    if (ps->ere) {
        switch (c) {
        case '(':
            ps->p++;
            return parse_group(ps);
        case '*':
        case '+':
        case '?':
            return fail(ps, VR_REG_BADRPT);
        case '{':
            if (vr_isdigit((unsigned char)p[1]))
                return fail(ps, VR_REG_BADRPT);
            break;
        case '^':
            ps->p++;
            return new_node(ps, N_ASSERT, A_BOL);
        case '$':
            ps->p++;
            return new_node(ps, N_ASSERT, A_EOL);
        default:
            break;
        }
    } else {
        if (c == '^' && first) {
            ps->p++;
            return new_node(ps, N_ASSERT, A_BOL);
        }
        if (c == '$') {
            const char *q = p + 1;
            if (!*q || (q[0] == '\\' && (q[1] == ')' || q[1] == '|'))) {
                ps->p++;
                return new_node(ps, N_ASSERT, A_EOL);
            }
        }
        if (c == '\\' && p[1] == '(') {
            ps->p += 2;
            return parse_group(ps);
        }
        if (c == '\\' && p[1] == '{' && !first)
            return fail(ps, VR_REG_BADRPT);
    }
    if (c == '.') {
        ps->p++;
        return new_node(ps, N_ANY, 0);
    }
    if (c == '[') {
        ps->p++;
        return parse_bracket(ps);
    }
    if (c == '\\') {
        int e = (unsigned char)p[1];
        if (!e)
            return fail(ps, VR_REG_EESCAPE);
        ps->p += 2;
        switch (e) {
        case '1' ... '9':
            /* a back-reference to a group completed before it on the same path (not in
             * another alternative, not one still open), as glibc requires */
            if (!(ps->closed & (1u << (e - '0'))))
                return fail(ps, VR_REG_ESUBREG);
            ps->backrefs = 1;
            return new_node(ps, N_BACKREF, e - '0');
        case 'w':
        case 'W':
        case 's':
        case 'S':
            return escape_class(ps, e);
        case 'b':
            return new_node(ps, N_ASSERT, A_WORDB);
        case 'B':
            return new_node(ps, N_ASSERT, A_NWORDB);
        case '<':
            return new_node(ps, N_ASSERT, A_WBEG);
        case '>':
            return new_node(ps, N_ASSERT, A_WEND);
        case '`':
            return new_node(ps, N_ASSERT, A_BUFBEG);
        case '\'':
            return new_node(ps, N_ASSERT, A_BUFEND);
        default:
            return char_node(ps, e);
        }
    }
    ps->p++;
    return char_node(ps, c);
}

/* {m}, {m,}, {m,n}: p after the brace; -1 on error. */
static int parse_interval(struct re_parser *ps, int *min, int *max)
{
    const char *p = ps->p;
    if (!vr_isdigit((unsigned char)*p) && *p != ',')
        return fail(ps, ps->ere || !*p ? VR_REG_EBRACE : VR_REG_BADBR);
    long lo = 0, hi;
    while (vr_isdigit((unsigned char)*p)) {
        lo = lo * 10 + (*p++ - '0');
        if (lo > VR_RE_DUP_MAX + 1)
            lo = VR_RE_DUP_MAX + 1;
    }
    hi = lo;
    if (*p == ',') {
        p++;
        if (vr_isdigit((unsigned char)*p)) {
            hi = 0;
            while (vr_isdigit((unsigned char)*p)) {
                hi = hi * 10 + (*p++ - '0');
                if (hi > VR_RE_DUP_MAX + 1)
                    hi = VR_RE_DUP_MAX + 1;
            }
        } else {
            hi = -1;
        }
    }
    if (ps->ere ? *p != '}' : (p[0] != '\\' || p[1] != '}'))
        return fail(ps, *p ? VR_REG_BADBR : VR_REG_EBRACE);
    if (lo > VR_RE_DUP_MAX || hi > VR_RE_DUP_MAX || (hi >= 0 && hi < lo))
        return fail(ps, VR_REG_BADBR);
    ps->p = p + (ps->ere ? 1 : 2);
    *min = (int)lo;
    *max = (int)hi;
    return 0;
}

static int parse_repeat(struct re_parser *ps, int first)
{
    int atom;
    /* a BRE '*' at the start of an expression (or after \( \| or a leading ^) is literal */
    if (!ps->ere && first && ps->p[0] == '*') {
        ps->p++;
        atom = char_node(ps, '*');
    } else {
        atom = parse_atom(ps, first);
    }
    if (atom < 0)
        return -1;
    if (!ps->ere && first && ps->nodes[atom].type == N_ASSERT)
        return atom; /* ^* : the star is literal, the next atom's business */
    for (;;) {
        const char *p = ps->p;
        int min, max;
        if (p[0] == '*') {
            ps->p++;
            min = 0, max = -1;
        } else if (ps->ere && (p[0] == '+' || p[0] == '?')) {
            ps->p++;
            min = p[0] == '+', max = p[0] == '+' ? -1 : 1;
        } else if (!ps->ere && p[0] == '\\' && (p[1] == '+' || p[1] == '?')) {
            ps->p += 2;
            min = p[1] == '+', max = p[1] == '+' ? -1 : 1;
        } else if (ps->ere ? p[0] == '{' : (p[0] == '\\' && p[1] == '{')) {
            ps->p += ps->ere ? 1 : 2;
            if (parse_interval(ps, &min, &max))
                return -1;
        } else {
            return atom;
        }
        if (ps->nodes[atom].type == N_ASSERT && ps->ere)
            return fail(ps, VR_REG_BADRPT);
        int r = new_node(ps, N_REP, 0);
        if (r < 0)
            return -1;
        ps->nodes[r].a = atom;
        ps->nodes[r].min = min;
        ps->nodes[r].max = max;
        atom = r;
    }
}

static int parse_concat(struct re_parser *ps)
{
    int cat = new_node(ps, N_CAT, 0), last = -1, first = 1;
    if (cat < 0)
        return -1;
    while (*ps->p && !at_alt(ps) && !at_close(ps)) {
        if (!ps->ere && ps->p[0] == '\\' && ps->p[1] == ')')
            return fail(ps, VR_REG_EPAREN);
        int leading_caret = !ps->ere && first && ps->p[0] == '^';
        int n = parse_repeat(ps, first);
        if (n < 0)
            return -1;
        if (last < 0)
            ps->nodes[cat].a = n;
        else
            ps->nodes[last].next = n;
        last = n;
        first = leading_caret && ps->nodes[n].type == N_ASSERT;
    }
    return cat; /* an empty expression or alternative matches the empty string */
}

static int parse_alt(struct re_parser *ps)
{
    unsigned closed0 = ps->closed, closed_all;
    int first = parse_concat(ps);
    if (first < 0 || !at_alt(ps))
        return first;
    closed_all = ps->closed;
    int alt = new_node(ps, N_ALT, 0);
    if (alt < 0)
        return -1;
    ps->nodes[alt].a = first;
    int last = first;
    while (at_alt(ps)) {
        ps->p += ps->ere ? 1 : 2;
        ps->closed = closed0; /* another alternative's groups are not on this path */
        int n = parse_concat(ps);
        if (n < 0)
            return -1;
        closed_all |= ps->closed;
        ps->nodes[last].next = n;
        last = n;
    }
    ps->closed = closed_all;
    return alt;
}

/* ---- code generation ---- */

static int emit(struct re_parser *ps, int op, int x, int y)
{
    if (ps->err)
        return -1;
    if (ps->ninst == ps->capinst) {
        void *n = grow(ps, ps->inst, &ps->capinst, ps->ninst, sizeof *ps->inst, VR_RE_PROG_MAX);
        if (!n)
            return -1;
        ps->inst = n;
    }
    ps->inst[ps->ninst] = (struct re_inst){op, x, y};
    return ps->ninst++;
}

static int gen(struct re_parser *ps, int n, int depth)
{
    if (depth > 4 * VR_RE_DEPTH_MAX)
        return fail(ps, VR_REG_ESPACE);
    const struct re_node *nd = &ps->nodes[n];
    switch (nd->type) {
    case N_EMPTY:
        return 0;
    case N_CHAR:
        return emit(ps, I_CHAR, nd->val, 0) < 0 ? -1 : 0;
    case N_ANY:
        return emit(ps, (ps->cflags & VR_REG_NEWLINE) ? I_ANYNL : I_ANY, 0, 0) < 0 ? -1 : 0;
    case N_CLASS:
        return emit(ps, I_CLASS, nd->val, 0) < 0 ? -1 : 0;
    case N_ASSERT:
        return emit(ps, I_ASSERT, nd->val, 0) < 0 ? -1 : 0;
    case N_BACKREF:
        return emit(ps, I_BACKREF, nd->val, 0) < 0 ? -1 : 0;
    case N_GROUP:
        if (emit(ps, I_SAVE, 2 * nd->val, 0) < 0 || gen(ps, nd->a, depth + 1) ||
            emit(ps, I_SAVE, 2 * nd->val + 1, 0) < 0)
            return -1;
        return 0;
    case N_CAT:
        for (int c = nd->a; c >= 0; c = ps->nodes[c].next)
            if (gen(ps, c, depth + 1))
                return -1;
        return 0;
    case N_ALT: {
        /* SPLIT L1, next; L1: alt1; JMP end; next: SPLIT L2, next2; ... last alt; end: */
        int jumps = -1; /* chain of JMPs to patch, linked through their x field */
        for (int c = nd->a; c >= 0; c = ps->nodes[c].next) {
            int split = -1;
            if (ps->nodes[c].next >= 0 && (split = emit(ps, I_SPLIT, 0, 0)) < 0)
                return -1;
            if (split >= 0)
                ps->inst[split].x = ps->ninst;
            if (gen(ps, c, depth + 1))
                return -1;
            if (ps->nodes[c].next >= 0) {
                int j = emit(ps, I_JMP, jumps, 0);
                if (j < 0)
                    return -1;
                jumps = j;
                ps->inst[split].y = ps->ninst;
            }
        }
        while (jumps >= 0) {
            int nx = ps->inst[jumps].x;
            ps->inst[jumps].x = ps->ninst;
            jumps = nx;
        }
        return 0;
    }
    case N_REP: {
        int min = nd->min, max = nd->max, child = nd->a;
        for (int i = 0; i < min; i++)
            if (gen(ps, child, depth + 1))
                return -1;
        if (max < 0) {
            int split = emit(ps, I_SPLIT, 0, 0);
            if (split < 0)
                return -1;
            ps->inst[split].x = ps->ninst;
            if (gen(ps, child, depth + 1) || emit(ps, I_JMP, split, 0) < 0)
                return -1;
            ps->inst[split].y = ps->ninst;
            return 0;
        }
        int splits = -1; /* chain through y */
        for (int i = min; i < max; i++) {
            int split = emit(ps, I_SPLIT, 0, splits);
            if (split < 0)
                return -1;
            splits = split;
            ps->inst[split].x = ps->ninst;
            if (gen(ps, child, depth + 1))
                return -1;
        }
        while (splits >= 0) {
            int nx = ps->inst[splits].y;
            ps->inst[splits].y = ps->ninst;
            splits = nx;
        }
        return 0;
    }
    }
    return fail(ps, VR_REG_BADPAT);
}

static void parser_free(struct re_parser *ps)
{
    if (ps->nodes)
        ps->a->free(ps->nodes);
    if (ps->cls)
        ps->a->free(ps->cls);
    if (ps->inst)
        ps->a->free(ps->inst);
}

int vr_regcomp(struct vr_regex *re, const char *pattern, int cflags, const struct vr_regex_alloc *a)
{
    struct re_parser ps = {
        .p = pattern, .ere = !!(cflags & VR_REG_EXTENDED), .cflags = cflags, .a = a};
    re->prog = NULL;
    re->re_nsub = 0;
    re->cflags = cflags;
    int root = parse_alt(&ps);
    if (root >= 0 && *ps.p)
        fail(&ps, VR_REG_EPAREN); /* a stray \) */
    if (root >= 0 && !ps.err) {
        emit(&ps, I_SAVE, 0, 0);
        gen(&ps, root, 0);
        emit(&ps, I_SAVE, 1, 0);
        emit(&ps, I_MATCH, 0, 0);
    }
    struct re_prog *prog = NULL;
    if (!ps.err && !(prog = a->alloc(sizeof *prog)))
        ps.err = VR_REG_ESPACE;
    if (ps.err) {
        parser_free(&ps);
        return ps.err;
    }
    prog->ninst = ps.ninst;
    prog->inst = ps.inst;
    prog->nclass = ps.ncls;
    prog->cls = ps.cls;
    prog->cflags = cflags;
    prog->nsave = 2 * (ps.ngroups + 1);
    prog->backrefs = ps.backrefs;
    prog->nthread = 0;
    for (int i = 0; i < ps.ninst; i++)
        if (ps.inst[i].op <= I_CLASS || ps.inst[i].op == I_MATCH)
            prog->nthread++;
    if (ps.nodes)
        a->free(ps.nodes);
    re->prog = prog;
    re->re_nsub = (size_t)ps.ngroups;
    return 0;
}

void vr_regfree(struct vr_regex *re, const struct vr_regex_alloc *a)
{
    struct re_prog *prog = re->prog;
    if (!prog)
        return;
    a->free(prog->inst);
    if (prog->cls)
        a->free(prog->cls);
    a->free(prog);
    re->prog = NULL;
}

/* ---- matching ---- */

struct re_thread {
    int pc;
    long *caps;
};

struct re_list {
    int n;
    struct re_thread *t;
    long *caps; /* n x nsave */
};

struct re_stack {
    int pc, slot; /* pc < 0: restore caps[slot] = old */
    long old;
};

struct re_exec {
    const struct re_prog *prog;
    const unsigned char *s;
    long len;
    int eflags, nsave;
    unsigned *mark; /* generation a pc was last added in */
    unsigned gen;
    struct re_stack *stack;
    long *work;
};

static int assert_ok(const struct re_exec *x, int kind, long pos)
{
    int nl = x->prog->cflags & VR_REG_NEWLINE;
    int before = pos > 0 ? x->s[pos - 1] : -1, at = pos < x->len ? x->s[pos] : -1;
    int wb = before >= 0 && is_word(before), wa = at >= 0 && is_word(at);
    switch (kind) {
    case A_BOL:
        return (pos == 0 && !(x->eflags & VR_REG_NOTBOL)) || (nl && before == '\n');
    case A_EOL:
        return (pos == x->len && !(x->eflags & VR_REG_NOTEOL)) || (nl && at == '\n');
    case A_WORDB:
        return wb != wa;
    case A_NWORDB:
        return wb == wa;
    case A_WBEG:
        return !wb && wa;
    case A_WEND:
        return wb && !wa;
    case A_BUFBEG:
        return pos == 0;
    default:
        return pos == x->len;
    }
}

/* Follow the epsilon closure from pc (with captures caps) in priority order and add a thread
 * for every consuming instruction or MATCH reached for the first time in this generation. */
static void add_thread(struct re_exec *x, struct re_list *l, int pc0, const long *caps, long pos)
{
    int sp = 0;
    vr_memcpy(x->work, caps, (size_t)x->nsave * sizeof *caps);
    x->stack[sp++] = (struct re_stack){pc0, 0, 0};
    while (sp > 0) {
        struct re_stack e = x->stack[--sp];
        if (e.pc < 0) {
            x->work[e.slot] = e.old;
            continue;
        }
        if (x->mark[e.pc] == x->gen)
            continue;
        x->mark[e.pc] = x->gen;
        const struct re_inst *in = &x->prog->inst[e.pc];
        switch (in->op) {
        case I_JMP:
            x->stack[sp++] = (struct re_stack){in->x, 0, 0};
            break;
        case I_SPLIT:
            x->stack[sp++] = (struct re_stack){in->y, 0, 0};
            x->stack[sp++] = (struct re_stack){in->x, 0, 0};
            break;
        case I_SAVE:
            if (in->x < x->nsave) {
                x->stack[sp++] = (struct re_stack){-1, in->x, x->work[in->x]};
                x->work[in->x] = pos;
            }
            x->stack[sp++] = (struct re_stack){e.pc + 1, 0, 0};
            break;
        case I_ASSERT:
            if (assert_ok(x, in->x, pos))
                x->stack[sp++] = (struct re_stack){e.pc + 1, 0, 0};
            break;
        default: {
            struct re_thread *t = &l->t[l->n];
            t->pc = e.pc;
            t->caps = l->caps + (size_t)l->n * (size_t)x->nsave;
            vr_memcpy(t->caps, x->work, (size_t)x->nsave * sizeof *t->caps);
            l->n++;
            break;
        }
        }
    }
}

static int consumes(const struct re_exec *x, const struct re_inst *in, int c)
{
    switch (in->op) {
    case I_CHAR:
        return (x->prog->cflags & VR_REG_ICASE ? fold(c) : c) == in->x;
    case I_ANY:
        return 1;
    case I_ANYNL:
        return c != '\n';
    case I_CLASS:
        return cls_has(x->prog->cls[in->x], c) != 0;
    default:
        return 0;
    }
}

/* ---- back-references: a bounded backtracker ----
 * A program with \N cannot run on the Pike VM (the text a thread may consume depends on its
 * own captures). It runs here instead: for each start position, a depth-first search over
 * every path of the program with an explicit choice stack and an undo trail (no recursion),
 * keeping the longest match (the first found among equally long ones). A SPLIT entered
 * again at the same position on one path is an empty loop iteration and fails, so the search
 * ends; its work is capped at VR_RE_BACKTRACK_MAX steps per regexec, beyond which regexec
 * fails with REG_ESPACE rather than run for exponential time. */

struct bt_choice {
    int pc;
    long pos;
    size_t trail;
};

struct bt_undo {
    long *where;
    long old;
};

struct bt {
    struct bt_choice *stack;
    size_t nstack, capstack;
    struct bt_undo *trail;
    size_t ntrail, captrail;
    const struct vr_regex_alloc *a;
};

static int bt_grow(const struct vr_regex_alloc *a, void **v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *nv = a->alloc(ncap * elem);
    if (!nv)
        return -1;
    if (*v) {
        vr_memcpy(nv, *v, n * elem);
        a->free(*v);
    }
    *v = nv;
    *cap = ncap;
    return 0;
}

static int bt_set(struct bt *b, long *where, long value)
{
    if (bt_grow(b->a, (void **)&b->trail, &b->captrail, b->ntrail, sizeof *b->trail))
        return -1;
    b->trail[b->ntrail++] = (struct bt_undo){where, *where};
    *where = value;
    return 0;
}

static int bt_backref(const struct re_exec *x, const long *caps, int n, long pos, long *end)
{
    long so = caps[2 * n], eo = caps[2 * n + 1];
    if (so < 0 || eo < so)
        return 0; /* an unset group matches nothing */
    long l = eo - so;
    if (pos + l > x->len)
        return 0;
    for (long i = 0; i < l; i++) {
        int c = x->s[so + i], d = x->s[pos + i];
        if (x->prog->cflags & VR_REG_ICASE ? fold(c) != fold(d) : c != d)
            return 0;
    }
    *end = pos + l;
    return 1;
}

/* Returns 0 (match in best), VR_REG_NOMATCH or VR_REG_ESPACE. */
static int bt_run(struct re_exec *x, long start, long *best, const struct vr_regex_alloc *a)
{
    const struct re_prog *prog = x->prog;
    int nsave = x->nsave, rc = VR_REG_NOMATCH;
    long *caps = a->alloc((size_t)nsave * sizeof *caps + (size_t)prog->ninst * sizeof(long));
    if (!caps)
        return VR_REG_ESPACE;
    long *loop = caps + nsave; /* per SPLIT: the position it was last entered at on this path */
    struct bt b = {.a = a};
    unsigned long steps = 0;
    for (long from = start; from <= x->len && rc == VR_REG_NOMATCH; from++) {
        long best_end = -1;
        for (int i = 0; i < nsave; i++)
            caps[i] = -1;
        for (int i = 0; i < prog->ninst; i++)
            loop[i] = -1;
        b.nstack = b.ntrail = 0;
        int pc = 0;
        long pos = from;
        for (;;) {
            int ok = 1;
            if (++steps > VR_RE_BACKTRACK_MAX) {
                rc = VR_REG_ESPACE;
                break;
            }
            const struct re_inst *in = &prog->inst[pc];
            switch (in->op) {
            case I_CHAR:
            case I_ANY:
            case I_ANYNL:
            case I_CLASS:
                ok = pos < x->len && consumes(x, in, x->s[pos]);
                pc++, pos++;
                break;
            case I_BACKREF:
                ok = bt_backref(x, caps, in->x, pos, &pos);
                pc++;
                break;
            case I_SPLIT:
                if (loop[pc] == pos) {
                    ok = 0; /* an empty iteration */
                    break;
                }
                if (bt_set(&b, &loop[pc], pos) ||
                    bt_grow(a, (void **)&b.stack, &b.capstack, b.nstack, sizeof *b.stack)) {
                    rc = VR_REG_ESPACE;
                    goto out;
                }
                b.stack[b.nstack++] = (struct bt_choice){in->y, pos, b.ntrail};
                pc = in->x;
                break;
            case I_JMP:
                pc = in->x;
                break;
            case I_SAVE:
                if (in->x < nsave && bt_set(&b, &caps[in->x], pos)) {
                    rc = VR_REG_ESPACE;
                    goto out;
                }
                pc++;
                break;
            case I_ASSERT:
                ok = assert_ok(x, in->x, pos);
                pc++;
                break;
            case I_MATCH:
                if (pos > best_end) {
                    best_end = pos;
                    vr_memcpy(best, caps, (size_t)nsave * sizeof *best);
                }
                ok = 0; /* go on: a longer match may follow */
                break;
            }
            if (ok)
                continue;
            if (!b.nstack)
                break;
            struct bt_choice ch = b.stack[--b.nstack];
            while (b.ntrail > ch.trail) {
                b.ntrail--;
                *b.trail[b.ntrail].where = b.trail[b.ntrail].old;
            }
            pc = ch.pc;
            pos = ch.pos;
        }
        if (best_end >= 0 && rc != VR_REG_ESPACE)
            rc = 0;
    }
out:
    if (b.stack)
        a->free(b.stack);
    if (b.trail)
        a->free(b.trail);
    a->free(caps);
    return rc;
}

int vr_regexec(const struct vr_regex *re, const char *s, size_t len, size_t nmatch,
               struct vr_regmatch *pmatch, int eflags, const struct vr_regex_alloc *a)
{
    const struct re_prog *prog = re->prog;
    if (!prog)
        return VR_REG_BADPAT;
    long start = 0;
    if (eflags & VR_REG_STARTEND) {
        /* search s[rm_so, rm_eo): positions stay relative to s, and the assertions see the
         * characters before rm_so (a \b or \< there depends on them; ^ matches only at 0) */
        if (!pmatch || pmatch[0].rm_so < 0 || pmatch[0].rm_eo < pmatch[0].rm_so)
            return VR_REG_BADPAT; /* glibc's answer is undefined here: refuse */
        start = pmatch[0].rm_so;
        len = (size_t)pmatch[0].rm_eo;
    }
    int nosub = re->cflags & VR_REG_NOSUB;
    if (prog->backrefs) {
        struct re_exec x = {.prog = prog,
                            .s = (const unsigned char *)s,
                            .len = (long)len,
                            .eflags = eflags,
                            .nsave = prog->nsave};
        long *best = a->alloc((size_t)prog->nsave * sizeof *best);
        if (!best)
            return VR_REG_ESPACE;
        int rc = bt_run(&x, start, best, a);
        if (!rc && !nosub && pmatch)
            for (size_t i = 0; i < nmatch; i++) {
                int in = (int)i < prog->nsave / 2 && best[2 * i] >= 0 && best[2 * i + 1] >= 0;
                pmatch[i].rm_so = in ? best[2 * i] : -1;
                pmatch[i].rm_eo = in ? best[2 * i + 1] : -1;
            }
        a->free(best);
        return rc;
    }
    /* with REG_NOSUB only the whole match's bounds are tracked */
    int nsave = nosub ? 2 : prog->nsave;
    size_t nt = (size_t)prog->nthread + 1, ni = (size_t)prog->ninst;
    size_t bytes = 2 * nt * sizeof(struct re_thread) + 2 * nt * (size_t)nsave * sizeof(long) +
                   ni * sizeof(unsigned) + (2 * ni + 2) * sizeof(struct re_stack) +
                   2 * (size_t)nsave * sizeof(long);
    char *mem = a->alloc(bytes);
    if (!mem)
        return VR_REG_ESPACE;
    struct re_list lists[2];
    char *p = mem;
    for (int i = 0; i < 2; i++) {
        lists[i].n = 0;
        lists[i].t = (struct re_thread *)p;
        p += nt * sizeof(struct re_thread);
    }
    for (int i = 0; i < 2; i++) {
        lists[i].caps = (long *)p;
        p += nt * (size_t)nsave * sizeof(long);
    }
    struct re_exec x = {.prog = prog,
                        .s = (const unsigned char *)s,
                        .len = (long)len,
                        .eflags = eflags,
                        .nsave = nsave,
                        .gen = 1};
    /* 8-byte-aligned parts first, the 4-byte marks last */
    x.stack = (struct re_stack *)p;
    p += (2 * ni + 2) * sizeof(struct re_stack);
    x.work = (long *)p;
    p += (size_t)nsave * sizeof(long);
    long *best = (long *)p; /* also the seed's empty captures until the first match */
    p += (size_t)nsave * sizeof(long);
    x.mark = (unsigned *)p;
    vr_memset(x.mark, 0, ni * sizeof(unsigned));
    int matched = 0;
    struct re_list *cl = &lists[0], *nl = &lists[1];
    for (long pos = start; pos <= (long)len; pos++) {
        if (!matched) {
            for (int i = 0; i < nsave; i++)
                best[i] = -1;
            add_thread(&x, cl, 0, best, pos);
        }
        if (!cl->n && matched)
            break;
        int c = pos < (long)len ? x.s[pos] : -1;
        x.gen++;
        nl->n = 0;
        for (int i = 0; i < cl->n; i++) {
            struct re_thread *t = &cl->t[i];
            if (matched && t->caps[0] > best[0])
                continue;
            const struct re_inst *in = &prog->inst[t->pc];
            if (in->op == I_MATCH) {
                if (!matched || t->caps[0] < best[0] || (t->caps[0] == best[0] && pos > best[1])) {
                    vr_memcpy(best, t->caps, (size_t)nsave * sizeof *best);
                    matched = 1;
                }
                continue;
            }
            if (c >= 0 && consumes(&x, in, c))
                add_thread(&x, nl, t->pc + 1, t->caps, pos + 1);
        }
        struct re_list *tmp = cl;
        cl = nl;
        nl = tmp;
    }
    if (matched && !nosub && pmatch)
        for (size_t i = 0; i < nmatch; i++) {
            if ((int)i < nsave / 2) {
                pmatch[i].rm_so = best[2 * i];
                pmatch[i].rm_eo = best[2 * i + 1];
                if (pmatch[i].rm_so < 0 || pmatch[i].rm_eo < 0)
                    pmatch[i].rm_so = pmatch[i].rm_eo = -1;
            } else {
                pmatch[i].rm_so = pmatch[i].rm_eo = -1;
            }
        }
    a->free(mem);
    return matched ? 0 : VR_REG_NOMATCH;
}

static const char *const re_messages[] = {
    "Success",
    "No match",
    "Invalid regular expression",
    "Invalid collation character",
    "Invalid character class name",
    "Trailing backslash",
    "Invalid back reference",
    "Unmatched [, [^, [:, [., or [=",
    "Unmatched ( or \\(",
    "Unmatched \\{",
    "Invalid content of \\{\\}",
    "Invalid range end",
    "Memory exhausted",
    "Invalid preceding regular expression",
    "Premature end of regular expression",
    "Regular expression too big",
    "Unmatched ) or \\)",
};

size_t vr_regerror(int err, char *buf, size_t len)
{
    const char *m = err >= 0 && err < (int)(sizeof re_messages / sizeof re_messages[0])
                        ? re_messages[err]
                        : "Unknown error";
    size_t n = vr_strlen(m) + 1;
    if (len) {
        size_t c = n < len ? n : len;
        vr_memcpy(buf, m, c - 1);
        buf[c - 1] = 0;
    }
    return n;
}

#ifdef VERIDIAN_GUEST
#include <regex.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(regex_t) == sizeof(struct vr_regex), "regex_t layout");
_Static_assert(sizeof(regmatch_t) == sizeof(struct vr_regmatch), "regmatch_t layout");

static const struct vr_regex_alloc guest_alloc = {malloc, free};

int regcomp(regex_t *restrict re, const char *restrict pattern, int cflags)
{
    return vr_regcomp((struct vr_regex *)re, pattern, cflags, &guest_alloc);
}

int regexec(const regex_t *restrict re, const char *restrict s, size_t nmatch,
            regmatch_t pmatch[restrict], int eflags)
{
    size_t len = (eflags & REG_STARTEND) && pmatch ? (size_t)pmatch[0].rm_eo : strlen(s);
    return vr_regexec((const struct vr_regex *)re, s, len, nmatch, (struct vr_regmatch *)pmatch,
                      eflags, &guest_alloc);
}

size_t regerror(int err, const regex_t *restrict re, char *restrict buf, size_t len)
{
    (void)re;
    return vr_regerror(err, buf, len);
}

void regfree(regex_t *re)
{
    vr_regfree((struct vr_regex *)re, &guest_alloc);
}
#endif
