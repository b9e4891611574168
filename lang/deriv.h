/*
 * deriv.h: derivatives inside the language (deriv.c): the d(f, x) builtin
 * and the order of a claim (d2L/dw2). Private to lang/.
 */
#ifndef AGRAD_LANG_DERIV_H
#define AGRAD_LANG_DERIV_H

#include "eval.h"

/* d(f, x): the derivative recorded as nodes, differentiable again. */
bool lg__f_d(ev *e, const ex_node *at, const val *a, int n, val *out);
/* Replace *f by its derivative of order `order` - 1 with respect to x
 * (order 2: the gradient, whose derivative the claim then checks). */
bool lg__claim_order(ev *e, int order, val *f, val x);

#endif
