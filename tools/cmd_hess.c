/*
 * cmd_hess.c: higher order on the command line.
 *   agrad hessian [-f FILE | PROGRAM] [--wrt X] [name=value ...]
 *       the Hessian of the (scalar) output with respect to X, or to every
 *       input that is not data, entry by entry, as a labelled matrix
 *   agrad grad --order N PROGRAM name=value ...
 *       d^N f / dx^N for every scalar input entry x
 *   agrad trace|dot --order N EXPR [--wrt x] ...
 *       the backward pass of d^(N-1) f / dx^(N-1), itself recorded by the
 *       engine's recorded backward (ag_grad_nodes), its nodes marked
 * Every derivative here is a node recorded by ag_grad_nodes and read
 * (or differentiated once more by an ordinary backward sweep).
 */
#include "cli.h"
#include "lang.h"

#include <math.h>
#include <string.h>

/* The nodes to differentiate by: X's entries, or every entry of every
 * input that is not data; *n of them (array from ag_realloc). */
static ag_node *wrt_nodes(lg_prog *p, lg_run *r, const cli_args *a, size_t *n, const cli_io *io)
{
    *n = 0;
    lg_value v;
    if (a->wrt) {
        if (!lg_run_lookup(r, a->wrt, &v)) {
            fprintf(io->err, "agrad: --wrt %s: no value named '%s' in the program\n", a->wrt, a->wrt);
            return NULL;
        }
        size_t m = v.shape.rows * v.shape.cols;
        ag_node *xs = ag_realloc(NULL, m * sizeof *xs);
        if (xs)
            memcpy(xs, v.nodes, m * sizeof *xs);
        *n = xs ? m : 0;
        return xs;
    }
    /* the inputs given on the command line first, in their order, then the
     * program's own in declaration order */
    ag_node *xs = NULL;
    size_t n_in = 0;
    for (lg_input_info in; lg_prog_input(p, n_in, &in);) /* lg_prog_input is false past the end */
        n_in++;
    for (size_t k = 0; k < a->n_inputs + n_in; k++) {
        lg_input_info in;
        bool given = false;
        if (k < a->n_inputs) {
            in.name = a->inputs[k].name;
            in.data = false;
            for (size_t j = 0; j < n_in; j++) { /* declared data? */
                lg_input_info d;
                if (lg_prog_input(p, j, &d) && strcmp(d.name, in.name) == 0)
                    in.data = d.data;
            }
        } else if (!lg_prog_input(p, k - a->n_inputs, &in)) {
            continue;
        }
        for (size_t j = 0; k >= a->n_inputs && j < a->n_inputs; j++)
            given = given || strcmp(a->inputs[j].name, in.name) == 0;
        if (given || in.data || !lg_run_lookup(r, in.name, &v))
            continue;
        size_t m = v.shape.rows * v.shape.cols;
        ag_node *grown = ag_realloc(xs, (*n + m + 1) * sizeof *xs);
        if (!grown) {
            ag_free(xs);
            *n = 0;
            return NULL;
        }
        xs = grown;
        memcpy(xs + *n, v.nodes, m * sizeof *xs);
        *n += m;
    }
    if (*n == 0)
        fprintf(io->err, "agrad: the program has no input to differentiate by (all are data): give --wrt NAME\n");
    return xs;
}

/* The output node, which must be a scalar; NULL-handle with a message. */
static ag_node scalar_output(lg_run *r, const char **name, const cli_io *io)
{
    lg_value out;
    if (!lg_run_output(r, &out, name) || out.shape.rows * out.shape.cols != 1) {
        fprintf(io->err, "agrad: the output %s is not a scalar: use agrad jacobian\n", *name);
        return AG_NULL;
    }
    return out.nodes[0];
}

static const char *label(ag_tape *t, ag_node n)
{
    const char *s = ag_name_of(t, n);
    return s ? s : "?";
}

/* A program evaluated on its own tape, its scalar output f and the nodes
 * xs[0..n) to differentiate by: what hessian and grad --order start from. */
typedef struct session {
    lg_prog *p;
    ag_tape *t;
    lg_run *r;
    char *text;
    const char *name;
    ag_node f, *xs;
    size_t n;
} session;

static int session_open(session *s, const cli_args *a, const cli_io *io)
{
    int rc;
    *s = (session){.name = "f", .f = AG_NULL};
    s->p = cli_lang_load(a, io, &s->text, &rc);
    if (!s->p)
        return rc;
    s->t = ag_tape_new(0);
    s->r = s->t ? cli_lang_eval(s->p, s->text ? s->text : a->expr, s->t, a, io) : NULL;
    if (!s->r)
        return s->t ? CLI_USAGE : CLI_FAIL;
    s->f = scalar_output(s->r, &s->name, io);
    if (ag_is_null(s->f))
        return CLI_USAGE;
    s->xs = wrt_nodes(s->p, s->r, a, &s->n, io);
    return s->xs && s->n > 0 ? CLI_OK : CLI_USAGE;
}

static void session_close(session *s)
{
    ag_free(s->xs);
    lg_run_free(s->r);
    ag_tape_free(s->t);
    lg_prog_free(s->p);
    ag_free(s->text);
}

static void print_hessian(const session *s, const double *H, bool json, FILE *out)
{
    size_t n = s->n;
    ag_tape *t = s->t;
    if (json) {
        fprintf(out, "{\"output\": \"%s\", \"value\": ", s->name);
        cli_json_number(out, ag_value(t, s->f));
        fputs(", \"wrt\": [", out);
        for (size_t j = 0; j < n; j++)
            fprintf(out, "%s\"%s\"", j ? ", " : "", label(t, s->xs[j]));
        fputs("], \"hessian\": [", out);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ", [" : "[", out);
            for (size_t j = 0; j < n; j++) {
                fputs(j ? ", " : "", out);
                cli_json_number(out, H[i * n + j]);
            }
            fputs("]", out);
        }
        fputs("]}\n", out);
        return;
    }
    fprintf(out, "%s = %.17g\nHessian d2%s/(d row)(d column), rows and columns: ", s->name, ag_value(t, s->f), s->name);
    for (size_t j = 0; j < n; j++)
        fprintf(out, "%s%s", j ? ", " : "", label(t, s->xs[j]));
    fputs("\n", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "  %-10s", label(t, s->xs[i]));
        for (size_t j = 0; j < n; j++)
            fprintf(out, " %22.17g", H[i * n + j]);
        fputc('\n', out);
    }
}

/* After the derivatives were printed: any of v[0..n) not finite is flagged
 * with its cause (exit 1), as grad does. */
static int flag_nonfinite(const double *v, size_t n, const cli_args *a, const cli_io *io)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) {
            cli_explain_nonfinite(a, io);
            return CLI_NO;
        }
    return CLI_OK;
}

int cli_hessian(const cli_args *a, const cli_io *io)
{
    session s;
    int rc = session_open(&s, a, io);
    size_t n = s.n;
    ag_node *g = NULL;
    double *H = NULL;
    if (rc == CLI_OK) {
        /* row i of H: the gradient of the recorded node df/dx_i */
        g = ag_realloc(NULL, n * sizeof *g);
        H = g ? ag_realloc(NULL, n * n * sizeof *H) : NULL;
        lg_value gv = {{1, n, 1}, g}, xv = {{1, n, 1}, s.xs};
        lg_shape sh;
        ag_error e;
        if (!H) {
            fprintf(io->err, "agrad hessian: out of memory for a %zu x %zu Hessian\n", n, n);
            rc = CLI_FAIL;
        } else if (ag_grad_nodes(s.t, s.f, s.xs, n, g) != AG_OK) {
            fprintf(io->err, "agrad hessian: %s\n", ag_tape_error(s.t));
            rc = CLI_FAIL;
        } else if (lg_jacobian(s.r, gv, xv, H, &sh, &e) != AG_OK) {
            fprintf(io->err, "agrad hessian: %s\n", e.message);
            rc = CLI_FAIL;
        } else {
            print_hessian(&s, H, a->json, io->out);
            double f = ag_value(s.t, s.f);
            rc = flag_nonfinite(&f, 1, a, io);
            if (rc == CLI_OK)
                rc = flag_nonfinite(H, n * n, a, io);
        }
    }
    ag_free(H);
    ag_free(g);
    session_close(&s);
    return rc;
}

int cli_grad_order(const cli_args *a, const cli_io *io)
{
    session s;
    int rc = session_open(&s, a, io);
    bool finite = true;
    double nonfinite = (double)NAN;
    if (rc == CLI_OK) {
        finite = isfinite(ag_value(s.t, s.f));
        if (a->json) {
            fprintf(io->out, "{\"output\": \"%s\", \"value\": ", s.name);
            cli_json_number(io->out, ag_value(s.t, s.f));
            fprintf(io->out, ", \"order\": %ld, \"derivatives\": {", a->order);
        } else {
            fprintf(io->out, "%s = %.17g\n", s.name, ag_value(s.t, s.f));
        }
        for (size_t k = 0; k < s.n && rc == CLI_OK; k++) {
            ag_node d = s.f;
            for (long o = 0; o < a->order && rc == CLI_OK; o++)
                if (ag_grad_nodes(s.t, d, &s.xs[k], 1, &d) != AG_OK) {
                    fprintf(io->err, "agrad grad: %s\n", ag_tape_error(s.t));
                    rc = CLI_FAIL;
                }
            if (rc != CLI_OK)
                break;
            finite = finite && isfinite(ag_value(s.t, d));
            if (a->json) {
                fprintf(io->out, "%s\"%s\": ", k ? ", " : "", label(s.t, s.xs[k]));
                cli_json_number(io->out, ag_value(s.t, d));
            } else {
                fprintf(io->out, "d%ld%s/d%s%ld = %.17g\n", a->order, s.name, label(s.t, s.xs[k]), a->order,
                        ag_value(s.t, d));
            }
        }
        if (a->json && rc == CLI_OK)
            fputs("}}\n", io->out);
        if (rc == CLI_OK && !finite)
            rc = flag_nonfinite(&nonfinite, 1, a, io);
    }
    session_close(&s);
    return rc;
}

int cli_recorded_derivative(cli_prog *p, const cli_args *a, const cli_io *io, ag_node *g, size_t *from)
{
    ag_node x = p->n_inputs ? p->inputs[0] : AG_NULL;
    if (a->wrt) {
        x = ag_name_find(p->t, a->wrt);
        if (ag_is_null(x)) {
            fprintf(io->err, "agrad: --wrt %s: no input or assigned name '%s' in the expression\n", a->wrt, a->wrt);
            return CLI_USAGE;
        }
    }
    if (ag_is_null(x)) {
        fprintf(io->err, "agrad: --order needs an input to differentiate by\n");
        return CLI_USAGE;
    }
    *from = ag_tape_len(p->t);
    *g = p->out;
    for (long o = 1; o < a->order; o++)
        if (ag_grad_nodes(p->t, *g, &x, 1, g) != AG_OK)
            return cli_tape_failure(p, "the recorded backward pass", io);
    /* name it as the notes would, d2f/dx2 (when the node is new and free) */
    char name[256];
    const char *xn = ag_name_of(p->t, x), *fn = cli_out_name(p->t, p->out);
    if (a->order == 2)
        snprintf(name, sizeof name, "d%.60s/d%.60s", fn, xn ? xn : "x");
    else
        snprintf(name, sizeof name, "d%ld%.60s/d%.60s%ld", a->order - 1, fn, xn ? xn : "x", a->order - 1);
    if (g->idx >= *from && !ag_name_of(p->t, *g) && ag_is_null(ag_name_find(p->t, name)))
        ag_name_set(p->t, *g, name);
    return CLI_OK;
}
