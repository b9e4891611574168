/*
 * nn.h: agrad's neural-network layer, built only on the engine's public
 * header (autograd.h). Neurons, dense layers, MLPs, activations, losses,
 * dropout, optimizers and model files.
 *
 * Storage. A model's parameters are variables recorded consecutively on its
 * tape, below the mark a training step rewinds to: one run, so zero_grad,
 * every optimizer and gradient clipping are flat loops over two arrays.
 * Parameters are grouped in named tensors ("0.weight" [out, in], "0.bias"
 * [out]: PyTorch's nn.Sequential state_dict names) kept in a uthash table.
 *
 * Runs. Layers consume and produce runs (ag_run: consecutive nodes, checked
 * like handles): a dense layer reads its input as a run of n_in nodes and
 * records n_out outputs as a run (all pre-activations z, then all
 * activations a), so each output is one DOT_RUN node over the weight row and
 * the input run, with no bytes per input and a vectorisable loop. Every call
 * that takes inputs checks the run's width against the model.
 *
 * A training step reads:
 *
 *     ag_mark m = ag_tape_mark(t);                 // once, after the model
 *     for (step...) {
 *         ag_run x = ag_consts(t, batch_x, n_in);  // inputs as a run
 *         ag_run y = nn_mlp_forward(model, x);     // output run
 *         ag_node L = nn_loss(t, NN_LOSS_HALF_SE, y, target, NN_SUM);
 *         nn_zero_grad(model);
 *         ag_backward(t, L);
 *         nn_optim_step(opt, model);
 *         ag_tape_rewind(t, m);                    // no allocation once warm
 *     }
 *
 * Custom models: create a model, add layers (nn_dense_new) and raw parameter
 * tensors (nn_param_new), then write your own forward function calling
 * nn_dense_forward, nn_activate and any ag_* op (a residual connection is an
 * ag_add per output). Optimizers, save/load and the loop above work the same.
 *
 * Formulas. F1, F6, ... name the hand-derived formulas the tests check
 * against: docs/formulas.md.
 *
 * Errors: one convention for engine, nn and the language (ARCHITECTURE.md).
 * Calls that return a node or run follow the engine: AG_NULL / AG_NULL_RUN
 * and the first error recorded on the tape (ag_tape_status / ag_tape_error).
 * Calls that return a status record it on the tape too. File calls, which
 * have no tape to tell, fill an nn_error.
 */
#ifndef AGRAD_NN_H
#define AGRAD_NN_H

#include "autograd.h"
#include "nn_io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- random numbers -------------------------------------------------------
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * numbers on every platform and compiler (integer arithmetic only; doubles
 * from the top 53 bits; uniform initialisations use only exact operations
 * and sqrt, which IEEE 754 rounds correctly). */
typedef struct nn_rng {
    uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
double nn_rng_uniform(nn_rng *r);                   /* [0, 1)                  */
size_t nn_rng_below(nn_rng *r, size_t n);           /* 0..n-1, unbiased        */
/* Standard normal (polar method). Portable up to libm's log, which is not
 * correctly rounded everywhere; initialisations avoid it. */
double nn_rng_normal(nn_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void nn_rng_shuffle(nn_rng *r, size_t *idx, size_t n);

/* ---- activations ----------------------------------------------------------- */

typedef enum nn_act {
    NN_ACT_LINEAR,     /* a = z                                               */
    NN_ACT_SIGMOID,    /* F1: a = 1/(1+e^-z), a' = a(1-a)                     */
    NN_ACT_TANH,       /* F4: a' = 1 - a^2                                    */
    NN_ACT_RELU,       /* F2: relu'(0) = 0                                    */
    NN_ACT_LEAKY_RELU, /* F3: slope NN_LEAKY_SLOPE unless the layer says      */
    NN_ACT_SOFTMAX,    /* F5: s_i = e^z_i / sum_j e^z_j, max-shifted          */
    NN_ACT_COUNT
} nn_act;

#define NN_LEAKY_SLOPE 0.01

/* Apply `act` to the run x; the result is a run of x.n nodes. LINEAR
 * returns x itself; SOFTMAX is s_i = exp(z_i - logsumexp(z)) over the
 * whole run (F5). `slope` is used by LEAKY_RELU only. */
ag_run nn_activate(ag_tape *t, nn_act act, ag_run x, double slope);

/* ---- models and parameters ------------------------------------------------- */

typedef enum nn_init {
    NN_INIT_UNIFORM, /* U(-1, 1), as micrograd                                */
    NN_INIT_XAVIER,  /* Glorot: U(-r, r), r = sqrt(6 / (fan_in + fan_out))     */
    NN_INIT_HE,      /* Kaiming, uniform form: r = sqrt(6 / fan_in)           */
    NN_INIT_ZERO,
    NN_INIT_COUNT
} nn_init;

/* A dense layer: out = act(W x + b), W [n_out][n_in] row-major. */
typedef struct nn_layer {
    size_t n_in, n_out;
    nn_act act;
    double slope; /* leaky_relu's slope                                       */
    ag_run w;     /* n_out * n_in weights, row j from node j * n_in            */
    ag_run b;     /* n_out biases                                              */
} nn_layer;

/* A named parameter tensor: rank 1 [rows] or rank 2 [rows, cols]. */
typedef struct nn_param {
    const char *name;
    size_t rank, rows, cols;
    ag_run v;      /* its rows * cols variables                               */
} nn_param;

typedef struct nn_model nn_model;

/* An empty model whose parameters will live on tape t. */
nn_model *nn_model_new(ag_tape *t);
/* Frees the model's bookkeeping (its nodes stay on the tape). */
void nn_model_free(nn_model *m);
ag_tape *nn_model_tape(const nn_model *m);

/* Record a parameter tensor of rows x cols (cols = 0: rank 1 of rows)
 * variables, initialised with `init` (fan_in = cols, fan_out = rows) from
 * rng. Parameters of a model must be recorded one after another, as one
 * run: AG_EINVAL when anything else was recorded on the tape since the
 * model's last one, or when a rewind (even one that dropped nothing) lies
 * between it and the tape's end, since a run cannot cross a rewind
 * boundary. So: add every parameter before the first rewind or training
 * step. The name must be new in the model (AG_ENAME). A failed call leaves
 * the model as it was and the tape's nodes as they were. */
ag_status nn_param_new(nn_model *m, const char *name, size_t rows, size_t cols, nn_init init,
                       nn_rng *rng, nn_param *out);
/* The tensor named `name`, or NN_ENOTFOUND. */
ag_status nn_param_find(const nn_model *m, const char *name, nn_param *out);
/* The k-th tensor in creation order; NULL once k reaches their number, so
 * `for (k = 0; (p = nn_param_at(m, k)); k++)` visits them all. */
const nn_param *nn_param_at(const nn_model *m, size_t k);

/* The model's parameters as one run of variables (AG_NULL_RUN when none);
 * its n is the number of scalar parameters. Second order over them is the
 * engine's: ag_hvp(t, loss, nn_model_params(m), v, hv), ag_hessian; an L2
 * penalty sum p^2 is ag_dot(t, p, p, AG_NULL) of this run (or the
 * optimizers' weight_decay). */
ag_run nn_model_params(const nn_model *m);

/* Name every scalar parameter node after its tensor ("0.weight[1,0]",
 * "0.bias[2]") so traces and graphs show them. */
ag_status nn_model_name_nodes(nn_model *m);

/* Add a dense layer n_in -> n_out with activation act, its weight and bias
 * tensors named "<name>.weight" and "<name>.bias" (bias initialised to 0).
 * The layer is appended to the model's layer list (used by nn_mlp_forward). */
ag_status nn_dense_new(nn_model *m, const char *name, size_t n_in, size_t n_out, nn_act act,
                       nn_init init, nn_rng *rng, nn_layer *out);
/* One layer's forward over the input run x of n_in nodes (AG_EINVAL naming
 * both widths otherwise): its n_out outputs (pre-activations then
 * activations are each a run). */
ag_run nn_dense_forward(ag_tape *t, const nn_layer *l, ag_run x);

/* The k-th layer added (nn_dense_new, nn_mlp_build); NULL once k reaches
 * their number. */
const nn_layer *nn_layer_at(const nn_model *m, size_t k);

/* MLP(n_in, sizes[0..n_layers)) with acts[k] after layer k. Layers are
 * named as the Linear modules of PyTorch's nn.Sequential(Linear, act,
 * Linear, act, ...): "0", "2", "4"... (a linear layer has no activation
 * module, so the next index is one on). Every size and activation is
 * checked before anything is built; only running out of memory part way
 * can leave the first layers built. */
ag_status nn_mlp_build(nn_model *m, size_t n_in, const size_t *sizes, const nn_act *acts,
                       size_t n_layers, nn_init init, nn_rng *rng);
/* Every layer of the model in order from the input run x, which must be as
 * wide as the first layer's input (AG_EINVAL naming both widths); returns
 * the last layer's output run. */
ag_run nn_mlp_forward(nn_model *m, ag_run x);

/* Zero the gradients of every parameter (one memset). */
void nn_zero_grad(nn_model *m);

/* ---- losses -----------------------------------------------------------------
 * nn_loss(t, kind, a, y, r): the loss of prediction run a against target
 * run y, of equal width n (AG_EINVAL naming both widths otherwise; targets
 * are usually constants recorded with ag_consts, so replay can change
 * them). The loss node is reduced over the n terms by r: NN_SUM, or NN_MEAN
 * (times 1/n). NN_LOSS_SOFTMAX_CE is one example's loss over its n classes,
 * not n terms: r does not apply to it (SUM and MEAN give the same node).
 * A batch of examples' losses is reduced by the caller (F13 sums over the
 * batch): ag_apply(t, AG_OP_SUM, losses, B), times 1/B for the mean. */

typedef enum nn_reduce { NN_SUM, NN_MEAN } nn_reduce;

typedef enum nn_loss_kind {
    /* F6: 1/2 sum (y - a)^2; dL/da = a - y. */
    NN_LOSS_HALF_SE,
    /* F7: sum (y - a)^2; dL/da = 2(a - y). With NN_MEAN this is MSE. */
    NN_LOSS_SE,
    /* F14: -sum [y log p + (1 - y) log(1 - p)] on probabilities p = a, each
     * log clamped at -100 as PyTorch's BCELoss does, so that a confident
     * right answer (p rounded to exactly 1 or 0) gives 0, not 0 * log 0 = NaN. */
    NN_LOSS_BCE,
    /* BCE from logits z = a, stably: softplus(z) - y z; dL/dz = sigmoid(z) - y. */
    NN_LOSS_BCE_LOGITS,
    /* F17: softmax cross-entropy of one example from its n logits z = a and a
     * one-hot (or any probability) target run: logsumexp(z) - sum_c y_c z_c;
     * dL/dz = softmax(z) - y. */
    NN_LOSS_SOFTMAX_CE,
    /* max-margin: sum max(0, 1 - y s) on scores s = a (micrograd's moons
     * loss), y in {-1, 1}. */
    NN_LOSS_HINGE,
    NN_LOSS_COUNT
} nn_loss_kind;

ag_node nn_loss(ag_tape *t, nn_loss_kind kind, ag_run a, ag_run y, nn_reduce r);

/* ---- dropout (F19) ------------------------------------------------------------
 * Training: each input of the run x is kept with probability 1 - p and
 * scaled by 1/(1 - p) (inverted dropout), else zeroed; the mask is drawn
 * from rng and recorded as a run of constants. Evaluation (training false):
 * returns x itself. A replayed step (ag_forward) reuses the recorded mask;
 * draw a new one by writing the mask constants: ag_values of the run of
 * x.n nodes just before the returned run. */
ag_run nn_dropout(ag_tape *t, nn_rng *rng, ag_run x, double p, bool training);

/* ---- optimizers ---------------------------------------------------------------- */

typedef enum nn_optim_kind {
    NN_OPTIM_SGD,   /* F15: p -= lr g; with momentum mu: v = mu v + g, p -= lr v */
    NN_OPTIM_ADAM,  /* Adam; weight_decay adds wd p to g (L2, as PyTorch's Adam)  */
    NN_OPTIM_ADAMW, /* Adam with decoupled decay: p -= lr wd p                    */
    NN_OPTIM_COUNT
} nn_optim_kind;

typedef struct nn_optim_opts {
    nn_optim_kind kind;
    double lr;
    double momentum;      /* SGD                                               */
    double beta1, beta2;  /* Adam: 0.9 and 0.999 where 0 (each on its own)     */
    double eps;           /* Adam: 1e-8 when 0                                 */
    double weight_decay;  /* SGD and Adam: L2 added to g; AdamW: decoupled      */
} nn_optim_opts;

typedef struct nn_optim nn_optim;

/* An optimizer for model m's parameters (state sized to them). NULL when out
 * of memory or the options are invalid (the reason on m's tape). */
nn_optim *nn_optim_new(nn_model *m, const nn_optim_opts *opts);
void nn_optim_free(nn_optim *o);
/* One update of m's parameters from their gradients. AG_EINVAL when m is not
 * the model the optimizer was made for, or its parameter count changed. */
ag_status nn_optim_step(nn_optim *o, nn_model *m);
void nn_optim_set_lr(nn_optim *o, double lr);

/* Learning-rate schedules: lr at step k (0-based). */
typedef enum nn_sched_kind {
    NN_SCHED_CONSTANT, /* lr0                                                   */
    NN_SCHED_LINEAR,   /* lr0 + (lr_end - lr0) k / total  (k clamped to total)   */
    NN_SCHED_STEP,     /* lr0 * gamma^floor(k / step_size)                        */
    NN_SCHED_COUNT
} nn_sched_kind;

typedef struct nn_schedule {
    nn_sched_kind kind;
    double lr0, lr_end;
    size_t total;
    size_t step_size;
    double gamma;
} nn_schedule;

double nn_schedule_lr(const nn_schedule *s, size_t k);

/* Scale every gradient of m by max_norm / ||g|| when the global L2 norm
 * ||g|| exceeds max_norm; returns ||g|| before clipping. */
double nn_clip_grad_norm(nn_model *m, double max_norm);

/* ---- model files ------------------------------------------------------------------
 * safetensors, tensor names and shapes as nn_param (PyTorch's state_dict for
 * nn.Sequential MLPs). Loading validates the whole file first: a failed load
 * leaves every parameter as it was. */
ag_status nn_model_save(nn_model *m, const char *path, nn_error *err);
ag_status nn_model_load(nn_model *m, const char *path, nn_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_NN_H */
