/*
 * test_formulas_train.c: nn/'s training machinery against formulas written
 * out here: F15's gradient-descent step (bitwise), SGD with momentum, Adam
 * and AdamW (PyTorch's update rules) over several steps, learning-rate
 * schedules, gradient clipping by global norm, F16's saturated step, F19's
 * inverted dropout, the initialisations and the RNG (against an independent
 * xoshiro256** / splitmix64 checked on published test vectors), and misuse.
 */
#include "oracle.h"

#include <string.h>

/* A small model (3 -> 4 tanh -> 2 linear) with random parameters, and one
 * training example; step() records the F6 loss, backpropagates and copies
 * the parameters and gradients out before the optimizer runs. */
typedef struct train_case {
    ag_tape *t;
    nn_model *m;
    ag_mark mark;
    ag_node first;
    size_t n;
    double x[3], y[2];
} train_case;

static void train_begin(train_case *c, uint64_t seed)
{
    c->t = ag_tape_new(0);
    c->m = nn_model_new(c->t);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    size_t sizes[2] = {4, 2};
    nn_act acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(c->m, 3, sizes, acts, 2, NN_INIT_XAVIER, &rng), AG_OK);
    orc_rng r = {seed + 100};
    orc_randomise_params(c->m, &r, -1, 1);
    for (int k = 0; k < 3; k++)
        c->x[k] = orc_uniform(&r, -2, 2);
    c->y[0] = orc_uniform(&r, -1, 1);
    c->y[1] = orc_uniform(&r, -1, 1);
    c->first = ((c->n) = nn_model_params(c->m).n, nn_model_params(c->m).first);
    c->mark = ag_tape_mark(c->t);
}

/* One forward and backward; p and g receive the parameters and gradients
 * the optimizer is about to use. Returns the loss. */
static double train_grads(train_case *c, double *p, double *g)
{
    ag_tape *t = c->t;
    cr_assert_eq(ag_tape_rewind(t, c->mark), AG_OK);
    ag_run out = nn_mlp_forward(c->m, ag_consts(t, c->x, 3));
    ag_node L = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, c->y, 2), NN_SUM);
    nn_zero_grad(c->m);
    cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
    memcpy(p, ag_values(t, ag_run_of(c->first, c->n)), c->n * sizeof *p);
    memcpy(g, ag_grads(t, ag_run_of(c->first, c->n)), c->n * sizeof *g);
    return ag_value(t, L);
}

static void train_end(train_case *c)
{
    nn_model_free(c->m);
    ag_tape_free(c->t);
}

/* F15: w <- w - eta dL/dw, b <- b - eta dL/db: the same two roundings as
 * the formula, so bitwise equal. */
Test(formulas, F15_sgd_step_exact)
{
    size_t count = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        train_case c;
        train_begin(&c, seed);
        nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = 0.05 + 0.01 * (double)seed};
        nn_optim *opt = nn_optim_new(c.m, &o);
        cr_assert(opt);
        for (int step = 0; step < 3; step++) {
            double p[64], g[64];
            train_grads(&c, p, g);
            cr_assert_eq(nn_optim_step(opt, c.m), AG_OK);
            const double *q = ag_values(c.t, ag_run_of(c.first, c.n));
            for (size_t k = 0; k < c.n; k++, count++)
                cr_assert(q[k] == p[k] - o.lr * g[k], "seed %u step %d p[%zu]: %.17g, want %.17g", (unsigned)seed,
                          step, k, q[k], p[k] - o.lr * g[k]);
        }
        nn_optim_free(opt);
        train_end(&c);
    }
    cr_assert_gt(count, 0, "F15: no update compared");
    fprintf(stderr, "F15 max rel err 0 (bitwise) over %zu updates\n", count);
}

/* The reference optimizers, PyTorch's definitions (torch.optim):
 *   SGD:   d = g + wd p;  v = d (first step), v = mu v + d;  p = p - lr v
 *   Adam:  d = g + wd p;  m = b1 m + (1 - b1) d;  v = b2 v + (1 - b2) d^2;
 *          p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *   AdamW: p = p (1 - lr wd), then Adam's update with d = g. */
typedef struct ref_optim {
    nn_optim_kind kind;
    double lr, mu, wd, b1, b2, eps;
    double m[64], v[64];
    int t;
} ref_optim;

static void ref_step(ref_optim *o, double *p, const double *g, size_t n)
{
    o->t++;
    for (size_t k = 0; k < n; k++) {
        if (o->kind == NN_OPTIM_SGD) {
            double d = g[k] + o->wd * p[k];
            o->m[k] = o->t == 1 ? d : o->mu * o->m[k] + d;
            p[k] = p[k] - o->lr * o->m[k];
            continue;
        }
        double d = g[k];
        if (o->kind == NN_OPTIM_ADAMW)
            p[k] = p[k] * (1.0 - o->lr * o->wd);
        else
            d = d + o->wd * p[k];
        o->m[k] = o->b1 * o->m[k] + (1.0 - o->b1) * d;
        o->v[k] = o->b2 * o->v[k] + (1.0 - o->b2) * d * d;
        double mh = o->m[k] / (1.0 - pow(o->b1, o->t)), vh = o->v[k] / (1.0 - pow(o->b2, o->t));
        p[k] = p[k] - o->lr * mh / (sqrt(vh) + o->eps);
    }
}

/* Six steps of each optimizer on a model, the reference following its own
 * parameters from the same start and the engine's gradients. */
static void optim_case(nn_optim_opts o, ref_optim ref, orc_stat *st, uint64_t seed)
{
    train_case c;
    train_begin(&c, seed);
    nn_optim *opt = nn_optim_new(c.m, &o);
    cr_assert(opt, "%s", ag_tape_error(c.t));
    double mine[64], p[64], g[64];
    cr_assert(c.n <= 64);
    memcpy(mine, ag_values(c.t, ag_run_of(c.first, c.n)), c.n * sizeof *mine);
    for (int step = 0; step < 6; step++) {
        train_grads(&c, p, g);
        cr_assert_eq(nn_optim_step(opt, c.m), AG_OK);
        ref_step(&ref, mine, g, c.n);
        const double *q = ag_values(c.t, ag_run_of(c.first, c.n));
        for (size_t k = 0; k < c.n; k++)
            ORC_CHECK(st, q[k], mine[k], 0.0, "kind %d seed %u step %d p[%zu]", (int)o.kind, (unsigned)seed, step, k);
    }
    nn_optim_free(opt);
    train_end(&c);
}

Test(formulas, optim_momentum_adam_adamw)
{
    orc_stat sm = {.name = "SGD momentum"}, sa = {.name = "Adam"}, sw = {.name = "AdamW"};
    for (uint64_t seed = 0; seed < 8; seed++) {
        double wd = seed % 2 ? 0.01 : 0.0;
        optim_case((nn_optim_opts){.kind = NN_OPTIM_SGD, .lr = 0.1, .momentum = 0.9, .weight_decay = wd},
                   (ref_optim){.kind = NN_OPTIM_SGD, .lr = 0.1, .mu = 0.9, .wd = wd}, &sm, seed);
        /* zero betas and eps select PyTorch's defaults 0.9, 0.999, 1e-8 */
        optim_case((nn_optim_opts){.kind = NN_OPTIM_ADAM, .lr = 0.01, .weight_decay = wd},
                   (ref_optim){.kind = NN_OPTIM_ADAM, .lr = 0.01, .wd = wd, .b1 = 0.9, .b2 = 0.999, .eps = 1e-8},
                   &sa, seed);
        optim_case((nn_optim_opts){.kind = NN_OPTIM_ADAM, .lr = 0.02, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6},
                   (ref_optim){.kind = NN_OPTIM_ADAM, .lr = 0.02, .b1 = 0.8, .b2 = 0.99, .eps = 1e-6}, &sa, seed);
        optim_case((nn_optim_opts){.kind = NN_OPTIM_ADAMW, .lr = 0.01, .weight_decay = 0.1 + wd},
                   (ref_optim){.kind = NN_OPTIM_ADAMW, .lr = 0.01, .wd = 0.1 + wd, .b1 = 0.9, .b2 = 0.999, .eps = 1e-8},
                   &sw, seed);
    }
    orc_stat_print(&sm);
    orc_stat_print(&sa);
    orc_stat_print(&sw);
}

/* constant: lr0; linear: lr0 + (lr_end - lr0) min(k, total) / total;
 * step: lr0 gamma^floor(k / step_size), the power by repeated products. */
Test(formulas, schedules)
{
    orc_stat st = {.name = "schedules"};
    nn_schedule c = {.kind = NN_SCHED_CONSTANT, .lr0 = 0.3};
    nn_schedule l = {.kind = NN_SCHED_LINEAR, .lr0 = 0.1, .lr_end = 0.001, .total = 90};
    nn_schedule s = {.kind = NN_SCHED_STEP, .lr0 = 0.5, .step_size = 7, .gamma = 0.8};
    for (size_t k = 0; k < 200; k++) {
        ORC_CHECK(&st, nn_schedule_lr(&c, k), 0.3, 0.0, "constant at %zu", k);
        double kk = (double)(k < 90 ? k : 90);
        ORC_CHECK(&st, nn_schedule_lr(&l, k), 0.1 + (0.001 - 0.1) * kk / 90.0, 0.0, "linear at %zu", k);
        double want = 0.5;
        for (size_t j = 0; j < k / 7; j++)
            want *= 0.8;
        ORC_CHECK(&st, nn_schedule_lr(&s, k), want, 0.0, "step at %zu", k);
    }
    cr_assert_eq(nn_schedule_lr(&l, 0), 0.1);
    orc_stat_print(&st);
}

/* ||g|| = sqrt(sum g_k^2) over every parameter; above max_norm every g_k
 * becomes g_k max_norm / ||g||, otherwise nothing changes. */
Test(formulas, clip_grad_norm)
{
    orc_stat st = {.name = "clip"};
    for (uint64_t seed = 0; seed < 20; seed++) {
        train_case c;
        train_begin(&c, seed);
        double p[64], g[64], ss = 0.0;
        train_grads(&c, p, g);
        for (size_t k = 0; k < c.n; k++)
            ss += g[k] * g[k];
        double norm = sqrt(ss), max_norm = seed % 2 ? 2.0 * norm : 0.25 * norm;
        ORC_CHECK(&st, nn_clip_grad_norm(c.m, max_norm), norm, 0.0, "seed %u norm", (unsigned)seed);
        const double *q = ag_grads(c.t, ag_run_of(c.first, c.n));
        double ss2 = 0.0;
        for (size_t k = 0; k < c.n; k++) {
            if (norm <= max_norm)
                cr_assert_eq(q[k], g[k], "unclipped gradients must not change");
            else
                ORC_CHECK(&st, q[k], g[k] * max_norm / norm, 0.0, "seed %u g[%zu]", (unsigned)seed, k);
            ss2 += q[k] * q[k];
        }
        ORC_CHECK(&st, sqrt(ss2), fmin(norm, max_norm), 0.0, "seed %u norm after", (unsigned)seed);
        train_end(&c);
    }
    orc_stat_print(&st);
}

/* F16, training half: a neuron with x = 1, w = z, b = 0 and C = 1/2 (a - y)^2
 * saturated at |z| >= 30 (y the far class) has |dC/dw| = |a - y| sigma'(z)
 * < e^-30 < 1e-12, and an SGD step leaves C unchanged to 1e-12; a ReLU
 * neuron at the same positive z has dC/dw = (z - y) z and its step moves C. */
static double neuron_step(nn_act act, double z, double y, double *grad)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_layer ly;
    cr_assert_eq(nn_dense_new(m, "0", 1, 1, act, NN_INIT_ZERO, NULL, &ly), AG_OK);
    *ag_values(t, ly.w) = z;
    nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = 0.001};
    nn_optim *opt = nn_optim_new(m, &o);
    ag_mark mk = ag_tape_mark(t);
    double L[2];
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(ag_tape_rewind(t, mk), AG_OK);
        ag_run out = nn_dense_forward(t, &ly, ag_consts(t, (const double[]){1.0}, 1));
        ag_node C = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, &y, 1), NN_SUM);
        nn_zero_grad(m);
        cr_assert_eq(ag_backward(t, C), AG_OK);
        L[k] = ag_value(t, C);
        if (k == 0) {
            *grad = fmax(fabs(ag_grad(t, ly.w.first)), fabs(ag_grad(t, ly.b.first)));
            cr_assert_eq(nn_optim_step(opt, m), AG_OK);
        }
    }
    nn_optim_free(opt);
    nn_model_free(m);
    ag_tape_free(t);
    return L[1] - L[0];
}

Test(formulas, F16_saturated_step_changes_nothing)
{
    static const double zs[] = {30.0, 40.0, 100.0, -30.0, -45.0};
    for (size_t k = 0; k < 5; k++) {
        double g, dL = neuron_step(NN_ACT_SIGMOID, zs[k], zs[k] > 0 ? 0.0 : 1.0, &g);
        cr_assert(g < 1e-12, "sigmoid at z = %g: gradient %g", zs[k], g);
        cr_assert(fabs(dL) < 1e-12, "sigmoid at z = %g: the step changed the loss by %g", zs[k], dL);
        fprintf(stderr, "F16 z = %g: max |grad| %.1e, loss change %.1e\n", zs[k], g, dL);
        if (zs[k] > 0) {
            /* relu: dC/dw = (z - 0) * 1 * x = z and dC/db = z, so w -> z - 0.001 z,
             * b -> -0.001 z, the new z is 0.998 z and C = z^2/2 becomes
             * (0.998 z)^2/2: a change of about -0.002 z^2 */
            dL = neuron_step(NN_ACT_RELU, zs[k], 0.0, &g);
            cr_assert_eq(g, zs[k]);
            double want = 0.5 * (0.998 * zs[k]) * (0.998 * zs[k]) - 0.5 * zs[k] * zs[k];
            cr_assert(fabs(dL - want) <= 1e-9 * fabs(want), "relu at z = %g: loss change %g, want %g", zs[k], dL, want);
        }
    }
}

/* ---- F19: inverted dropout ------------------------------------------------ */

Test(formulas, F19_dropout)
{
    enum { N = 100000 };
    static double x[N];
    orc_rng r = {19};
    for (size_t k = 0; k < N; k++)
        x[k] = orc_uniform(&r, 0.5, 1.5); /* nonzero: a dropped unit reads 0 */
    static const double ps[] = {0.1, 0.5, 0.8};
    for (size_t q = 0; q < 3; q++) {
        double p = ps[q], keep = 1.0 / (1.0 - p);
        ag_tape *t = ag_tape_new(0);
        ag_node xs = ag_vars(t, x, N).first;
        nn_rng rng;
        nn_rng_seed(&rng, 7 + q);
        /* evaluation, and p = 0: the input itself */
        ag_node ev = nn_dropout(t, &rng, ag_run_of(xs, N), p, false).first, ev0 = nn_dropout(t, &rng, ag_run_of(xs, N), 0.0, true).first;
        cr_assert(ev.idx == xs.idx && ev.gen == xs.gen && ev0.idx == xs.idx);
        ag_node out = nn_dropout(t, &rng, ag_run_of(xs, N), p, true).first;
        cr_assert(!ag_is_null(out), "%s", ag_tape_error(t));
        cr_assert_eq(ag_backward(t, ag_sum(t, ag_run_of(out, N))), AG_OK);
        const double *v = ag_values(t, ag_run_of(out, N)), *g = ag_grads(t, ag_run_of(xs, N));
        size_t kept = 0;
        orc_stat st = {.name = "F19 kept value / gradient"};
        for (size_t k = 0; k < N; k++) {
            if (v[k] == 0.0) {
                cr_assert_eq(g[k], 0.0, "a dropped unit must pass no gradient");
                continue;
            }
            kept++;
            ORC_CHECK(&st, v[k], x[k] / (1.0 - p), 0.0, "p %g unit %zu", p, k);
            ORC_CHECK(&st, g[k], keep, 0.0, "p %g unit %zu gradient", p, k);
        }
        /* Hoeffding: P(|kept/N - (1 - p)| >= e) <= 2 exp(-2 N e^2); with
         * e = sqrt(ln(2 / 1e-9) / (2 N)) a correct dropout fails this with
         * probability below 1e-9 (e = 0.0103 for N = 100000) */
        double e = sqrt(log(2.0 / 1e-9) / (2.0 * N)), frac = (double)kept / N;
        cr_assert(fabs(frac - (1.0 - p)) <= e, "p %g: kept fraction %g, want %g +- %g", p, frac, 1.0 - p, e);
        fprintf(stderr, "F19 p = %g: kept %.4f (1 - p = %.4f, bound +-%.4f)\n", p, frac, 1.0 - p, e);
        orc_stat_print(&st);

        /* same seed, same mask; another seed, another mask */
        nn_rng r1, r2, r3;
        nn_rng_seed(&r1, 99);
        nn_rng_seed(&r2, 99);
        nn_rng_seed(&r3, 100);
        ag_node o1 = nn_dropout(t, &r1, ag_run_of(xs, N), p, true).first, o2 = nn_dropout(t, &r2, ag_run_of(xs, N), p, true).first;
        ag_node o3 = nn_dropout(t, &r3, ag_run_of(xs, N), p, true).first;
        const double *v1 = ag_values(t, ag_run_of(o1, N)), *v2 = ag_values(t, ag_run_of(o2, N)), *v3 = ag_values(t, ag_run_of(o3, N));
        cr_assert(memcmp(v1, v2, N * sizeof *v1) == 0, "same seed, different mask");
        cr_assert(memcmp(v1, v3, N * sizeof *v1) != 0, "another seed, the same mask");
        ag_tape_free(t);
    }
    ag_tape *t = ag_tape_new(0);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    cr_assert(ag_is_null(nn_dropout(t, &rng, ag_run_of(ag_var(t, 1.0), 1), 1.0, true).first));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
    ag_tape_free(t);
}

/* ---- RNG and initialisation ----------------------------------------------------- */

/* splitmix64 and xoshiro256** written from their published descriptions
 * (Vigna): splitmix64 adds the golden-ratio increment and mixes with two
 * xor-shift-multiply rounds; xoshiro256** outputs rotl(s1 * 5, 7) * 9 and
 * advances by the xor/shift/rotate recurrence. */
static uint64_t ind_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t ind_rotl(uint64_t v, unsigned k) { return (v << k) | (v >> (64 - k)); }

static uint64_t ind_xoshiro(uint64_t s[4])
{
    uint64_t out = ind_rotl(s[1] * 5, 7) * 9, sh = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= sh;
    s[3] = ind_rotl(s[3], 45);
    return out;
}

/* nn's raw 64-bit draw through the public API: nn_rng_below(r, 2^64 - 1)
 * rejects only the draw 2^64 - 1 and returns every other draw x as
 * x mod (2^64 - 1) = x (none of the draws below is 2^64 - 1: a rejection
 * would shift the stream and fail the comparison) */
static uint64_t raw_draw(nn_rng *r)
{
    _Static_assert(SIZE_MAX == UINT64_MAX, "a 64-bit size_t");
    return (uint64_t)nn_rng_below(r, SIZE_MAX);
}

Test(formulas, rng_matches_independent_xoshiro)
{
    /* the independent implementation on published test vectors: splitmix64
     * from 1234567, and xoshiro256** from the state {1, 2, 3, 4} */
    uint64_t x = 1234567;
    static const uint64_t sm[] = {6457827717110365317u, 3203168211198807973u, 9817491932198370423u,
                                  4593380528125082431u, 16408922859458223821u};
    for (int k = 0; k < 5; k++)
        cr_assert_eq(ind_splitmix(&x), sm[k]);
    uint64_t s[4] = {1, 2, 3, 4};
    static const uint64_t xo[] = {11520u, 0u, 1509978240u, 1215971899390074240u};
    for (int k = 0; k < 4; k++)
        cr_assert_eq(ind_xoshiro(s), xo[k]);
    nn_rng nr = {{1, 2, 3, 4}};
    for (int k = 0; k < 4; k++)
        cr_assert_eq(raw_draw(&nr), xo[k]);

    /* nn's seeding (four splitmix64 words) and stream, and its doubles:
     * the top 53 bits times 2^-53 */
    for (uint64_t seed = 0; seed < 50; seed++) {
        uint64_t sx = seed, st[4];
        for (int k = 0; k < 4; k++)
            st[k] = ind_splitmix(&sx);
        nn_rng a;
        nn_rng_seed(&a, seed);
        for (int k = 0; k < 100; k++)
            cr_assert_eq(raw_draw(&a), ind_xoshiro(st), "seed %u draw %d", (unsigned)seed, k);
        for (int k = 0; k < 100; k++)
            cr_assert_eq(nn_rng_uniform(&a), (double)(ind_xoshiro(st) >> 11) * 0x1.0p-53);
    }
}

/* U(-1, 1) (weights = -1 + 2 u from the independent stream, bitwise),
 * Xavier r = sqrt(6 / (in + out)) and He r = sqrt(6 / in): every |w| <= r
 * and, over 1200 draws, the largest beyond 0.98 r (a correct init misses
 * that with probability 0.98^1200 < 1e-10); zero; biases start at 0; the
 * same seed gives the same weights. */
Test(formulas, init_ranges_and_determinism)
{
    static const nn_init inits[] = {NN_INIT_UNIFORM, NN_INIT_XAVIER, NN_INIT_HE, NN_INIT_ZERO};
    const double rs[] = {1.0, sqrt(6.0 / (30.0 + 40.0)), sqrt(6.0 / 30.0), 0.0};
    for (size_t q = 0; q < 4; q++) {
        double *w[2];
        ag_tape *t[2];
        nn_model *m[2];
        for (int rep = 0; rep < 2; rep++) {
            t[rep] = ag_tape_new(0);
            m[rep] = nn_model_new(t[rep]);
            nn_rng rng;
            nn_rng_seed(&rng, 5);
            nn_layer ly;
            cr_assert_eq(nn_dense_new(m[rep], "0", 30, 40, NN_ACT_RELU, inits[q], &rng, &ly), AG_OK);
            w[rep] = ag_values(t[rep], ly.w);
            const double *b = ag_values(t[rep], ly.b);
            for (size_t k = 0; k < 40; k++)
                cr_assert_eq(b[k], 0.0);
        }
        cr_assert(memcmp(w[0], w[1], 1200 * sizeof(double)) == 0, "init %d: same seed, other weights", (int)q);
        double big = 0.0;
        uint64_t sx = 5, st[4];
        for (int k = 0; k < 4; k++)
            st[k] = ind_splitmix(&sx);
        for (size_t k = 0; k < 1200; k++) {
            cr_assert(fabs(w[0][k]) <= rs[q], "init %d: |w| = %g > %g", (int)q, fabs(w[0][k]), rs[q]);
            big = fmax(big, fabs(w[0][k]));
            double u = (double)(ind_xoshiro(st) >> 11) * 0x1.0p-53;
            if (inits[q] == NN_INIT_UNIFORM)
                cr_assert_eq(w[0][k], -1.0 + 2.0 * u);
        }
        if (inits[q] == NN_INIT_ZERO)
            cr_assert_eq(big, 0.0);
        else
            cr_assert(big >= 0.98 * rs[q], "init %d: largest |w| %g of r = %g", (int)q, big, rs[q]);
        for (int rep = 0; rep < 2; rep++) {
            nn_model_free(m[rep]);
            ag_tape_free(t[rep]);
        }
    }
}

/* ---- misuse ------------------------------------------------------------------------ */

/* the model's tensors, counted through nn_param_at */
static size_t tensor_count(const nn_model *m)
{
    size_t n = 0;
    while (nn_param_at(m, n))
        n++;
    return n;
}

Test(formulas, misuse_optimizer_and_param_order)
{
    train_case a, b;
    train_begin(&a, 1);
    train_begin(&b, 2);
    nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = 0.1};
    nn_optim *opt = nn_optim_new(a.m, &o);
    cr_assert(opt);
    double before[64];
    memcpy(before, ag_values(b.t, ag_run_of(b.first, b.n)), b.n * sizeof *before);
    cr_assert_eq(nn_optim_step(opt, b.m), AG_EINVAL);
    cr_assert_eq(ag_tape_status(b.t), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(b.t), "nn_optim_step"), "message: %s", ag_tape_error(b.t));
    cr_assert(memcmp(before, ag_values(b.t, ag_run_of(b.first, b.n)), b.n * sizeof *before) == 0);
    nn_optim_free(opt);

    /* a parameter after something else was recorded: refused, model unchanged
     * (train_begin marked the tape after the model: record a node first) */
    size_t count = tensor_count(a.m), size = nn_model_params(a.m).n;
    ag_const(a.t, 1.0);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    nn_param p;
    cr_assert_eq(nn_param_new(a.m, "extra", 2, 2, NN_INIT_UNIFORM, &rng, &p), AG_EINVAL);
    cr_assert_eq(ag_tape_status(a.t), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(a.t), "nn_param_new"), "message: %s", ag_tape_error(a.t));
    cr_assert_eq(tensor_count(a.m), count);
    cr_assert_eq(nn_model_params(a.m).n, size);
    train_end(&a);
    train_end(&b);
}
