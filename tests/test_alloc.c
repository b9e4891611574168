/*
 * test_alloc.c: allocation-failure injection. A test allocator installed
 * with ag_set_allocator fails the k-th allocation request; each workload is
 * run for k = 1, 2, ... until it completes without reaching the failure.
 *
 * For every k the test checks that (1) the failure comes back as a status
 * (AG_ENOMEM, or the documented code), never a crash (the suite also runs
 * under ASan/UBSan), (2) nothing leaks: the allocator counts live blocks and
 * the count is 0 once everything is freed, and (3) the object that saw the
 * failure stays usable: with allocation restored, the same workload on the
 * same tape / model / file gives the closed-form result.
 *
 * Workloads: tape (record, names, anomaly mode, backward, stepper), nn
 * (model build, forward, loss, Adam step), model save and load, CSV parse,
 * the language (lg_parse, lg_eval) as the command line uses it and the whole agrad command in-process.
 */
#include "autograd.h"
#include "op_fns.h"
#include "../tools/cli.h"
#include "lang.h"
#include "nn.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the failing allocator ------------------------------------------------- */

typedef struct fa_state {
    long calls;   /* allocation requests (n > 0) seen so far               */
    long fail_at; /* the request to refuse (1-based); 0: never             */
    long live;    /* blocks handed out minus blocks freed                  */
    bool failed;  /* the refusal happened                                  */
    bool absorbed; /* the workload checked it was a documented best-effort
                      allocation whose failure the call may absorb       */
} fa_state;

static void *fa_realloc(void *ctx, void *p, size_t n)
{
    fa_state *s = ctx;
    if (n == 0) {
        if (p) {
            free(p);
            s->live--;
        }
        return NULL;
    }
    s->calls++;
    if (s->fail_at != 0 && s->calls == s->fail_at) {
        s->failed = true;
        return NULL; /* realloc semantics: p is untouched and still owned */
    }
    void *q = realloc(p, n);
    if (q && !p)
        s->live++;
    return q;
}

/* Restore allocation (the "after the failure" half of a workload). */
static void fa_heal(fa_state *s) { s->fail_at = 0; }

typedef ag_status (*workload_fn)(fa_state *s);

/* Run w with the k-th allocation failing for k = 1, 2, ... until it runs
 * clean. Each run must report `want` when the failure hit (AG_OK when it
 * recovered internally by retrying), and leak nothing. Returns the number of
 * allocation requests of the clean run. */
static long drive(const char *what, workload_fn w, ag_status want)
{
    for (long k = 1;; k++) {
        cr_assert_lt(k, 100000, "%s: runaway", what);
        fa_state s = {.fail_at = k};
        ag_set_allocator(fa_realloc, &s);
        ag_status st = w(&s);
        ag_set_allocator(NULL, NULL);
        cr_assert_eq(s.live, 0, "%s: failing allocation %ld: %ld blocks leaked", what, k, s.live);
        if (!s.failed) {
            cr_assert_eq(st, AG_OK, "%s: clean run gave %s", what, ag_status_str(st));
            cr_assert_gt(k, 1, "%s: the workload allocated nothing", what);
            return s.calls;
        }
        if (s.absorbed && st == AG_OK)
            continue;
        cr_assert_eq(st, want, "%s: failing allocation %ld gave %s, want %s", what, k,
                     ag_status_str(st), ag_status_str(want));
    }
}

static bool near(double a, double b) { return fabs(a - b) <= 1e-12 * (1.0 + fabs(b)); }

/* ---- tape: record, names, anomaly, backward, stepper ----------------------- */

#define TW_N 300

/* y = sum_k sigmoid(w x_k + b) over TW_N inputs x_k = k/100 - 1, recorded
 * with names and anomaly mode, differentiated by backward and by the
 * stepper. AG_OK with the closed-form gradients checked, or the first
 * failure's status (the tape then holds a partial recording). */
static ag_status tape_round(ag_tape *t)
{
    ag_status s;
    if ((s = ag_anomaly_enable(t, true)) != AG_OK)
        return s;
    ag_node w = ag_var(t, 0.5), b = ag_var(t, -0.25);
    if ((s = ag_name_set(t, w, "w")) != AG_OK || (s = ag_name_set(t, b, "b")) != AG_OK)
        return s;
    ag_node terms[TW_N];
    for (int k = 0; k < TW_N; k++) {
        AG_HERE(t);
        ag_node x = ag_const(t, k / 100.0 - 1.0);
        terms[k] = ag_unary(t, AG_OP_SIGMOID, ag_add(t, ag_mul(t, w, x), b));
        if (k % 7 == 0) {
            char name[32];
            snprintf(name, sizeof name, "s%d", k);
            if ((s = ag_name_set(t, terms[k], name)) != AG_OK)
                return s;
        }
    }
    ag_node y = ag_apply(t, AG_OP_SUM, terms, TW_N);
    if ((s = ag_tape_status(t)) != AG_OK)
        return s;
    /* F1: d sigmoid(z)/dz = s (1 - s); dz/dw = x, dz/db = 1 */
    double gw = 0.0, gb = 0.0;
    for (int k = 0; k < TW_N; k++) {
        double x = k / 100.0 - 1.0, sk = 1.0 / (1.0 + exp(-(0.5 * x - 0.25)));
        gw += sk * (1.0 - sk) * x;
        gb += sk * (1.0 - sk);
    }
    ag_zero_grad(t);
    if ((s = ag_backward(t, y)) != AG_OK)
        return s;
    cr_assert(near(ag_grad(t, w), gw), "backward dw %.17g, want %.17g", ag_grad(t, w), gw);
    cr_assert(near(ag_grad(t, b), gb));
    /* the same sweep through the stepper */
    ag_zero_grad(t);
    ag_stepper *st = ag_stepper_new(t, y);
    if (!st)
        return ag_tape_status(t);
    ag_stepper_step step;
    size_t steps = 0;
    while (ag_stepper_next(st, &step))
        steps++;
    ag_stepper_free(st);
    if ((s = ag_tape_status(t)) != AG_OK)
        return s;
    /* non-leaf nodes y depends on: y, and sigmoid, add, mul for each term */
    cr_assert_eq(steps, 1 + 3 * TW_N);
    cr_assert(near(ag_grad(t, w), gw) && near(ag_grad(t, b), gb));
    cr_assert_eq(ag_name_find(t, "s7").idx, terms[7].idx);
    return AG_OK;
}

/* A round on a tiny fresh tape, so that it grows every array. When an
 * injected failure stops it, the tape is rewound and the same round retried
 * on it, which must then succeed. `on_tape`: the failure must be recorded on
 * the tape and name the call (engine calls; the language reports through
 * its ag_error instead). */
static ag_status round_and_retry(fa_state *fs, ag_status (*one_round)(ag_tape *), bool on_tape)
{
    ag_tape *t = ag_tape_new(4);
    if (!t)
        return AG_ENOMEM;
    size_t len0 = ag_tape_len(t);
    ag_mark m = ag_tape_mark(t);
    ag_status first = one_round(t);
    if (first != AG_OK) {
        if (on_tape) {
            cr_assert_eq(ag_tape_status(t), first);
            cr_assert(strlen(ag_tape_error(t)) > 0);
        }
        fa_heal(fs);
        ag_tape_clear_error(t);
        cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
        cr_assert_eq(ag_tape_len(t), len0);
        cr_assert_eq(one_round(t), AG_OK, "retry on the same tape: %s", ag_tape_error(t));
    }
    ag_tape_free(t);
    return first;
}

static ag_status wl_tape(fa_state *fs) { return round_and_retry(fs, tape_round, true); }

Test(alloc, tape_record_names_anomaly_backward_stepper)
{
    long n = drive("tape", wl_tape, AG_ENOMEM);
    cr_assert_gt(n, 10); /* growth of four arrays, names, edges... */
}

/* A failed growth leaves the tape exactly as it was. */
static ag_status wl_growth(fa_state *fs)
{
    ag_tape *t = ag_tape_new(2);
    if (!t)
        return AG_ENOMEM;
    ag_node a = ag_var(t, 3.0), b = ag_var(t, 4.0);
    ag_status first = AG_OK;
    ag_node c = ag_mul(t, a, b); /* needs the third slot: growth */
    if (ag_is_null(c)) {
        first = ag_tape_status(t);
        cr_assert_eq(ag_tape_len(t), 2);
        cr_assert(strstr(ag_tape_error(t), "ag_mul"), "%s", ag_tape_error(t));
        cr_assert_eq(ag_value(t, a), 3.0);
        fa_heal(fs);
        ag_tape_clear_error(t);
        c = ag_mul(t, a, b);
    }
    cr_assert_eq(ag_value(t, c), 12.0);
    cr_assert_eq(ag_backward(t, c), AG_OK);
    cr_assert_eq(ag_grad(t, a), 4.0);
    ag_tape_free(t);
    return first;
}

Test(alloc, failed_growth_changes_nothing)
{
    drive("growth", wl_growth, AG_ENOMEM);
}

/* ---- nn: build, forward, loss, Adam ---------------------------------------- */

/* MLP 2 -> 3 (sigmoid) -> 1 (linear), zero-initialised. At x = (1, 2),
 * target 3: h_j = sigmoid(0) = 1/2, z = 0, L = 1/2 (z - 3)^2 = 4.5 (F6);
 * dL/dz = -3, dL/dW2_j = -3 h_j = -1.5, dL/db2 = -3, and dL/dh_j =
 * W2_j (-3) = 0, so layer 0's gradients are 0. Adam's first step moves each
 * parameter by -lr g / (|g| + eps) (m-hat = g, v-hat = g^2), 0 when g = 0. */
static ag_status nn_round(nn_model *m, nn_optim *o, ag_mark mk)
{
    ag_tape *t = nn_model_tape(m);
    ag_status s;
    ag_run x = ag_consts(t, (const double[]){1.0, 2.0}, 2);
    ag_run y = ag_consts(t, (const double[]){3.0}, 1);
    ag_run out = nn_mlp_forward(m, x);
    ag_node L = nn_loss(t, NN_LOSS_HALF_SE, out, y, NN_SUM);
    if ((s = ag_tape_status(t)) != AG_OK)
        return s;
    cr_assert_eq(ag_value(t, L), 4.5);
    nn_zero_grad(m);
    if ((s = ag_backward(t, L)) != AG_OK || (s = nn_optim_step(o, m)) != AG_OK)
        return s;
    nn_param w2, b2, w1;
    cr_assert_eq(nn_param_find(m, "2.weight", &w2), AG_OK);
    cr_assert_eq(nn_param_find(m, "2.bias", &b2), AG_OK);
    cr_assert_eq(nn_param_find(m, "0.weight", &w1), AG_OK);
    double lr = 0.1, step_w = lr * 1.5 / (1.5 + 1e-8), step_b = lr * 3.0 / (3.0 + 1e-8);
    for (size_t j = 0; j < 3; j++)
        cr_assert(near(ag_value(t, ag_at(t, w2.v, j)), step_w));
    cr_assert(near(ag_value(t, b2.v.first), step_b));
    cr_assert_eq(ag_value(t, ag_at(t, w1.v, 5)), 0.0);
    return ag_tape_rewind(t, mk);
}

/* Set every parameter back to 0 (the state before a round). */
static void nn_reset(nn_model *m)
{
    size_t n;
    ag_node p = ((n) = nn_model_params(m).n, nn_model_params(m).first);
    double *v = ag_values(nn_model_tape(m), ag_run_of(p, n));
    cr_assert_not_null(v);
    memset(v, 0, n * sizeof *v);
}

static ag_status wl_nn(fa_state *fs)
{
    ag_status first = AG_OK, s;
    ag_tape *t = ag_tape_new(8);
    if (!t)
        return AG_ENOMEM;
    nn_model *m = nn_model_new(t);
    nn_optim *o = NULL;
    if (!m) {
        ag_tape_free(t);
        return AG_ENOMEM;
    }
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    const size_t sizes[] = {3, 1};
    const nn_act acts[] = {NN_ACT_SIGMOID, NN_ACT_LINEAR};
    s = nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_ZERO, &rng);
    if (s == AG_OK)
        s = nn_model_name_nodes(m);
    if (s != AG_OK) {
        /* a half-built model cannot take the same layers again: it must
         * still free cleanly (checked by the leak count) */
        cr_assert_eq(ag_tape_status(t), s);
        nn_model_free(m);
        ag_tape_free(t);
        return s;
    }
    nn_optim_opts opts = {.kind = NN_OPTIM_ADAM, .lr = 0.1};
    o = nn_optim_new(m, &opts);
    if (!o) {
        first = ag_tape_status(t);
        fa_heal(fs);
        ag_tape_clear_error(t);
        o = nn_optim_new(m, &opts);
        cr_assert_not_null(o);
    }
    ag_mark mk = ag_tape_mark(t);
    s = nn_round(m, o, mk);
    if (s != AG_OK) {
        if (first == AG_OK)
            first = s;
        fa_heal(fs);
        ag_tape_clear_error(t);
        cr_assert_eq(ag_tape_rewind(t, mk), AG_OK);
        nn_reset(m);
        /* a fresh optimizer: the failed round may have stepped this one */
        nn_optim_free(o);
        o = nn_optim_new(m, &opts);
        cr_assert_eq(nn_round(m, o, mk), AG_OK, "retry: %s", ag_tape_error(t));
    }
    nn_optim_free(o);
    nn_model_free(m);
    ag_tape_free(t);
    return first;
}

Test(alloc, nn_build_forward_loss_adam)
{
    drive("nn", wl_nn, AG_ENOMEM);
}

/* ---- model files, CSV ------------------------------------------------------- */

static char st_path[64];

/* A 2 -> 2 linear layer whose 6 parameters are 1..6. */
static nn_model *small_model(ag_tape *t)
{
    nn_model *m = nn_model_new(t);
    cr_assert_not_null(m);
    nn_rng rng;
    nn_rng_seed(&rng, 2);
    cr_assert_eq(nn_dense_new(m, "0", 2, 2, NN_ACT_LINEAR, NN_INIT_ZERO, &rng, NULL), AG_OK);
    size_t n;
    double *v = ag_values(t, ag_run_of(((n) = nn_model_params(m).n, nn_model_params(m).first), 6));
    cr_assert_eq(n, 6);
    for (size_t k = 0; k < n; k++)
        v[k] = (double)(k + 1);
    return m;
}

/* Save the model, zero it, load it back: the values are 1..6 again. A
 * failed save or load is retried with allocation restored; a failed load
 * must leave the zeros in place. The model is built before the allocator
 * is installed (drive counts from the save on). */
static ag_tape *io_tape;
static nn_model *io_model;

static ag_status wl_save_load(fa_state *fs)
{
    nn_error err;
    ag_status first = AG_OK;
    size_t n;
    ag_node p0 = ((n) = nn_model_params(io_model).n, nn_model_params(io_model).first);
    double *v = ag_values(io_tape, ag_run_of(p0, n));
    for (size_t k = 0; k < n; k++)
        v[k] = (double)(k + 1);
    unlink(st_path);
    ag_status s = nn_model_save(io_model, st_path, &err);
    if (s == AG_OK && fs->failed) {
        /* Documented best effort: after the rename, the save fsyncs the
         * directory, and a failure to allocate its path only skips that.
         * It is the save's last allocation; any other must be reported. */
        cr_assert_eq(fs->calls, fs->fail_at, "a save absorbed failing allocation %ld of %ld",
                     fs->fail_at, fs->calls);
        fs->absorbed = true;
    }
    if (s != AG_OK) {
        first = s;
        cr_assert_eq(err.status, s);
        cr_assert(strstr(err.message, "memory"), "%s", err.message);
        cr_assert_eq(access(st_path, F_OK), -1, "a failed save left %s behind", st_path);
        fa_heal(fs);
        cr_assert_eq(nn_model_save(io_model, st_path, &err), AG_OK, "%s", err.message);
    }
    memset(v, 0, n * sizeof *v);
    s = nn_model_load(io_model, st_path, &err);
    if (s != AG_OK) {
        if (first == AG_OK)
            first = s;
        cr_assert(strstr(err.message, "memory"), "%s", err.message);
        for (size_t k = 0; k < n; k++)
            cr_assert_eq(v[k], 0.0, "a failed load wrote parameter %zu", k);
        fa_heal(fs);
        cr_assert_eq(nn_model_load(io_model, st_path, &err), AG_OK, "%s", err.message);
    }
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(v[k], (double)(k + 1));
    return first;
}

Test(alloc, model_save_and_load)
{
    snprintf(st_path, sizeof st_path, "/tmp/agrad_alloc_%ld.safetensors", (long)getpid());
    io_tape = ag_tape_new(0);
    io_model = small_model(io_tape);
    drive("save/load", wl_save_load, AG_ENOMEM);
    nn_model_free(io_model);
    ag_tape_free(io_tape);
    unlink(st_path);
}

static const char csv_text[] = "x1, x2,label\n"
                               "1.5,-2,0\n"
                               "0.25,4e2,1\r\n"
                               "3,5,1\n";

static ag_status wl_csv(fa_state *fs)
{
    nn_dataset d;
    nn_error err;
    nn_csv_opts opts = {.label_col = -1, .header = -1};
    ag_status first = nn_csv_parse(csv_text, sizeof csv_text - 1, "mem.csv", &opts, &d, &err);
    if (first != AG_OK) {
        /* documented: on failure d is zeroed with nothing allocated */
        cr_assert(d.x == NULL && d.y == NULL && d.feature_names == NULL && d.rows == 0);
        cr_assert(strstr(err.message, "mem.csv"), "%s", err.message);
        fa_heal(fs);
        cr_assert_eq(nn_csv_parse(csv_text, sizeof csv_text - 1, "mem.csv", &opts, &d, &err), AG_OK);
    }
    cr_assert_eq(d.rows, 3);
    cr_assert_eq(d.cols, 2);
    cr_assert_eq(d.x[3], 400.0);
    cr_assert_eq(d.y[1], 1.0);
    cr_assert_str_eq(d.feature_names[1], "x2");
    nn_dataset_free(&d);
    return first;
}

Test(alloc, csv_parse)
{
    drive("csv", wl_csv, AG_ENOMEM);
}

/* Regression: header detection parsed the first line quietly and took a
 * failed allocation for "not a number", so a header-less file lost its first
 * row to a made-up header instead of reporting AG_ENOMEM. */
static const char csv_plain[] = "1.5,-2,0\n0.25,400,1\n";

static ag_status wl_csv_plain(fa_state *fs)
{
    nn_dataset d;
    nn_error err;
    nn_csv_opts opts = {.label_col = -1, .header = -1};
    ag_status first = nn_csv_parse(csv_plain, sizeof csv_plain - 1, "plain.csv", &opts, &d, &err);
    if (first != AG_OK) {
        cr_assert(d.x == NULL && d.rows == 0);
        fa_heal(fs);
        cr_assert_eq(nn_csv_parse(csv_plain, sizeof csv_plain - 1, "plain.csv", &opts, &d, &err), AG_OK);
    }
    cr_assert_eq(d.rows, 2, "%zu rows", d.rows);
    cr_assert_null(d.feature_names);
    cr_assert_eq(d.x[0], 1.5);
    cr_assert_eq(d.y[1], 1.0);
    nn_dataset_free(&d);
    return first;
}

Test(alloc, csv_parse_without_header)
{
    drive("csv plain", wl_csv_plain, AG_ENOMEM);
}

/* ---- the expression language ------------------------------------------------ */

static const char expr_src[] = "u = a*b + sin(a);  # a comment\n"
                               "v = u^2;\n"
                               "log(v + b) + max(a, b) - leaky_relu(-a)";

/* f = log((ab + sin a)^2 + b) + max(a, b) - leaky_relu(-a) at a = 1.5,
 * b = 0.5: u = 0.75 + sin 1.5, v = u^2, max = a, leaky_relu(-1.5) = -0.015.
 * df/da = 2u (b + cos a) / (v + b) + 1 + 0.01;  df/db = (2u a + 1)/(v + b). */
static ag_status expr_round(ag_tape *t)
{
    ag_error e;
    lg_prog *p = lg_parse(expr_src, sizeof expr_src - 1, &e);
    const double va = 1.5, vb = 0.5;
    if (p && lg_prog_set_input(p, "a", &va, 1, &e) == AG_OK)
        (void)lg_prog_set_input(p, "b", &vb, 1, &e);
    lg_run *r = p && e.status == AG_OK ? lg_eval(p, t, &e) : NULL;
    lg_value out, xa, xb;
    if (!r) {
        lg_prog_free(p);
        cr_assert_neq(e.status, AG_OK);
        cr_assert(strlen(e.message) > 0);
        return e.status;
    }
    cr_assert(lg_run_output(r, &out, NULL) && lg_run_lookup(r, "a", &xa) && lg_run_lookup(r, "b", &xb));
    ag_node f = out.nodes[0], na = xa.nodes[0], nb = xb.nodes[0];
    lg_run_free(r);
    lg_prog_free(p);
    double a = 1.5, b = 0.5, u = a * b + sin(a), v = u * u;
    cr_assert(near(ag_value(t, f), log(v + b) + a + 0.015));
    ag_zero_grad(t);
    ag_status s;
    if ((s = ag_backward(t, f)) != AG_OK)
        return s;
    cr_assert(near(ag_grad(t, na), 2 * u * (b + cos(a)) / (v + b) + 1.01));
    cr_assert(near(ag_grad(t, nb), (2 * u * a + 1) / (v + b)));
    cr_assert_eq(ag_name_find(t, "u").idx != AG_NULL_IDX, true);
    return AG_OK;
}

static ag_status wl_expr(fa_state *fs) { return round_and_retry(fs, expr_round, false); }

Test(alloc, expression_parser)
{
    drive("lg_parse and lg_eval of a command-line expression", wl_expr, AG_ENOMEM);
}

/* The whole command in-process: exit status 3 (a failure to do the work)
 * with a message on stderr when an allocation fails, 0 and the answer
 * otherwise. The streams are tmpfiles (the C library's own allocations,
 * outside the hook). */
static int cli_status;

static ag_status wl_cli(fa_state *fs)
{
    (void)fs;
    char *argv[] = {"agrad", "trace", "z = w*x + b; a = sigmoid(z); 0.5*(a - y)^2", "w=-3", "x=2",
                    "b=0.5", "y=1", NULL};
    FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();
    cr_assert(in && out && err);
    cli_status = agrad_run(7, argv, in, out, err);
    long n_err = ftell(err);
    fclose(in);
    fclose(out);
    fclose(err);
    if (cli_status == 0)
        return AG_OK;
    cr_assert_eq(cli_status, 3, "agrad exited %d on a failed allocation", cli_status);
    cr_assert_gt(n_err, 0, "agrad failed silently");
    return AG_ENOMEM;
}

Test(alloc, agrad_command)
{
    drive("agrad trace", wl_cli, AG_ENOMEM);
}

/* ---- the recorded backward: gradient nodes, Hessian ---------------------- */

/* y = sum_k sigmoid(w x_k + b) as in tape_round, over the run p = (w, b):
 * the recorded gradient and the Hessian against the closed forms
 * sigma' = s (1 - s), sigma'' = s (1 - s)(1 - 2 s) (F1 twice):
 * dy/dw = sum sigma' x, dy/db = sum sigma', H = sum sigma'' (x, 1)(x, 1)^T. */
static ag_status hess_round(ag_tape *t)
{
    ag_status s;
    ag_run p = ag_vars(t, (const double[]){0.5, -0.25}, 2);
    ag_node w = ag_at(t, p, 0), b = ag_at(t, p, 1), terms[TW_N];
    for (int k = 0; k < TW_N; k++)
        terms[k] = ag_unary(t, AG_OP_SIGMOID, ag_add(t, ag_mul(t, w, ag_const(t, k / 100.0 - 1.0)), b));
    ag_node y = ag_apply(t, AG_OP_SUM, terms, TW_N), g[2];
    if ((s = ag_tape_status(t)) != AG_OK)
        return s;
    size_t len = ag_tape_len(t);
    ag_node pl[2];
    if ((s = ag_grad_nodes(t, y, run_nodes(t, p, pl), 2, g)) != AG_OK) {
        cr_assert_eq(ag_tape_len(t), len, "a failed ag_grad_nodes leaves nothing recorded");
        return s;
    }
    double gw = 0, gb = 0, hww = 0, hwb = 0, hbb = 0;
    for (int k = 0; k < TW_N; k++) {
        double x = k / 100.0 - 1.0, sk = 1.0 / (1.0 + exp(-(0.5 * x - 0.25)));
        double d1 = sk * (1 - sk), d2 = d1 * (1 - 2 * sk);
        gw += d1 * x, gb += d1, hww += d2 * x * x, hwb += d2 * x, hbb += d2;
    }
    cr_assert(near(ag_value(t, g[0]), gw) && near(ag_value(t, g[1]), gb));
    len = ag_tape_len(t);
    double *h = NULL;
    if ((s = ag_hessian(t, y, p, &h)) != AG_OK) {
        cr_assert_null(h);
        cr_assert_eq(ag_tape_len(t), len, "a failed ag_hessian leaves the tape as it was");
        return s;
    }
    cr_assert(near(h[0], hww) && near(h[1], hwb) && near(h[2], hwb) && near(h[3], hbb), "H = %g %g %g %g", h[0], h[1],
              h[2], h[3]);
    ag_free(h);
    /* forward over reverse: its scratch is the only allocation; a failure
     * leaves the tape as it was */
    double hv[2];
    if ((s = ag_hvp(t, y, p, (const double[]){1.0, -2.0}, hv)) != AG_OK) {
        cr_assert_eq(ag_tape_len(t), len, "a failed ag_hvp leaves the tape as it was");
        return s;
    }
    cr_assert(near(hv[0], hww - 2 * hwb) && near(hv[1], hwb - 2 * hbb), "H v = %g %g", hv[0], hv[1]);
    return AG_OK;
}

static ag_status wl_hess(fa_state *fs) { return round_and_retry(fs, hess_round, true); }

Test(alloc, recorded_backward_and_hessian)
{
    long n = drive("hess", wl_hess, AG_ENOMEM);
    cr_assert_gt(n, 10);
}
