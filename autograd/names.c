/*
 * names.c: optional names for nodes, kept in uthash tables both ways (name to
 * node for lookup, node to name for traces and graphs).
 *
 * Invariants: a node has at most one name and a name names at most one node;
 * every entry names a live node (a rewind drops the names of the nodes it
 * drops); named_top is 1 + the highest named index, so a rewind above every
 * named node costs nothing.
 */
#include "tape_internal.h"

#include <string.h>

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) ag_realloc(NULL, (sz))
#define uthash_free(ptr, sz) ag_free(ptr)
#define uthash_nonfatal_oom(obj) (oom_hit = 1)
static int oom_hit;
#include <uthash.h>

struct ag_name_entry {
    uint32_t idx;
    UT_hash_handle by_name; /* keyed by name */
    UT_hash_handle by_idx;  /* keyed by idx  */
    char name[];
};

static struct ag_name_entry *find_idx(ag_tape *t, uint32_t idx)
{
    struct ag_name_entry *e;
    HASH_FIND(by_idx, t->by_idx, &idx, sizeof idx, e);
    return e;
}

static struct ag_name_entry *find_name(ag_tape *t, const char *name)
{
    struct ag_name_entry *e;
    HASH_FIND(by_name, t->by_name, name, strlen(name), e);
    return e;
}

static void drop(ag_tape *t, struct ag_name_entry *e)
{
    HASH_DELETE(by_name, t->by_name, e);
    HASH_DELETE(by_idx, t->by_idx, e);
    ag_free(e);
}

ag_status ag_name_set(ag_tape *t, ag_node n, const char *name)
{
    ag_status s = ag__check(t, n, "ag_name_set", 1);
    if (s != AG_OK)
        return s;
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > AG_NAME_MAX)
        return ag__fail(t, AG_ENAME, "ag_name_set: a name must have 1 to %d characters (node #%u)",
                        AG_NAME_MAX, n.idx);
    struct ag_name_entry *holder = find_name(t, name);
    if (holder && holder->idx == n.idx)
        return AG_OK;
    if (holder)
        return ag__fail(t, AG_ENAME, "ag_name_set: the name '%s' is taken by node #%u (wanted for node #%u)",
                        name, holder->idx, n.idx);
    struct ag_name_entry *e = ag_realloc(NULL, sizeof *e + len + 1);
    if (!e)
        return ag__fail(t, AG_ENOMEM, "ag_name_set: out of memory naming node #%u '%s'", n.idx, name);
    memset(e, 0, sizeof *e);
    e->idx = n.idx;
    memcpy(e->name, name, len + 1);
    oom_hit = 0;
    HASH_ADD_KEYPTR(by_name, t->by_name, e->name, len, e);
    if (oom_hit) {
        ag_free(e);
        return ag__fail(t, AG_ENOMEM, "ag_name_set: out of memory naming node #%u '%s'", n.idx, name);
    }
    /* renaming: the old entry goes only once the new name is in */
    struct ag_name_entry *old = find_idx(t, n.idx);
    bool renamed = old != NULL;
    if (old)
        drop(t, old);
    HASH_ADD(by_idx, t->by_idx, idx, sizeof e->idx, e);
    if (oom_hit) {
        /* the index table could not grow: the node is left without a name */
        /* e was added to by_name above, so the table is not empty; the
         * analyzer loses that through uthash's macros */
        HASH_DELETE(by_name, t->by_name, e); // NOLINT(clang-analyzer-core.NullDereference)
        ag_free(e);
        return ag__fail(t, AG_ENOMEM, "ag_name_set: out of memory naming node #%u '%s'%s", n.idx, name,
                        renamed ? "; it lost its previous name" : "");
    }
    if (n.idx + 1 > t->named_top)
        t->named_top = n.idx + 1;
    return AG_OK;
}

ag_node ag_name_find(ag_tape *t, const char *name)
{
    struct ag_name_entry *e = name ? find_name(t, name) : NULL;
    return e ? ag__handle(t, e->idx) : AG_NULL;
}

const char *ag_name_of(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_name_of", 1) != AG_OK)
        return NULL;
    struct ag_name_entry *e = find_idx(t, n.idx);
    return e ? e->name : NULL;
}

void ag__names_drop_from(ag_tape *t, uint32_t len)
{
    struct ag_name_entry *e, *tmp;
    uint32_t top = 0;
    HASH_ITER(by_idx, t->by_idx, e, tmp) {
        /* HASH_ITER sets e before the body; cppcheck cannot see that */
        // cppcheck-suppress uninitvar
        if (e->idx >= len)
            drop(t, e);
        else if (e->idx + 1 > top)
            top = e->idx + 1;
    }
    t->named_top = top;
}

void ag__names_free(ag_tape *t)
{
    ag__names_drop_from(t, 0);
}
