/*
 * points.c: where a claim is checked. Point 0 is the point given; points
 * 1..N move every input that is not data, entry by entry, to
 *   x + R*u*max(|x|, 1),   u uniform in [-1, 1]
 * (splitmix64 from the program's seed), so the step is relative for large
 * inputs and at least R-sized near 0. Then two points per kink near the
 * given point: a kink is the zero of its argument u (recorded by the
 * evaluator); it is near when the random points could reach it, |u| <=
 * R * sum_i |du/dx_i| max(|x_i|, 1); its two points move the inputs along
 * du/dx (a Newton step on the linearisation) to u = +h and u = -h, h =
 * max(R/2 * that reach, 2|u|), so a wrong relu' is seen on both sides.
 * At most LG_KINK_PAIRS kinks get points; the report says how many.
 */
#include "points.h"

#include <math.h>
#include <string.h>

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}
static double uniform_pm1(uint64_t *s) { return (double)(mix(s) >> 11) * 0x1.0p-52 - 1.0; }

void lg__points_free(pts *P)
{
    for (size_t j = 0; P->v && j < P->n_points; j++) {
        for (size_t k = 0; P->v[j] && k < P->n_in; k++)
            ag_free(P->v[j][k]);
        ag_free(P->v[j]);
    }
    ag_free(P->v);
    ag_free(P->len);
    ag_free(P->fixed);
    ag_free(P->nodes);
    memset(P, 0, sizeof *P);
}

/* A new point, a copy of point 0; NULL when out of memory. */
static double **add_point(pts *P)
{
    double ***v = ag_realloc(P->v, (P->n_points + 1) * sizeof *v);
    if (!v)
        return NULL;
    P->v = v;
    double **pt = ag_realloc(NULL, (P->n_in ? P->n_in : 1) * sizeof *pt);
    if (!pt)
        return NULL;
    memset(pt, 0, (P->n_in ? P->n_in : 1) * sizeof *pt);
    v[P->n_points++] = pt;
    for (size_t k = 0; k < P->n_in; k++) {
        pt[k] = ag_realloc(NULL, (P->len[k] ? P->len[k] : 1) * sizeof *pt[k]);
        if (!pt[k])
            return NULL;
        if (P->n_points > 1)
            memcpy(pt[k], v[0][k], P->len[k] * sizeof *pt[k]);
    }
    return pt;
}

/* d u / d x after the backward from u (for u a variable itself, which
 * ag_backward would not need: 1 at u, 0 elsewhere) */
static double kink_slope(ag_tape *t, ag_node u, ag_node x)
{
    return ag_node_op(t, u) == AG_OP_VAR ? (x.idx == u.idx) : ag_grad(t, x);
}

static bool kink_points(pts *P, lg_run *r0, double radius)
{
    ag_tape *t = r0->t;
    size_t examined = 0;
    for (size_t q = 0; q < r0->nk && examined < LG_KINK_EXAMINE && P->n_straddled < LG_KINK_PAIRS; q++) {
        const kink *kk = &r0->k[q];
        if (!isfinite(kk->at) || ag_node_op(t, kk->u) == AG_OP_CONST)
            continue;
        examined++;
        ag_zero_grad(t);
        if (ag_node_op(t, kk->u) != AG_OP_VAR && ag_backward(t, kk->u) != AG_OK) {
            ag_tape_clear_error(t);
            continue;
        }
        double reach = 0, g2 = 0;
        for (size_t k = 0; k < P->n_in; k++) {
            if (P->fixed[k])
                continue;
            for (size_t i = 0; i < P->len[k]; i++) {
                double g = kink_slope(t, kk->u, P->nodes[k][i]);
                reach += fabs(g) * fmax(fabs(P->v[0][k][i]), 1.0);
                g2 += g * g;
            }
        }
        reach *= radius;
        if (!(g2 > 0) || !(fabs(kk->at) <= reach))
            continue;
        P->n_kinks++;
        double h = fmax(0.5 * reach, 2 * fabs(kk->at));
        for (int side = -1; side <= 1; side += 2) {
            double **pt = add_point(P);
            if (!pt)
                return false;
            double s = (side * h - kk->at) / g2;
            for (size_t k = 0; k < P->n_in; k++) {
                if (P->fixed[k])
                    continue;
                for (size_t i = 0; i < P->len[k]; i++) {
                    pt[k][i] += s * kink_slope(t, kk->u, P->nodes[k][i]);
                }
            }
        }
        P->n_straddled++;
    }
    return true;
}

bool lg__points(pts *P, lg_prog *p, lg_run *r0, const lg_check_opts *o, uint64_t seed)
{
    memset(P, 0, sizeof *P);
    P->n_in = lg__prog_n_inputs(p);
    size_t m = P->n_in ? P->n_in : 1;
    P->len = ag_realloc(NULL, m * sizeof *P->len);
    P->fixed = ag_realloc(NULL, m * sizeof *P->fixed);
    P->nodes = ag_realloc(NULL, m * sizeof(const ag_node *));
    if (!P->len || !P->fixed || !P->nodes)
        return false;
    for (size_t k = 0; k < P->n_in; k++) {
        lg_input_info info;
        lg_value v = {{0, 1, 1}, NULL};
        lg_prog_input(p, k, &info);
        lg_run_lookup(r0, info.name, &v);
        P->len[k] = v.nodes ? lg__size(v.shape) : 0;
        P->nodes[k] = v.nodes;
        P->fixed[k] = info.data;
    }
    double **p0 = add_point(P);
    if (!p0)
        return false;
    for (size_t k = 0; k < P->n_in; k++)
        for (size_t i = 0; i < P->len[k]; i++)
            p0[k][i] = ag_value(r0->t, P->nodes[k][i]);
    uint64_t rng = seed;
    for (int j = 0; j < o->points; j++) {
        double **pt = add_point(P);
        if (!pt)
            return false;
        for (size_t k = 0; k < P->n_in; k++)
            for (size_t i = 0; i < P->len[k] && !P->fixed[k]; i++)
                pt[k][i] += o->radius * uniform_pm1(&rng) * fmax(fabs(pt[k][i]), 1.0);
    }
    return kink_points(P, r0, o->radius);
}
