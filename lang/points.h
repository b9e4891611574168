/*
 * points.h: the sample points of a check (private to lang/): point 0 the
 * given one, then seeded random points, then two points around each kink
 * near the given point (points.c says how).
 */
#ifndef AGRAD_LANG_POINTS_H
#define AGRAD_LANG_POINTS_H

#include "eval.h"

#define LG_KINK_PAIRS 16
#define LG_KINK_EXAMINE 256

typedef struct pts {
    size_t n_in;            /* inputs, in declaration order                */
    size_t *len;            /* entries of each                              */
    bool *fixed;            /* data: never moved                            */
    const ag_node **nodes;  /* each input's nodes in the first run         */
    size_t n_points;
    double ***v;            /* v[point][input][entry]                       */
    size_t n_kinks, n_straddled;
} pts;

bool lg__points(pts *P, lg_prog *p, lg_run *r0, const lg_check_opts *o, uint64_t seed);
void lg__points_free(pts *P);

#endif /* AGRAD_LANG_POINTS_H */
