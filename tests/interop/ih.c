/*
 * ih.c: the C side of the PyTorch interop checks (the Python scripts beside it, run
 * by make interop). A small program over agrad's public headers: it builds
 * an MLP from an architecture string, loads its weights from a safetensors
 * file and reports, with %.17g, what the Python scripts compare against
 * PyTorch.
 *
 *   ih forward MODEL ARCH        stdin: rows of inputs; prints each output row
 *   ih grad MODEL ARCH           stdin: x row, y row; L = 1/2 sum (out - y)^2:
 *                                prints "loss L", then "NAME g..." per tensor
 *   ih train MODEL ARCH OPT LR MU STEPS
 *                                stdin: rows "x... y"; full batch,
 *                                L = mean_e (out_e - y_e)^2 (F.mse_loss);
 *                                OPT sgd | adam; MU is SGD's momentum.
 *                                Prints "loss L" before every step, then
 *                                "NAME v..." per tensor after the last
 *
 * ARCH is "N_IN,SIZE:ACT,SIZE:ACT,..." (ACT: relu, tanh, sigmoid,
 * leaky_relu, linear). Exit 0, or 2 with a message.
 */
#include "nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXL 8
#define MAXV 4096

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "ih: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 2;
}

typedef struct arch {
    size_t n_in, depth, sizes[MAXL];
    nn_act acts[MAXL];
} arch;

/* the activation named `name` (PyTorch's module names, lower case) */
static int act_named(const char *name, nn_act *out)
{
    static const struct {
        const char *name;
        nn_act act;
    } acts[] = {{"linear", NN_ACT_LINEAR}, {"sigmoid", NN_ACT_SIGMOID}, {"tanh", NN_ACT_TANH},
                {"relu", NN_ACT_RELU}, {"leaky_relu", NN_ACT_LEAKY_RELU}};
    for (size_t k = 0; k < sizeof acts / sizeof acts[0]; k++)
        if (strcmp(acts[k].name, name) == 0) {
            *out = acts[k].act;
            return 0;
        }
    return -1;
}

static int parse_arch(const char *s, arch *a)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    char *tok = strtok_r(buf, ",", &save);
    if (!tok || (a->n_in = strtoul(tok, NULL, 10)) == 0)
        return -1;
    a->depth = 0;
    while ((tok = strtok_r(NULL, ",", &save)) && a->depth < MAXL) {
        char *colon = strchr(tok, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        a->sizes[a->depth] = strtoul(tok, NULL, 10);
        if (act_named(colon + 1, &a->acts[a->depth]) != 0)
            return -1;
        a->depth++;
    }
    return a->depth ? 0 : -1;
}

/* read up to max doubles from one line of f; -1 at end of input */
static long read_row(FILE *f, double *v, size_t max)
{
    char line[65536];
    if (!fgets(line, sizeof line, f))
        return -1;
    long n = 0;
    for (char *p = line, *end; (size_t)n < max; p = end) {
        double d = strtod(p, &end);
        if (end == p)
            break;
        v[n++] = d;
    }
    return n;
}

static void print_tensors(nn_model *m, int grads)
{
    ag_tape *t = nn_model_tape(m);
    for (size_t k = 0; nn_param_at(m, k); k++) {
        const nn_param *p = nn_param_at(m, k);
        size_t n = p->v.n;
        const double *v = grads ? ag_grads(t, p->v) : ag_values(t, p->v);
        printf("%s", p->name);
        for (size_t i = 0; i < n; i++)
            printf(" %.17g", v[i]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: ih forward|grad|train MODEL ARCH [OPT LR MU STEPS]", NULL);
    const char *cmd = argv[1], *path = argv[2];
    arch a;
    if (parse_arch(argv[3], &a) != 0)
        return fail("bad ARCH", argv[3]);
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    nn_error err;
    int rc = 0;
    if (nn_mlp_build(m, a.n_in, a.sizes, a.acts, a.depth, NN_INIT_ZERO, &rng) != AG_OK) {
        rc = fail("nn_mlp_build", ag_tape_error(t));
        goto out;
    }
    if (nn_model_load(m, path, &err) != AG_OK) {
        rc = fail("load", err.message);
        goto out;
    }
    size_t n_out = a.sizes[a.depth - 1];
    ag_mark mark = ag_tape_mark(t);
    static double x[MAXV], y[MAXV];
    if (strcmp(cmd, "forward") == 0) {
        long n;
        while ((n = read_row(stdin, x, MAXV)) >= 0) {
            if ((size_t)n != a.n_in) {
                rc = fail("forward: a row has the wrong number of inputs", NULL);
                break;
            }
            ag_tape_rewind(t, mark);
            ag_run out = nn_mlp_forward(m, ag_consts(t, x, a.n_in));
            const double *v = ag_values(t, out);
            if (!v) {
                rc = fail("forward", ag_tape_error(t));
                break;
            }
            for (size_t j = 0; j < n_out; j++)
                printf("%s%.17g", j ? " " : "", v[j]);
            printf("\n");
        }
    } else if (strcmp(cmd, "grad") == 0) {
        if (read_row(stdin, x, MAXV) != (long)a.n_in || read_row(stdin, y, MAXV) != (long)n_out) {
            rc = fail("grad: want an x row and a y row", NULL);
            goto out;
        }
        ag_run out = nn_mlp_forward(m, ag_consts(t, x, a.n_in));
        ag_node L = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, y, n_out), NN_SUM);
        nn_zero_grad(m);
        if (ag_backward(t, L) != AG_OK) {
            rc = fail("grad", ag_tape_error(t));
            goto out;
        }
        printf("loss %.17g\n", ag_value(t, L));
        print_tensors(m, 1);
    } else if (strcmp(cmd, "train") == 0 && argc == 8) {
        static double rows[MAXV][MAXL + 8];
        size_t B = 0, w = a.n_in + 1;
        long n;
        while (B < MAXV && (n = read_row(stdin, rows[B], MAXL + 8)) >= 0)
            if ((size_t)n == w)
                B++;
        nn_optim_opts o = {.kind = strcmp(argv[4], "adam") == 0 ? NN_OPTIM_ADAM : NN_OPTIM_SGD,
                           .lr = strtod(argv[5], NULL), .momentum = strtod(argv[6], NULL)};
        nn_optim *opt = nn_optim_new(m, &o);
        static ag_node losses[MAXV];
        if (!opt || B == 0 || n_out != 1) {
            rc = fail("train: bad options, no data or more than one output", ag_tape_error(t));
            goto out;
        }
        for (long s = 0, steps = strtol(argv[7], NULL, 10); s < steps && rc == 0; s++) {
            ag_tape_rewind(t, mark);
            for (size_t e = 0; e < B; e++) {
                ag_run out = nn_mlp_forward(m, ag_consts(t, rows[e], a.n_in));
                losses[e] = nn_loss(t, NN_LOSS_SE, out, ag_consts(t, &rows[e][a.n_in], 1), NN_SUM);
            }
            ag_node L = ag_mul(t, ag_apply(t, AG_OP_SUM, losses, B), ag_const(t, 1.0 / (double)B)); /* the mean */
            nn_zero_grad(m);
            if (ag_backward(t, L) != AG_OK || nn_optim_step(opt, m) != AG_OK)
                rc = fail("train", ag_tape_error(t));
            else
                printf("loss %.17g\n", ag_value(t, L));
        }
        print_tensors(m, 0);
        nn_optim_free(opt);
    } else {
        rc = fail("unknown command or wrong arguments", cmd);
    }
out:
    nn_model_free(m);
    ag_tape_free(t);
    return rc;
}
