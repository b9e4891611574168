/*
 * alloc.c: the one allocation hook every agrad allocation goes through, so
 * that tests can fail the k-th allocation and check nothing leaks or breaks.
 */
#include "autograd.h"

#include <stdlib.h>

static void *libc_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

static ag_realloc_fn hook = libc_realloc;
static void *hook_ctx;

void ag_set_allocator(ag_realloc_fn fn, void *ctx)
{
    hook = fn ? fn : libc_realloc;
    hook_ctx = fn ? ctx : NULL;
}

void *ag_realloc(void *p, size_t n)
{
    if (n == 0)
        n = 1; /* a zero-byte request is a real allocation here, not a free */
    return hook(hook_ctx, p, n);
}

void ag_free(void *p)
{
    if (p)
        hook(hook_ctx, p, 0);
}
