/*
 * symtab.h: the parser's names (inputs and assigned names), a uthash table
 * keyed by the name's bytes. Private to tools/.
 */
#ifndef AGRAD_TOOLS_SYMTAB_H
#define AGRAD_TOOLS_SYMTAB_H

#include "autograd.h"

#include <stdbool.h>
#include <stddef.h>

/* A value while parsing: a node, or a number not yet recorded (so that x^2
 * can record ag_powc with the constant 2 instead of a node exponent). */
typedef struct ax_val {
    bool is_const;
    double c;
    ag_node node;
} ax_val;

typedef enum ax_sym_kind { AX_SYM_INPUT, AX_SYM_ASSIGNED } ax_sym_kind;

typedef struct ax_sym ax_sym;

/* The table is a pointer to its first entry, NULL when empty. */
typedef struct ax_symtab {
    ax_sym *head;
} ax_symtab;

/* Add name[0..len); AG_ENOMEM when out of memory. The name must not be in
 * the table yet. */
ag_status ax_sym_add(ax_symtab *tab, const char *name, size_t len, ax_sym_kind kind, ax_val v,
                     int line, int col, ax_sym **out);
ax_sym *ax_sym_find(const ax_symtab *tab, const char *name, size_t len);
void ax_sym_free(ax_symtab *tab);

/* Accessors; ax_sym_use marks the entry used and returns its value. */
ax_sym_kind ax_sym_kind_of(const ax_sym *s);
ax_val ax_sym_use(ax_sym *s);
bool ax_sym_used(const ax_sym *s);
void ax_sym_where(const ax_sym *s, int *line, int *col);
const char *ax_sym_name(const ax_sym *s);
/* Entries in insertion order (inputs first, in the order given). */
ax_sym *ax_sym_first(const ax_symtab *tab);
ax_sym *ax_sym_next(const ax_sym *s);

#endif /* AGRAD_TOOLS_SYMTAB_H */
