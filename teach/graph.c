/*
 * graph.c: Graphviz pictures of a node's past. ag_graph_dot writes DOT text
 * (one record per node, a small op node feeding each computed record, edges
 * in data-flow direction), and ag_graph_write puts it in a file, rendering
 * .svg/.png/.pdf with Graphviz's `dot` run as a child process.
 *
 * Invariants: the DOT text lists exactly the nodes y depends on, in tape
 * order with ids n<index> (op nodes o<index>), so equal tapes give equal
 * text; every user string is escaped before it reaches a label; a file
 * written by ag_graph_write appears whole under its name or not at all (it
 * is written under a temporary name beside it, then renamed: util/atomic_file).
 * One helper (run_dot) spawns Graphviz. Nothing here
 * prints: dot's error output is captured into the tape's error message.
 *
 * Built on the public engine API (autograd.h) alone.
 */
#include "teach.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define LABEL (AG_NAME_MAX + 32)

/* Copy s into a record label field: the characters records give meaning to
 * ({ } | < > and the quote and backslash of the string) get a backslash,
 * a newline becomes \n, other control bytes '?'. */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (strchr("{}|<>\"\\", ch))
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch < 0x20 || ch == 0x7f)
            fputc('?', out);
        else
            fputc(ch, out);
    }
}

/* needed[i]: y depends on node i (y included). One reverse pass: a node's
 * inputs come before it, so when i is reached every user of i is done. */
static void mark_past(ag_tape *t, ag_node y, unsigned char *needed)
{
    needed[y.idx] = 1;
    for (uint32_t i = y.idx + 1; i-- > 0;) {
        if (!needed[i])
            continue;
        ag_node n = ag_node_from_index(t, i);
        size_t arity = ag_node_arity(t, n);
        for (size_t k = 0; k < arity; k++)
            needed[ag_node_input(t, n, k).idx] = 1;
    }
}

/* onpath[i]: node i of y's past depends on h (h included): it lies on a
 * path from h to y. One forward pass, inputs before users. */
static void mark_path(ag_tape *t, ag_node y, ag_node h, const unsigned char *needed,
                      unsigned char *onpath)
{
    if (h.idx > y.idx || !needed[h.idx])
        return;
    onpath[h.idx] = 1;
    for (uint32_t i = h.idx + 1; i <= y.idx; i++) {
        if (!needed[i])
            continue;
        ag_node n = ag_node_from_index(t, i);
        size_t arity = ag_node_arity(t, n);
        for (size_t k = 0; k < arity && !onpath[i]; k++)
            onpath[i] = onpath[ag_node_input(t, n, k).idx];
    }
}

static const char *const HILITE = "color=\"#d62728\", penwidth=2";

static const char *const RECORDED = "style=dashed, color=\"#1f77b4\", fontcolor=\"#1f77b4\"";

static void put_node(FILE *out, ag_tape *t, ag_node n, bool show_grad, bool lit, bool recorded)
{
    char label[LABEL];
    ag_op op = ag_node_op(t, n);
    bool leaf = op == AG_OP_CONST || op == AG_OP_VAR;
    fprintf(out, "  n%u [label=\"{ ", n.idx);
    put_escaped(out, ag_node_label(t, n, label, sizeof label));
    if (leaf)
        fprintf(out, " | %s", op == AG_OP_VAR ? "var" : "const");
    fprintf(out, " | value %.6g", ag_value(t, n));
    if (show_grad && op != AG_OP_CONST)
        fprintf(out, " | grad %.6g", ag_grad(t, n));
    fputs(" }\"", out);
    if (lit)
        fprintf(out, ", %s", HILITE);
    else if (recorded) /* added by a recorded backward pass */
        fprintf(out, ", %s", RECORDED);
    else if (op == AG_OP_CONST) /* constants are scenery: lighter */
        fputs(", color=gray70, fontcolor=gray45", out);
    fputs("];\n", out);
    if (leaf)
        return;
    /* the op node, and the edges into it: input -> op -> node */
    fprintf(out, "  o%u [label=\"", n.idx);
    put_escaped(out, ag_op_info_of(op)->symbol);
    fprintf(out, "\", shape=ellipse, fontsize=10%s%s];\n", lit || recorded ? ", " : "",
            lit ? HILITE : recorded ? RECORDED : "");
    fprintf(out, "  o%u -> n%u%s%s%s;\n", n.idx, n.idx, lit ? " [" : "", lit ? HILITE : "", lit ? "]" : "");
}

/* Edges into node n's op node; operands of the ops where order matters are
 * labelled a and b. An edge is on the path when both its ends are (lit:
 * node n is). */
static void put_edges(FILE *out, ag_tape *t, ag_node n, const unsigned char *onpath, bool lit)
{
    ag_op op = ag_node_op(t, n);
    bool ordered = op == AG_OP_SUB || op == AG_OP_DIV || op == AG_OP_POW || op == AG_OP_POWC ||
                   op == AG_OP_LEAKY_RELU;
    size_t arity = ag_node_arity(t, n);
    for (size_t k = 0; k < arity; k++) {
        uint32_t in = ag_node_input(t, n, k).idx;
        bool on = lit && onpath[in];
        fprintf(out, "  n%u -> o%u", in, n.idx);
        if (ordered || on) {
            fputs(" [", out);
            if (ordered)
                fprintf(out, "label=\"%c\"%s", k == 0 ? 'a' : 'b', on ? ", " : "");
            if (on)
                fputs(HILITE, out);
            fputc(']', out);
        }
        fputs(";\n", out);
    }
}

ag_status ag_graph_dot(ag_tape *t, ag_node y, const ag_graph_opts *opts, FILE *out)
{
    ag_status s = ag_check(t, ag_run_of(y, 1), "ag_graph_dot", 2);
    if (s != AG_OK)
        return s;
    if (!out)
        return ag_tape_fail(t, AG_EINVAL, "ag_graph_dot: no output stream (FILE * is NULL)");
    ag_graph_opts o = opts ? *opts : (ag_graph_opts){AG_NULL, false, NULL, 0};
    if (!ag_is_null(o.highlight) && (s = ag_check(t, ag_run_of(o.highlight, 1), "ag_graph_dot (highlight)", 3)) != AG_OK)
        return s;
    size_t n = (size_t)y.idx + 1;
    unsigned char *needed = ag_realloc(NULL, 2 * n);
    if (!needed)
        return ag_tape_fail(t, AG_ENOMEM, "ag_graph_dot: out of memory for %zu nodes", n);
    unsigned char *onpath = needed + n;
    memset(needed, 0, 2 * n);
    mark_past(t, y, needed);
    if (!ag_is_null(o.highlight))
        mark_path(t, y, o.highlight, needed, onpath);

    fputs("digraph agrad {\n  graph [rankdir=LR", out);
    if (o.title || o.recorded_from) {
        fputs(", labelloc=t, label=\"", out);
        put_escaped(out, o.title ? o.title : "");
        if (o.recorded_from)
            fputs(o.title ? "\\n" : "", out), fputs("dashed blue: nodes of the recorded backward pass", out);
        fputc('"', out);
    }
    fputs("];\n  node [shape=record, fontname=\"Helvetica\", fontsize=11];\n"
          "  edge [color=gray30, fontname=\"Helvetica\", fontsize=10];\n", out);
    for (uint32_t i = 0; i <= y.idx; i++) {
        if (!needed[i])
            continue;
        ag_node v = ag_node_from_index(t, i);
        put_node(out, t, v, o.show_grad, onpath[i], o.recorded_from && i >= o.recorded_from);
        put_edges(out, t, v, onpath, onpath[i]);
    }
    fputs("}\n", out);
    ag_free(needed);
    if (ferror(out) || fflush(out) != 0)
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_dot: writing the DOT text failed: %s", strerror(errno));
    return AG_OK;
}

/* ---- files ---- */

/* The DOT text into a new temporary file beside path (f). */
static ag_status dot_to_temp(ag_tape *t, ag_node y, const ag_graph_opts *opts, const char *path, af_file *f)
{
    if (af_open(path, f) != 0) {
        ag_status s = ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot create a file beside '%s': %s", path,
                                   strerror(errno));
        af_abort(f);
        return s;
    }
    FILE *out = fdopen(f->fd, "w");
    if (!out) {
        af_abort(f);
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot open '%s': %s", path, strerror(errno));
    }
    ag_status s = ag_graph_dot(t, y, opts, out);
    f->fd = -1; /* fclose closes it */
    if (fclose(out) != 0 && s == AG_OK)
        s = ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: writing '%s' failed: %s", f->tmp, strerror(errno));
    if (s != AG_OK)
        af_abort(f);
    return s;
}

/* Read what the child writes to the pipe until EOF; keep its first line. */
static void first_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    char chunk[256];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (ssize_t k = 0; k < r && n + 1 < size; k++)
            buf[n++] = chunk[k];
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

static const char NOT_FOUND[] =
    "ag_graph_write: Graphviz 'dot' not found; install the Debian package graphviz, or write a .dot file";

/* Run `dot -T<fmt> -o out in`, its stdin and stdout on /dev/null, its
 * stderr captured for the message. */
static ag_status run_dot(ag_tape *t, const char *fmt, const char *in, const char *out_file,
                         const char *path)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: pipe for dot: %s", strerror(errno));
    fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pfd[1], F_SETFD, FD_CLOEXEC); /* dup2 onto 2 below clears it there */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    char a0[] = "dot", a1[16], a2[] = "-o";
    snprintf(a1, sizeof a1, "-T%s", fmt);
    size_t lo = strlen(out_file) + 1, li = strlen(in) + 1;
    char *a3 = ag_realloc(NULL, lo + li);
    if (!a3) {
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[0]);
        close(pfd[1]);
        return ag_tape_fail(t, AG_ENOMEM, "ag_graph_write: out of memory");
    }
    char *a4 = a3 + lo;
    memcpy(a3, out_file, lo);
    memcpy(a4, in, li);
    char *argv[] = {a0, a1, a2, a3, a4, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ag_free(a3);
    close(pfd[1]);
    if (rc != 0) {
        close(pfd[0]);
        if (rc == ENOENT)
            return ag_tape_fail(t, AG_TEACH_EIO, "%s (rendering '%s')", NOT_FOUND, path);
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot run dot for '%s': %s", path, strerror(rc));
    }
    char err[200];
    first_line(pfd[0], err, sizeof err);
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: waiting for dot: %s", strerror(errno));
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return AG_OK;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) /* a spawn that reports exec failure late */
        return ag_tape_fail(t, AG_TEACH_EIO, "%s (rendering '%s')", NOT_FOUND, path);
    if (WIFEXITED(st))
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: dot -T%s failed (exit %d) rendering '%s': %s", fmt,
                        WEXITSTATUS(st), path, err[0] ? err : "no message");
    return ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: dot -T%s was killed by signal %d rendering '%s'", fmt,
                    WIFSIGNALED(st) ? WTERMSIG(st) : 0, path);
}

/* The format from path's extension: "" for DOT text, NULL when unknown. */
static const char *format_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash))
        return NULL;
    static const char *const text[] = {".dot", ".gv"}, *const rendered[] = {".svg", ".png", ".pdf"};
    for (size_t k = 0; k < sizeof text / sizeof *text; k++)
        if (strcmp(dot, text[k]) == 0)
            return "";
    for (size_t k = 0; k < sizeof rendered / sizeof *rendered; k++)
        if (strcmp(dot, rendered[k]) == 0)
            return rendered[k] + 1;
    return NULL;
}

ag_status ag_graph_write(ag_tape *t, ag_node y, const ag_graph_opts *opts, const char *path)
{
    ag_status s = ag_check(t, ag_run_of(y, 1), "ag_graph_write", 2);
    if (s != AG_OK)
        return s;
    const char *fmt = path ? format_of(path) : NULL;
    if (!fmt)
        return ag_tape_fail(t, AG_EINVAL,
                            "ag_graph_write: '%s': the name must end in .dot, .gv, .svg, .png or .pdf",
                            path ? path : "(null)");
    af_file dot;
    if ((s = dot_to_temp(t, y, opts, path, &dot)) != AG_OK)
        return s;
    if (*fmt == '\0') {
        if (af_commit(&dot, path) != 0)
            s = ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot %s the DOT text into '%s': %s", dot.failed, path,
                             strerror(errno));
        return s;
    }
    af_file img;
    if (af_open(path, &img) != 0) {
        s = ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot create a file beside '%s': %s", path,
                         strerror(errno));
        af_abort(&img);
    } else {
        close(img.fd); /* dot writes it by name */
        img.fd = -1;
        s = run_dot(t, fmt, dot.tmp, img.tmp, path);
        if (s != AG_OK)
            af_abort(&img);
        else if (af_commit(&img, path) != 0)
            s = ag_tape_fail(t, AG_TEACH_EIO, "ag_graph_write: cannot %s the rendered graph into '%s': %s", img.failed,
                             path, strerror(errno));
    }
    af_abort(&dot);
    return s;
}
