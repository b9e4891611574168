/*
 * wasm_budget.c: every allocation of agrad in the page (the engine, nn and
 * lang all allocate through ag_realloc) counted against one budget, so that
 * a program that would record millions of nodes fails early with "out of
 * memory" instead of growing the tab by gigabytes. Invariant: `used` is the
 * sum of the sizes of the live blocks; each block carries its size in a
 * header of HEAD bytes (keeping the 16-byte alignment of malloc).
 */
#include "wasm_json.h"

#include "autograd.h"

#include <stdlib.h>
#include <string.h>

#define HEAD 16

static size_t budget, used;

static void *budget_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    char *old = p ? (char *)p - HEAD : NULL;
    size_t had = 0;
    if (old)
        memcpy(&had, old, sizeof had);
    if (n == 0) {
        free(old);
        used -= had;
        return NULL;
    }
    if (n > budget - (used - had) || n > SIZE_MAX - HEAD)
        return NULL; /* the old block, if any, stays as it was */
    char *q = realloc(old, n + HEAD);
    if (!q)
        return NULL;
    used = used - had + n;
    memcpy(q, &n, sizeof n);
    return q + HEAD;
}

AGW_EXPORT(agw_budget) void agw_budget(double bytes);

void agw_budget(double bytes)
{
    if (used == 0 && bytes > 0 && bytes < (double)SIZE_MAX) {
        budget = (size_t)bytes;
        ag_set_allocator(budget_realloc, NULL);
    }
}
