/*
 * The dependency graph of services: name resolution, cycle detection, start order.
 */
#include <stdio.h>
#include <string.h>

#include "os/init/svc.h"

static void diag(struct init_diag *d, size_t max, size_t *n, uint32_t line, uint32_t col,
                 const char *msg)
{
    if (*n < max) {
        d[*n].line = line;
        d[*n].col = col;
        snprintf(d[*n].msg, sizeof d[*n].msg, "%s", msg);
    }
    (*n)++;
}

static int find(const struct init_config *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->svc[i].name, name))
            return (int)i;
    return -1;
}

/* Depth-first search; on a back edge, write the cycle into msg. */
static int dfs(const struct init_config *c, uint32_t v, uint8_t *mark, uint32_t *stack,
               size_t depth, uint32_t *order, size_t *norder, char *msg, size_t len)
{
    mark[v] = 1;
    stack[depth] = v;
    for (size_t j = 0; j < c->svc[v].ndeps; j++) {
        uint32_t w = c->svc[v].deps[j];
        if (mark[w] == 1) {
            size_t start = 0;
            while (stack[start] != w)
                start++;
            size_t off = (size_t)snprintf(msg, len, "dependency cycle: ");
            for (size_t k = start; k <= depth && off < len; k++)
                off += (size_t)snprintf(msg + off, len - off, "%s -> ", c->svc[stack[k]].name);
            if (off < len)
                snprintf(msg + off, len - off, "%s", c->svc[w].name);
            return -1;
        }
        if (mark[w] == 0 && dfs(c, w, mark, stack, depth + 1, order, norder, msg, len))
            return -1;
    }
    mark[v] = 2;
    order[(*norder)++] = v;
    return 0;
}

size_t init_graph_check(struct init_config *c, uint32_t order[INIT_MAX_SERVICES],
                        struct init_diag *diags, size_t max_diags)
{
    size_t nd = 0;
    char msg[200];
    for (size_t i = 0; i < c->n; i++) {
        struct init_service *s = &c->svc[i];
        for (size_t j = 0; j < s->ndeps; j++) {
            int d = find(c, s->dep_names[j]);
            if (d < 0) {
                snprintf(msg, sizeof msg, "service '%s' depends on unknown service '%s'", s->name,
                         s->dep_names[j]);
                diag(diags, max_diags, &nd, s->line, s->col, msg);
                s->deps[j] = (uint32_t)i; /* placeholder, never used */
            } else if ((size_t)d == i) {
                snprintf(msg, sizeof msg, "dependency cycle: %s -> %s", s->name, s->name);
                diag(diags, max_diags, &nd, s->line, s->col, msg);
                s->deps[j] = (uint32_t)i;
            } else {
                s->deps[j] = (uint32_t)d;
            }
        }
    }
    if (nd)
        return nd;
    uint8_t mark[INIT_MAX_SERVICES] = {0};
    uint32_t stack[INIT_MAX_SERVICES];
    size_t norder = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (mark[i])
            continue;
        if (dfs(c, i, mark, stack, 0, order, &norder, msg, sizeof msg)) {
            diag(diags, max_diags, &nd, c->svc[i].line, c->svc[i].col, msg);
            return nd;
        }
    }
    return nd;
}

void init_graph_dependents(const struct init_config *c, uint32_t i, uint8_t out[INIT_MAX_SERVICES])
{
    memset(out, 0, INIT_MAX_SERVICES);
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t s = 0; s < c->n; s++) {
            if (out[s])
                continue;
            for (size_t j = 0; j < c->svc[s].ndeps; j++) {
                uint32_t d = c->svc[s].deps[j];
                if (d == i || out[d]) {
                    out[s] = 1;
                    changed = 1;
                    break;
                }
            }
        }
    }
}
