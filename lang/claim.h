/*
 * claim.h: one claim at one point (private to lang/): the autodiff matrix
 * d of / d wrt and the claimed matrix, both as doubles, and the pieces the
 * checker and the diagnosis share.
 */
#ifndef AGRAD_LANG_CLAIM_H
#define AGRAD_LANG_CLAIM_H

#include "eval.h"

typedef struct cm {
    lg_shape sa, sb;     /* autodiff's shape, the claim's                   */
    double *a, *b;       /* their entries, row-major                        */
    ag_node *bn;         /* the claim's entry nodes (rounding bounds)       */
    bool of_finite;      /* every entry of `of` is finite here              */
    bool overflowed;     /* a node of the claim's formula is not finite     */
} cm;

/* Evaluate claim st on run r into m (its arrays allocated; cm_free frees).
 * false with err set when the claim cannot be evaluated here. */
bool lg__claim_eval(lg_run *r, const stmt *st, cm *m, ag_error *err);
void lg__cm_free(cm *m);
/* The largest |entry| of a, its scale of "the size of the gradients". */
double lg__scale(const double *a, size_t n);
/* The options NULL stands for (lg_check, lg_agrees): 20 points, radius
 * 0.25, rtol 1e-9, stol 1e-12 (lang.h, lg_check_opts). */
extern const lg_check_opts lg__check_defaults;
/* lg_agrees's rule with the rounding bound given, and the bound. */
bool lg__close(double a, double b, double rtol, double stol, double scale, double round);
double lg__rounding(ag_tape *t, size_t from, ag_node entry);
/* The claim's lhs as "dL/dW3", "ds[i]/dx[k]" into buf. */
void lg__claim_lhs(const lg_prog *p, const stmt *st, char *buf, size_t size);

#endif /* AGRAD_LANG_CLAIM_H */
