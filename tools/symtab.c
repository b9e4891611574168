/*
 * symtab.c: the parser's symbol table in uthash, allocation routed through
 * ag_realloc like autograd/names.c so failures can be injected.
 *
 * Invariant: every entry owns its NUL-terminated name; uthash keeps entries
 * in insertion order, which is the order ax_sym_first/next walk.
 */
#include "symtab.h"

#include <string.h>

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) ag_realloc(NULL, (sz))
#define uthash_free(ptr, sz) ag_free(ptr)
#define uthash_nonfatal_oom(obj) (oom_hit = 1)
static int oom_hit;
#include <uthash.h>

struct ax_sym {
    ax_sym_kind kind;
    ax_val val;
    bool used;
    int line, col;
    UT_hash_handle hh;
    char name[];
};

ag_status ax_sym_add(ax_symtab *tab, const char *name, size_t len, ax_sym_kind kind, ax_val v,
                     int line, int col, ax_sym **out)
{
    ax_sym *s = ag_realloc(NULL, sizeof *s + len + 1);
    if (!s)
        return AG_ENOMEM;
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->val = v;
    s->line = line;
    s->col = col;
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    oom_hit = 0;
    HASH_ADD_KEYPTR(hh, tab->head, s->name, len, s);
    if (oom_hit) {
        ag_free(s);
        return AG_ENOMEM;
    }
    if (out)
        *out = s;
    return AG_OK;
}

ax_sym *ax_sym_find(const ax_symtab *tab, const char *name, size_t len)
{
    ax_sym *s = NULL;
    HASH_FIND(hh, tab->head, name, len, s);
    return s;
}

void ax_sym_free(ax_symtab *tab)
{
    ax_sym *s, *tmp;
    HASH_ITER(hh, tab->head, s, tmp) {
        HASH_DEL(tab->head, s);
        ag_free(s);
    }
}

ax_sym_kind ax_sym_kind_of(const ax_sym *s) { return s->kind; }

ax_val ax_sym_use(ax_sym *s)
{
    s->used = true;
    return s->val;
}

bool ax_sym_used(const ax_sym *s) { return s->used; }

void ax_sym_where(const ax_sym *s, int *line, int *col)
{
    *line = s->line;
    *col = s->col;
}

const char *ax_sym_name(const ax_sym *s) { return s->name; }
ax_sym *ax_sym_first(const ax_symtab *tab) { return tab->head; }
ax_sym *ax_sym_next(const ax_sym *s) { return s->hh.next; }
