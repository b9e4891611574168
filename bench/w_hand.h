/*
 * w_hand.h: the hand-written backprop floor of the benchmarks. A dense MLP
 * on plain row-major arrays, trained by formulas written out by hand from
 * docs/formulas.md (F9-F13, F15, F17) with no autodiff: the speed the engine is
 * measured against, and the same computation, so that both reach the same
 * loss to 1e-9.
 *
 * Shapes: a batch of n examples is n x width, one example per row. Layer l
 * (0 <= l < n_layers) maps size[l] inputs to size[l+1] outputs:
 *   z^l = W^l a^{l-1} + b^l,  a^l = f_l(z^l),  a^{-1} = x,
 * with W^l stored [size[l+1]][size[l]] row-major (PyTorch's [out, in]).
 * Backward (F9-F13): delta^l = dL/dz^l = dL/da^l (.) f_l'(z^l),
 *   dL/dW^l = sum over the batch of delta^l (a^{l-1})^T,  dL/db^l = sum of delta^l,
 *   dL/da^{l-1} = (W^l)^T delta^l.
 * relu'(0) = 0. The gradients are overwritten (not accumulated) by each call.
 */
#ifndef AGRAD_BENCH_W_HAND_H
#define AGRAD_BENCH_W_HAND_H

#include <stddef.h>

#define HAND_MAX_LAYERS 8

typedef enum hand_act { HAND_LINEAR, HAND_RELU } hand_act;

typedef struct hand_mlp {
    size_t n_layers;        /* number of dense layers                        */
    size_t size[8];         /* size[0] = n_in, size[l+1] = outputs of layer l */
    hand_act act[8];        /* activation of layer l (the last is LINEAR)    */
    double *w[8], *b[8];    /* layer l: w [size[l+1]][size[l]] row-major (PyTorch's [out, in]), b [size[l+1]] */
    double *gw[8], *gb[8];  /* their gradients                              */
    /* private scratch, for up to max_batch examples at a time: */
    size_t max_batch;       /* examples per chunk; longer batches are cut   */
    size_t max_width;       /* max over l >= 1 of size[l]                    */
    double *a[8];           /* a[l]: [max_batch][size[l+1]], f_l(z^l); relu'(z) = (a > 0) */
    double *delta[2];       /* [max_batch][max_width]: delta^l and delta^{l-1}, in turn */
} hand_mlp;

/* sizes[l] = outputs of layer l (n_layers entries), acts[l] its activation.
 * 0 ok; -1 out of memory or bad shape (n_layers 0 or > 8, a size or max_batch 0).
 * Weights and biases start at zero: the caller sets them. */
int  hand_mlp_init(hand_mlp *m, size_t n_in, const size_t *sizes, const hand_act *acts,
                   size_t n_layers, size_t max_batch);   /* 0 ok, -1 out of memory; weights zero */
void hand_mlp_free(hand_mlp *m);

/* micrograd's moons loss on n points (x: n x n_in, y in {-1,1}, one output score s):
 *   L = (1/n) Σ_i max(0, 1 − y_i s_i) + alpha Σ_p p²     (p = every weight and bias)
 * computes L (returned), the gradients, then one SGD step p -= lr * dL/dp.
 * Hinge derivative at the kink 1 − y s = 0 is 0 (relu'(0) = 0 convention). */
double hand_hinge_step(hand_mlp *m, const double *x, const double *y, size_t n, double alpha, double lr);

/* softmax cross-entropy on n examples (labels in 0..C-1), batch MEAN:
 *   L = (1/n) Σ_i [ logsumexp(s_i) − s_i[label_i] ],   δ_out = (softmax(s_i) − onehot_i)/n
 * (F17), gradients, one SGD step; returns L before the step. */
double hand_softmax_ce_step(hand_mlp *m, const double *x, const int *labels, size_t n, double lr);

/* forward only: scores for n examples into out (n x size[n_layers]) */
void hand_mlp_forward(hand_mlp *m, const double *x, size_t n, double *out);

/* The two halves of a step, for tests and for callers that want the
 * gradients: *_grad computes L and overwrites gw, gb (dL/dW, dL/db at the
 * current weights) without changing the weights; hand_sgd_step applies
 * F15, p <- p - lr * dL/dp, to every weight and bias. *_step = *_grad then
 * hand_sgd_step. */
double hand_hinge_grad(hand_mlp *m, const double *x, const double *y, size_t n, double alpha);
double hand_softmax_ce_grad(hand_mlp *m, const double *x, const int *labels, size_t n);
void   hand_sgd_step(hand_mlp *m, double lr);

#endif
