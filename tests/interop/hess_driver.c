/*
 * hess_driver.c: the engine's side of the PyTorch double-backward checks
 * (tests/interop/hess_*.py). Reads a JSON array of cases on stdin, writes a
 * JSON array of results on stdout, one per case, in order.
 *
 *   {"kind": "expr", "x": [...], "prog": [[op, ...], ...]}
 *       prog is straight-line code, entry i making node i: ["x", k] (input
 *       k, a variable), ["c", value], [unary, i], [binary, i, j],
 *       ["powc", i, c], ["lse", i, j]. The last node is y.
 *       Result: {"y", "grad": dy/dx, "hess": H (rows), "third": d H[0][0]/dx}
 *   {"kind": "mlp", "sizes": [n0, n1, ..., nL], "p": [...], "xs": [[...]],
 *    "labels": [...], "v": [...]}
 *       p holds each layer's weights [out][in] then its bias; hidden layers
 *       tanh, last layer linear; loss = sum over samples of softmax-CE.
 *       Result: {"y", "grad": dL/dp, "hvp": H v}
 * Exit status 0, or 2 with a message on stderr for bad input.
 */
#include "autograd.h"
#include "../op_fns.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "hess_driver: %s\n", what);
    return 2;
}

typedef ag_node (*unary_fn)(ag_tape *, ag_node);
typedef ag_node (*binary_fn)(ag_tape *, ag_node, ag_node);

static const struct {
    const char *name;
    unary_fn f;
} UNARY[] = {{"neg", ag_neg},   {"exp", u_exp},         {"log", u_log},           {"sqrt", u_sqrt},
             {"abs", u_abs},   {"sin", u_sin},         {"cos", u_cos},           {"tanh", u_tanh},
             {"sigmoid", u_sigmoid}, {"softplus", u_softplus}, {"relu", u_relu}};
static const struct {
    const char *name;
    binary_fn f;
} BINARY[] = {{"add", ag_add}, {"sub", ag_sub}, {"mul", ag_mul}, {"div", ag_div},
              {"pow", b_pow}, {"min", b_min}, {"max", b_max}};

static json_t *array_of(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(a, json_real(v[k]));
    return a;
}

static ag_node node_at(const ag_node *nodes, size_t n, json_t *idx)
{
    size_t i = (size_t)json_integer_value(idx);
    return json_is_integer(idx) && i < n ? nodes[i] : AG_NULL;
}

/* one straight-line instruction */
static ag_node instr(ag_tape *t, json_t *ins, const ag_node *nodes, size_t n, ag_run x)
{
    const char *op = json_string_value(json_array_get(ins, 0));
    json_t *a1 = json_array_get(ins, 1), *a2 = json_array_get(ins, 2);
    if (!op)
        return AG_NULL;
    if (strcmp(op, "x") == 0)
        return ag_at(t, x, (size_t)json_integer_value(a1));
    if (strcmp(op, "c") == 0)
        return ag_const(t, json_number_value(a1));
    if (strcmp(op, "powc") == 0)
        return ag_powc(t, node_at(nodes, n, a1), json_number_value(a2));
    if (strcmp(op, "lse") == 0) {
        ag_node xs[2] = {node_at(nodes, n, a1), node_at(nodes, n, a2)};
        return ag_apply(t, AG_OP_LOGSUMEXP, xs, 2);
    }
    for (size_t k = 0; k < sizeof UNARY / sizeof UNARY[0]; k++)
        if (strcmp(op, UNARY[k].name) == 0)
            return UNARY[k].f(t, node_at(nodes, n, a1));
    for (size_t k = 0; k < sizeof BINARY / sizeof BINARY[0]; k++)
        if (strcmp(op, BINARY[k].name) == 0)
            return BINARY[k].f(t, node_at(nodes, n, a1), node_at(nodes, n, a2));
    return AG_NULL;
}

static json_t *run_expr(ag_tape *t, json_t *c)
{
    json_t *jx = json_object_get(c, "x"), *prog = json_object_get(c, "prog");
    size_t nx = json_array_size(jx), np = json_array_size(prog);
    if (nx == 0 || np == 0)
        return NULL;
    double *x0 = calloc(nx, sizeof *x0), *h = NULL;
    ag_node *nodes = calloc(np, sizeof *nodes), *g = calloc(nx, sizeof *g);
    json_t *out = NULL;
    for (size_t k = 0; k < nx; k++)
        x0[k] = json_number_value(json_array_get(jx, k));
    ag_run x = ag_vars(t, x0, nx);
    for (size_t i = 0; i < np; i++)
        nodes[i] = instr(t, json_array_get(prog, i), nodes, i, x);
    ag_node y = nodes[np - 1];
    ag_run xr = x;
    ag_node *xl = calloc(nx, sizeof *xl);
    run_nodes(t, xr, xl);
    if (ag_tape_status(t) == AG_OK && ag_grad_nodes(t, y, xl, nx, g) == AG_OK && ag_hessian(t, y, xr, &h) == AG_OK) {
        double *gv = calloc(nx, sizeof *gv), *third = calloc(nx, sizeof *third);
        ag_node h00, *d3 = calloc(nx, sizeof *d3);
        for (size_t k = 0; k < nx; k++)
            gv[k] = ag_value(t, g[k]);
        if (ag_grad_nodes(t, g[0], xl, 1, &h00) == AG_OK && ag_grad_nodes(t, h00, xl, nx, d3) == AG_OK) {
            for (size_t k = 0; k < nx; k++)
                third[k] = ag_value(t, d3[k]);
            json_t *rows = json_array();
            for (size_t i = 0; i < nx; i++)
                json_array_append_new(rows, array_of(h + i * nx, nx));
            out = json_pack("{s:f, s:o, s:o, s:o}", "y", ag_value(t, y), "grad", array_of(gv, nx), "hess", rows,
                            "third", array_of(third, nx));
        }
        free(gv);
        free(third);
        free(d3);
    }
    if (!out)
        fprintf(stderr, "hess_driver: %s\n", ag_tape_error(t));
    ag_free(h);
    free(x0);
    free(nodes);
    free(g);
    free(xl);
    return out;
}

static json_t *run_mlp(ag_tape *t, json_t *c)
{
    json_t *js = json_object_get(c, "sizes"), *jp = json_object_get(c, "p"), *jxs = json_object_get(c, "xs"),
           *jl = json_object_get(c, "labels"), *jv = json_object_get(c, "v");
    size_t L = json_array_size(js), np = json_array_size(jp), ns = json_array_size(jxs);
    if (L < 2 || np == 0 || ns == 0 || json_array_size(jv) != np || json_array_size(jl) != ns)
        return NULL;
    double *p0 = calloc(np, sizeof *p0), *v = calloc(np, sizeof *v), *hv = calloc(np, sizeof *hv),
           *gv = calloc(np, sizeof *gv);
    for (size_t k = 0; k < np; k++) {
        p0[k] = json_number_value(json_array_get(jp, k));
        v[k] = json_number_value(json_array_get(jv, k));
    }
    ag_run p = ag_vars(t, p0, np);
    ag_node *terms = calloc(ns, sizeof *terms);
    for (size_t s = 0; s < ns; s++) {
        json_t *xr = json_array_get(jxs, s);
        size_t n0 = (size_t)json_integer_value(json_array_get(js, 0)), off = 0;
        double *xv = calloc(n0, sizeof *xv);
        for (size_t k = 0; k < n0; k++)
            xv[k] = json_number_value(json_array_get(xr, k));
        ag_run a = ag_consts(t, xv, n0);
        free(xv);
        size_t n_in = n0;
        for (size_t l = 1; l < L; l++) {
            size_t n_out = (size_t)json_integer_value(json_array_get(js, l));
            ag_run w = ag_run_of(ag_at(t, p, off), n_in * n_out);
            ag_run b = ag_run_of(ag_at(t, p, off + n_in * n_out), n_out);
            off += n_in * n_out + n_out;
            ag_run z = ag_dot_rows(t, w, a, b);
            a = l + 1 < L ? ag_map(t, AG_OP_TANH, z, AG_NULL_RUN) : z;
            n_in = n_out;
        }
        /* softmax-CE: logsumexp(z) - z_label */
        size_t label = (size_t)json_integer_value(json_array_get(jl, s));
        terms[s] = ag_sub(t, ag_logsumexp(t, a), ag_at(t, a, label));
    }
    ag_node y = ag_apply(t, AG_OP_SUM, terms, ns);
    json_t *out = NULL;
    ag_run pr = p;
    if (ag_tape_status(t) == AG_OK && ag_backward(t, y) == AG_OK && ag_hvp(t, y, pr, v, hv) == AG_OK) {
        for (size_t k = 0; k < np; k++)
            gv[k] = ag_grad(t, ag_at(t, p, k));
        out = json_pack("{s:f, s:o, s:o}", "y", ag_value(t, y), "grad", array_of(gv, np), "hvp", array_of(hv, np));
    } else {
        fprintf(stderr, "hess_driver: %s\n", ag_tape_error(t));
    }
    free(terms);
    free(p0);
    free(v);
    free(hv);
    free(gv);
    return out;
}

int main(void)
{
    json_error_t err;
    json_t *cases = json_loadf(stdin, 0, &err);
    if (!json_is_array(cases))
        return fail(cases ? "want a JSON array of cases" : err.text);
    json_t *results = json_array();
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        const char *kind = json_string_value(json_object_get(c, "kind"));
        ag_tape *t = ag_tape_new(0);
        json_t *r = !kind ? NULL : strcmp(kind, "expr") == 0 ? run_expr(t, c) : strcmp(kind, "mlp") == 0 ? run_mlp(t, c) : NULL;
        ag_tape_free(t);
        if (!r) {
            json_decref(cases);
            json_decref(results);
            fprintf(stderr, "hess_driver: case %zu\n", i);
            return fail("a case could not be run");
        }
        json_array_append_new(results, r);
    }
    json_dumpf(results, stdout, JSON_REAL_PRECISION(17));
    putchar('\n');
    json_decref(cases);
    json_decref(results);
    return 0;
}
