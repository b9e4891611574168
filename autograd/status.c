/*
 * status.c: the fixed descriptions of status codes, one row per code.
 */
#include "autograd.h"

#include <assert.h>

static const char *const status_text[] = {
    [AG_OK] = "ok",
    [AG_ENOMEM] = "out of memory",
    [AG_ENULL] = "null node handle",
    [AG_ESTALE] = "node dropped by a rewind",
    [AG_EFOREIGN] = "node from another tape",
    [AG_ERANGE] = "index out of range",
    [AG_EFULL] = "tape full",
    [AG_EINVAL] = "invalid argument",
    [AG_ENAME] = "bad or duplicate name",
    [AG_EANOMALY] = "NaN or infinity appeared",
};
static_assert(sizeof status_text / sizeof status_text[0] == AG_STATUS_COUNT,
              "status_text must cover ag_status");

const char *ag_status_str(ag_status s)
{
    if ((unsigned)s >= AG_STATUS_LAYER_BASE && (unsigned)s < AG_STATUS_LAYER_END)
        return "error in a layer above the engine"; /* its message says what */
    if ((unsigned)s >= AG_STATUS_COUNT)
        return "unknown status";
    return status_text[s];
}
