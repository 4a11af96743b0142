/*
 * vsh: memory helpers, growable strings, parse arenas and shell variables.
 *
 * Variables are a plain list (a shell has tens of them); a subshell copies the list and puts
 * the original back afterwards (exec.c). Out of memory ends the shell with status 2: nothing
 * here returns NULL.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsh.h"

static _Noreturn void oom(void)
{
    static const char msg[] = "vsh: out of memory\n";
    write(2, msg, sizeof msg - 1);
    _exit(2);
}

void *vsh_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *vsh_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *vsh_strndup(const char *s, size_t n)
{
    char *p = vsh_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *vsh_strdup(const char *s)
{
    return vsh_strndup(s, strlen(s));
}

void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 64;
        while (c < b->len + n + 1)
            c *= 2;
        b->s = vsh_realloc(b->s, c);
        b->cap = c;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sb_putc(struct sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

char *sb_take(struct sbuf *b)
{
    char *s = b->s ? b->s : vsh_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(struct sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_chunk *c = a->chunks;
    if (!c || c->used + n > c->size) {
        size_t size = n > 4000 ? n : 4000;
        c = vsh_alloc(sizeof *c + size);
        c->size = size;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void arena_free(struct arena *a)
{
    while (a->chunks) {
        struct arena_chunk *n = a->chunks->next;
        free(a->chunks);
        a->chunks = n;
    }
}

/* ---- variables ---- */

int valid_name(const char *s, size_t n)
{
    if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

struct var *var_find(struct vsh *sh, const char *name)
{
    for (struct var *v = sh->vars; v; v = v->next)
        if (!strcmp(v->name, name))
            return v;
    return NULL;
}

const char *var_get(struct vsh *sh, const char *name)
{
    struct var *v = var_find(sh, name);
    return v ? v->value : NULL;
}

int var_set(struct vsh *sh, const char *name, const char *value, int flags)
{
    struct var *v = var_find(sh, name);
    if (v && (v->flags & V_RDONLY) && value) {
        sh_error(sh, "%s: is read only", name);
        return -1;
    }
    if (!v) {
        v = vsh_alloc(sizeof *v);
        v->name = vsh_strdup(name);
        v->next = sh->vars;
        sh->vars = v;
    }
    if (value) {
        char *nv = vsh_strdup(value);
        free(v->value);
        v->value = nv;
    }
    v->flags |= flags;
    return 0;
}

int var_unset(struct vsh *sh, const char *name)
{
    for (struct var **pp = &sh->vars; *pp; pp = &(*pp)->next) {
        struct var *v = *pp;
        if (strcmp(v->name, name))
            continue;
        if (v->flags & V_RDONLY) {
            sh_error(sh, "%s: is read only", name);
            return -1;
        }
        *pp = v->next;
        free(v->name);
        free(v->value);
        free(v);
        return 0;
    }
    return 0;
}

char **var_environ(struct vsh *sh)
{
    int n = 0;
    for (struct var *v = sh->vars; v; v = v->next)
        n += (v->flags & V_EXPORT) && v->value;
    char **env = vsh_alloc((n + 1) * sizeof *env);
    int i = 0;
    for (struct var *v = sh->vars; v; v = v->next) {
        if (!((v->flags & V_EXPORT) && v->value))
            continue;
        size_t a = strlen(v->name), b = strlen(v->value);
        env[i] = vsh_alloc(a + b + 2);
        memcpy(env[i], v->name, a);
        env[i][a] = '=';
        memcpy(env[i] + a + 1, v->value, b + 1);
        i++;
    }
    return env;
}

void env_free(char **env)
{
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

void vars_import(struct vsh *sh, char **env)
{
    for (char **e = env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || !valid_name(*e, (size_t)(eq - *e)))
            continue;
        char *name = vsh_strndup(*e, (size_t)(eq - *e));
        var_set(sh, name, eq + 1, V_EXPORT);
        free(name);
    }
}

struct var *vars_copy(struct var *v)
{
    struct var *head = NULL, **tail = &head;
    for (; v; v = v->next) {
        struct var *c = vsh_alloc(sizeof *c);
        c->name = vsh_strdup(v->name);
        c->value = v->value ? vsh_strdup(v->value) : NULL;
        c->flags = v->flags;
        *tail = c;
        tail = &c->next;
    }
    return head;
}

void vars_free(struct var *v)
{
    while (v) {
        struct var *n = v->next;
        free(v->name);
        free(v->value);
        free(v);
        v = n;
    }
}

/* local NAME[=VALUE]: the old value comes back when the function returns */
int local_var(struct vsh *sh, const char *name, const char *value)
{
    for (struct localsave *l = sh->locals; l; l = l->next)
        if (!strcmp(l->name, name))
            goto set;
    struct var *v = var_find(sh, name);
    struct localsave *l = vsh_alloc(sizeof *l);
    l->name = vsh_strdup(name);
    l->existed = v != NULL;
    if (v) {
        l->value = v->value ? vsh_strdup(v->value) : NULL;
        l->flags = v->flags;
    }
    l->next = sh->locals;
    sh->locals = l;
set:
    if (value)
        return var_set(sh, name, value, 0);
    return 0;
}
