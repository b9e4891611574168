/*
 * cmd_step.c: `agrad step`: walk the reverse sweep one node at a time
 * (ag_stepper), each step showing the node, its complete upstream gradient
 * and every edge (local derivative, contribution, the input's running
 * gradient). Commands come one per line from the input stream: Enter or n
 * next, p previous, q quit; a prompt is printed only when it is a terminal,
 * so `printf 'n\nn\nq\n' | agrad step ...` is a script.
 *
 * Invariant: hist[0..n_hist) are the texts of the steps taken so far and
 * `cur` is the one on screen (-1 before the first); p re-shows hist[cur-1]
 * (it does not undo gradients), n after p re-shows before stepping further.
 */
#include "cli.h"
#include "teach.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct walk {
    ag_tape *t;
    ag_stepper *st;
    const char *f;   /* the output's name */
    const char *times; /* "×", or "*" for ASCII output */
    char *ledger;      /* the trace's text (ag_trace), for the local formulas */
    const char *next_edge; /* where the next edge's line of the ledger starts */
    const char *next_node; /* where to look for the ledger's next node line   */
    char **hist;
    size_t n_hist, cap;
    long cur;
    bool done;
} walk;

/* The local derivative's formula of the ledger's next edge line, as trace
 * prints it ("x = 0.5", "σ(z)(1 - σ(z)) = 0.73 × 0.27 = 0.197"): the
 * second parenthesised group after "+=". The stepper and the trace walk the
 * same sweep and list the same edges, so the k-th edge line is the k-th
 * edge. Empty when the ledger has no more edge lines. */
static void next_local(walk *w, char *buf, size_t size)
{
    buf[0] = '\0';
    const char *s = w->next_edge ? strstr(w->next_edge, " += ") : NULL;
    if (!s)
        return;
    const char *eol = strchr(s, '\n');
    w->next_edge = eol ? eol + 1 : NULL;
    const char *open = strchr(s, '(');
    open = open && (!eol || open < eol) ? strchr(strchr(open, ')') ? strchr(open, ')') : open, '(') : NULL;
    if (!open || (eol && open > eol))
        return;
    int depth = 0;
    const char *c = open;
    for (; *c && c != eol; c++) {
        depth += (*c == '(') - (*c == ')');
        if (depth == 0)
            break;
    }
    if (depth == 0 && c > open + 1)
        snprintf(buf, size, " [%.*s]", (int)(c - open - 1), open + 1);
}

/* The formula of the ledger's next node line ("0.5 × powc#11" of
 * "f = 0.5 × powc#11 = 0.0669284"): step and trace speak one notation
 * (the same symbols, σ and ×, or sigmoid and * in ASCII) because step reads
 * it from the trace. A node line is one that is not indented, after the
 * first line and before "gradients:". Falls back to cli_node_formula. */
static void next_formula(walk *w, ag_node n, char *buf, size_t size)
{
    const char *s = w->next_node;
    while (s && *s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        const char *line = s;
        s = eol ? eol + 1 : NULL;
        if (*line == ' ' || len == 0)
            continue;
        if (strncmp(line, "gradients:", 10) == 0)
            break;
        if (strncmp(line, "[recorded] ", 11) == 0)
            line += 11, len -= 11;
        const char *first = strstr(line, " = "), *last = NULL;
        for (const char *q = first; q && q < line + len; q = strstr(q + 1, " = "))
            last = q;
        w->next_node = s;
        if (first && last && last > first && last < line + len) {
            snprintf(buf, size, "%.*s", (int)(last - first - 3), first + 3);
            return;
        }
        break;
    }
    w->next_node = s;
    cli_node_formula(w->t, n, buf, size);
}

/* The text of one step, malloc'd (open_memstream). */
static char *step_text(walk *w, const ag_stepper_step *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    if (!m)
        return NULL;
    char node[128], formula[256], in[128];
    cli_node_label(w->t, s->node, node, sizeof node);
    next_formula(w, s->node, formula, sizeof formula);
    fprintf(m, "step %zu: %s = %s = %.10g\n", w->n_hist + 1, node, formula, ag_value(w->t, s->node));
    fprintf(m, "  upstream d%s/d%s = %.10g\n", w->f, node, s->upstream);
    if (s->n_edges == 0)
        fprintf(m, "  (no edge carries gradient: every input is a constant)\n");
    for (size_t k = 0; k < s->n_edges; k++) {
        const ag_edge *e = &s->edges[k];
        char local[256];
        next_local(w, local, sizeof local);
        cli_node_label(w->t, e->input, in, sizeof in);
        fprintf(m, "  edge %s -> %s: local d%s/d%s = %.10g%s, contribution %.10g %s %.10g = %.10g, d%s/d%s = %.10g\n",
                node, in, node, in, e->local, local, s->upstream, w->times, e->local, e->contribution, w->f, in,
                e->input_grad);
    }
    if (fclose(m) != 0) { /* the stream's text is complete only after it */
        free(text);
        return NULL;
    }
    return text;
}

/* Take the next step into the history; false at the end or on failure. */
static bool take_step(walk *w)
{
    ag_stepper_step s;
    if (w->done || !ag_stepper_next(w->st, &s)) {
        w->done = true;
        return false;
    }
    if (w->n_hist == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        char **h = ag_realloc(w->hist, cap * sizeof *h);
        if (!h)
            return false;
        w->hist = h;
        w->cap = cap;
    }
    char *text = step_text(w, &s);
    if (!text)
        return false;
    w->hist[w->n_hist++] = text;
    return true;
}

static void show_end(walk *w, const cli_prog *p, const cli_args *a, FILE *out)
{
    fprintf(out, "end of the sweep:");
    for (size_t i = 0; i < p->n_inputs; i++)
        fprintf(out, "%s d%s/d%s = %.10g", i ? "," : "", w->f, a->inputs[i].name, ag_grad(p->t, p->inputs[i]));
    fprintf(out, "\n");
}

static void walk_loop(walk *w, const cli_prog *p, const cli_args *a, const cli_io *io)
{
    bool tty = isatty(fileno(io->in));
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (tty) {
            fputs("[Enter/n next, p previous, q quit] ", io->out);
            (void)fflush(io->out);
        }
        ssize_t n = getline(&line, &cap, io->in);
        if (n < 0)
            break;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        char *cmd = line + strspn(line, " \t");
        if (strcmp(cmd, "q") == 0 || strcmp(cmd, "quit") == 0)
            break;
        if (*cmd == '\0' || strcmp(cmd, "n") == 0 || strcmp(cmd, "next") == 0) {
            if (w->cur + 1 < (long)w->n_hist || take_step(w)) {
                w->cur++;
                fputs(w->hist[w->cur], io->out);
            } else if (ag_tape_status(p->t) != AG_OK) {
                cli_tape_failure(p, "step", io);
                break;
            } else {
                show_end(w, p, a, io->out);
                w->cur = (long)w->n_hist;
            }
        } else if (strcmp(cmd, "p") == 0 || strcmp(cmd, "prev") == 0) {
            if (w->cur > 0) {
                w->cur--;
                fprintf(io->out, "(again) %s", w->hist[w->cur]);
            } else {
                fprintf(io->out, "(no previous step)\n");
            }
        } else {
            fprintf(io->out, "unknown command '%s': Enter or n next, p previous, q quit\n", cmd);
        }
    }
    free(line);
}

int cli_step(const cli_args *a, const cli_io *io)
{
    cli_prog p;
    int rc = cli_prog_build(&p, a, a->expr, false, "expression", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&p, io);
    walk w = {.t = p.t, .cur = -1, .times = cli_ascii(a) ? "*" : "\u00d7"};
    if (rc == CLI_OK) {
        /* the ledger first, for its local formulas; then the variables are
         * cleared so that the walk's sweep alone fills them */
        size_t n = 0;
        FILE *m = open_memstream(&w.ledger, &n);
        ag_trace_opts o = {.ascii = cli_ascii(a)};
        if (m) {
            (void)ag_trace(p.t, p.out, &o, m);
            if (fclose(m) != 0) {
                free(w.ledger);
                w.ledger = NULL;
            }
        }
        w.next_edge = w.ledger;
        w.next_node = w.ledger ? strchr(w.ledger, '\n') : NULL; /* after "backward from ..." */
        ag_zero_grad(p.t);
        ag_tape_clear_error(p.t);
        w.st = ag_stepper_new(p.t, p.out);
        if (!w.st)
            rc = cli_tape_failure(&p, "step", io);
    }
    if (rc == CLI_OK) {
        w.f = cli_out_name(p.t, p.out);
        fprintf(io->out, "reverse sweep from %s = %.10g: seed d%s/d%s = 1\n", w.f, ag_value(p.t, p.out), w.f, w.f);
        walk_loop(&w, &p, a, io);
        rc = cli_flag_nonfinite(&p, a, io, cli_anomaly(&p, io));
    }
    for (size_t i = 0; i < w.n_hist; i++)
        free(w.hist[i]);
    ag_free(w.hist);
    free(w.ledger);
    if (w.st)
        ag_stepper_free(w.st);
    cli_prog_free(&p);
    return rc;
}
