/*
 * st_tensors.c: checks on the caller's tensor list shared by the
 * safetensors writer and reader, and the shape text of their messages.
 *
 * Invariant: a list that passes nn__st_check_tensors has unique names and
 * element counts n with n * 8 representable in size_t, so later size
 * arithmetic on it cannot overflow.
 */
#include "io_internal.h"

#include <stdio.h>
#include <string.h>

size_t nn__st_elements(const nn_tensor *t)
{
    return t->rank == 1 ? t->shape[0] : t->shape[0] * t->shape[1];
}

void nn__st_shape_text(char *buf, size_t cap, size_t rank, const uint64_t *dims)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < rank && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "",
                         (unsigned long long)dims[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    /* wrap in brackets: shift right by one */
    size_t len = strlen(buf);
    if (len + 3 > cap)
        len = cap - 3;
    memmove(buf + 1, buf, len);
    buf[0] = '[';
    buf[len + 1] = ']';
    buf[len + 2] = '\0';
}

ag_status nn__st_check_tensors(const nn_tensor *ts, size_t n, const char *source,
                               nn_error *err)
{
    if (n > 0 && !ts)
        return nn__fail(err, AG_EINVAL, "%s: %zu tensors but no tensor array", source, n);
    for (size_t k = 0; k < n; k++) {
        const nn_tensor *t = &ts[k];
        if (!t->name || !t->name[0])
            return nn__fail(err, AG_EINVAL, "%s: tensor #%zu has no name", source, k);
        if (strcmp(t->name, "__metadata__") == 0)
            return nn__fail(err, AG_EINVAL,
                            "%s: tensor #%zu: '__metadata__' is reserved by safetensors",
                            source, k);
        if (t->rank != 1 && t->rank != 2)
            return nn__fail(err, AG_EINVAL, "%s: tensor '%s': rank %zu (1 or 2 expected)",
                            source, t->name, t->rank);
        size_t limit = SIZE_MAX / sizeof(double);
        size_t r = t->shape[0], c = t->rank == 2 ? t->shape[1] : 1;
        if (c != 0 && r > limit / c)
            return nn__fail(err, AG_EINVAL, "%s: tensor '%s': shape [%zu, %zu] is too large",
                            source, t->name, r, c);
        if (r * c > 0 && !t->data)
            return nn__fail(err, AG_EINVAL, "%s: tensor '%s': data is NULL", source,
                            t->name);
        for (size_t j = 0; j < k; j++)
            if (strcmp(ts[j].name, t->name) == 0)
                return nn__fail(err, AG_EINVAL, "%s: tensor '%s' is listed twice (#%zu, #%zu)",
                                source, t->name, j, k);
    }
    return AG_OK;
}
