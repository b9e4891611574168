/*
 * all_libs.c: a program against every installed library, built by make
 * installcheck out of tree with nothing but pkg-config: the engine
 * (a gradient, and a Hessian-vector product), teach (a finite-difference
 * check of it), nn and util (a model saved atomically and loaded back), lang
 * (a derivation whose claim must agree, and a wrong one that must not). Prints "ok" and exits 0 when
 * each step works.
 *
 *   all_libs DIR     (DIR: where to write the model file)
 */
#include "higher.h"
#include "lang.h"
#include "nn.h"
#include "teach.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Whether lang's verdict on src's claims is all_agree == want. */
static bool check_claim(const char *src, bool want)
{
    ag_error err;
    lg_prog *p = lg_parse(src, strlen(src), &err);
    lg_report r;
    bool ok = p && lg_check(p, NULL, &r, &err) == AG_OK;
    if (ok) {
        ok = r.n_claims == 1 && r.all_agree == want;
        lg_report_free(&r);
    }
    lg_prog_free(p);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 0.5);
    ag_mark from = ag_tape_mark(t);
    ag_node y = ag_mul(t, ag_unary(t, AG_OP_SIN, x), ag_unary(t, AG_OP_EXP, x)); /* y' = (cos x + sin x) e^x */
    ag_gradcheck_row row;
    /* the gradcheck leaves what one ag_backward would: dy/dx in x */
    int bad = ag_gradcheck(t, from, y, &x, 1, &row) != AG_OK ||
              !(row.rel_err < 1e-8) || fabs(ag_grad(t, x) - (cos(0.5) + sin(0.5)) * exp(0.5)) > 1e-15;

    /* H v of y = x0^2 x1 at (0.5, 3): H = [[2 x1, 2 x0], [2 x0, 0]] */
    ag_tape *th = ag_tape_new(0);
    double x01[2] = {0.5, 3.0}, v01[2] = {1.0, -1.0}, hv[2];
    ag_run xs = ag_vars(th, x01, 2);
    ag_node yh = ag_mul(th, ag_powc(th, ag_at(th, xs, 0), 2.0), ag_at(th, xs, 1));
    bad |= ag_hvp(th, yh, xs, v01, hv) != AG_OK || fabs(hv[0] - (6.0 - 1.0)) > 1e-14 || fabs(hv[1] - 1.0) > 1e-14;
    ag_tape_free(th);
    bad |= !check_claim("z = 0.3\ns = sigmoid(z)\nclaim ds/dz = s*(1 - s)\n", true);
    bad |= !check_claim("z = 0.3\ns = sigmoid(z)\nclaim ds/dz = s*(1 + s)\n", false);

    ag_tape *t1 = ag_tape_new(0); /* a model's parameters come first on its tape */
    nn_model *m = nn_model_new(t1), *m2;
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    size_t sizes[2] = {3, 1};
    nn_act acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    char path[1024];
    snprintf(path, sizeof path, "%s/all_libs.safetensors", argv[1]);
    nn_error err;
    bad |= nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_XAVIER, &rng) != AG_OK ||
           nn_model_save(m, path, &err) != AG_OK;
    ag_tape *t2 = ag_tape_new(0);
    m2 = nn_model_new(t2);
    bad |= nn_mlp_build(m2, 2, sizes, acts, 2, NN_INIT_ZERO, &rng) != AG_OK || nn_model_load(m2, path, &err) != AG_OK;
    ag_run p = nn_model_params(m), p2 = nn_model_params(m2);
    const double *v = ag_values(t1, p), *v2 = ag_values(t2, p2);
    bad |= !v || !v2 || p.n != 13 || p2.n != 13; /* 2*3 + 3 + 3*1 + 1 */
    for (size_t k = 0; !bad && k < p.n; k++)
        bad |= v[k] != v2[k];
    printf("%s\n", bad ? "FAILED" : "ok");
    nn_model_free(m2);
    nn_model_free(m);
    ag_tape_free(t2);
    ag_tape_free(t1);
    ag_tape_free(t);
    return bad;
}
