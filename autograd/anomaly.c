/*
 * anomaly.c: anomaly mode. While it is on, every node records its origin,
 * and the first node whose value or gradient turns NaN or infinite from
 * finite inputs is reported as an AG_EANOMALY error naming it.
 *
 * Invariant: origin[] has cap entries exactly while anomaly is on.
 */
#include "tape_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

ag_status ag__origin_grow(ag_tape *t, uint32_t cap)
{
    ag_origin *o = ag_realloc(t->origin, (size_t)cap * sizeof *o);
    if (!o)
        return AG_ENOMEM;
    t->origin = o;
    return AG_OK;
}

ag_status ag_anomaly_enable(ag_tape *t, bool on)
{
    if (on == t->anomaly)
        return AG_OK;
    if (on) {
        if (ag__origin_grow(t, t->cap) != AG_OK)
            return ag__fail(t, AG_ENOMEM, "ag_anomaly_enable: out of memory");
        /* nodes recorded before anomaly mode have no known origin */
        memset(t->origin, 0, (size_t)t->cap * sizeof *t->origin);
    } else {
        ag_free(t->origin);
        t->origin = NULL;
    }
    t->anomaly = on;
    return AG_OK;
}

void ag_origin_set(ag_tape *t, const char *file, int line) { t->here = (ag_origin){file, line}; }

bool ag_anomaly_last(ag_tape *t, ag_anomaly *out)
{
    if (!t->anomaly || !t->anomaly_seen || t->bad_node >= t->len)
        return false;
    if (out) {
        ag_node n = ag__handle(t, t->bad_node);
        ag_origin o = t->origin[t->bad_node];
        *out = (ag_anomaly){n,
                            ag__link_op(t->link[n.idx]),
                            ag_name_of(t, n),
                            o.file,
                            o.line,
                            t->bad_input != AG_NONE,
                            t->bad_input != AG_NONE ? ag__handle(t, t->bad_input) : AG_NULL,
                            t->bad_value};
    }
    return true;
}

/* "node #7 'z' (log), created at f.c:12" into buf */
static void describe(ag_tape *t, uint32_t i, char *buf, size_t size)
{
    ag_node h = ag__handle(t, i);
    const char *name = ag_name_of(t, h);
    int w = snprintf(buf, size, "node #%u", i);
    if (name && w >= 0 && (size_t)w < size)
        w += snprintf(buf + w, size - (size_t)w, " '%s'", name);
    if (w >= 0 && (size_t)w < size)
        w += snprintf(buf + w, size - (size_t)w, " (%s)", ag_op_info_of(ag__link_op(t->link[i]))->name);
    if (t->origin && t->origin[i].file && w >= 0 && (size_t)w < size)
        snprintf(buf + w, size - (size_t)w, ", created at %s:%d", t->origin[i].file, t->origin[i].line);
}

/* The input values "x = 0, y = 1e+308" into buf; false if any is not finite. */
static bool inputs(ag_tape *t, uint32_t i, char *buf, size_t size, bool use_grad)
{
    size_t n = ag__arity(t, i), w = 0;
    bool finite = true;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        uint32_t in = ag__input(t, i, k);
        double v = use_grad ? t->grad[in] : t->value[in];
        finite = finite && isfinite(t->value[in]);
        if (k < 8 && w < size) {
            int m = snprintf(buf + w, size - w, "%s#%u = %.17g", k ? ", " : "", in, v);
            if (m > 0)
                w += (size_t)m;
        }
    }
    if (n > 8 && w < size)
        snprintf(buf + w, size - w, ", ... (%zu inputs)", n);
    return finite;
}

void ag__anomaly_forward(ag_tape *t, uint32_t i)
{
    /* leaf first: a leaf's value is stored after it is appended, so it is
     * not yet written here (and a leaf is never an anomaly) */
    if (t->anomaly_seen || ag__is_leaf(ag__link_op(t->link[i])) || isfinite(t->value[i]))
        return;
    char who[160], ins[160];
    if (!inputs(t, i, ins, sizeof ins, false))
        return; /* not the first: it only passes on a bad input */
    describe(t, i, who, sizeof who);
    t->anomaly_seen = true;
    t->bad_node = i;
    t->bad_input = AG_NONE;
    t->bad_value = t->value[i];
    ag__fail(t, AG_EANOMALY, "forward: %s gave %g from finite inputs (%s)", who, t->value[i], ins);
}

void ag__anomaly_backward(ag_tape *t, uint32_t i)
{
    if (t->anomaly_seen || !isfinite(t->grad[i]))
        return;
    size_t n = ag__arity(t, i);
    for (size_t k = 0; k < n; k++) {
        uint32_t in = ag__input(t, i, k);
        if (isfinite(t->grad[in]) || ag__link_op(t->link[in]) == AG_OP_CONST)
            continue;
        char who[160], ins[160], to[160];
        inputs(t, i, ins, sizeof ins, false);
        describe(t, i, who, sizeof who);
        describe(t, in, to, sizeof to);
        t->anomaly_seen = true;
        t->bad_node = i;
        t->bad_input = in;
        t->bad_value = t->grad[in];
        ag__fail(t, AG_EANOMALY,
                 "backward: %s with finite gradient %.17g sent %g to %s (input values %s)", who,
                 t->grad[i], t->grad[in], to, ins);
        return;
    }
}
