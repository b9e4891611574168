/*
 * test_teach_graph.c: Graphviz output (teach.h). The DOT text holds exactly
 * y's past with data-flow edges, escaped labels, gradients and a highlighted
 * path on request, and Graphviz accepts it when installed; ag_graph_write
 * writes .dot and .svg files whole, and fails cleanly (no file left) on a
 * missing directory, an unknown extension or a missing `dot`.
 */
#include "require.h"
#include "teach.h"
#include "teach_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- DOT ---- */

typedef struct small {
    ag_tape *t;
    ag_node w, x, u, unused, z, after;
} small;

/* u = w·x, unused = e^w (not in z's past), z = u + w, after = sin z
 * (recorded after z): z's past is {w, x, u, z}. */
static small small_graph(void)
{
    small g;
    ag_tape *t = g.t = ag_tape_new(0);
    g.w = ag_var(t, 2.0);
    g.x = ag_const(t, 3.0);
    g.u = ag_mul(t, g.w, g.x);
    g.unused = ag_unary(t, AG_OP_EXP, g.w);
    g.z = ag_add(t, g.u, g.w);
    g.after = ag_unary(t, AG_OP_SIN, g.z);
    ag_name_set(t, g.w, "w");
    ag_name_set(t, g.z, "z");
    return g;
}

static char *dot_text(ag_tape *t, ag_node y, const ag_graph_opts *o)
{
    capture c;
    capture_open(&c);
    cr_assert_eq(ag_graph_dot(t, y, o, c.f), AG_OK, "%s", ag_tape_error(t));
    return capture_close(&c);
}

Test(teach_graph, dot_has_exactly_the_past_and_dataflow_edges)
{
    small g = small_graph();
    char *text = dot_text(g.t, g.z, NULL);
    char s[64];
    uint32_t in_past[] = {g.w.idx, g.x.idx, g.u.idx, g.z.idx};
    for (size_t k = 0; k < 4; k++) {
        snprintf(s, sizeof s, "\n  n%u [", in_past[k]);
        cr_assert_eq(count(text, s), 1, "node #%u once:\n%s", in_past[k], text);
    }
    cr_assert_eq(count(text, "[label=\"{"), 4, "records for exactly 4 nodes:\n%s", text);
    snprintf(s, sizeof s, "n%u ", g.unused.idx);
    cr_assert_eq(count(text, s), 0, "%s", text);
    snprintf(s, sizeof s, "n%u ", g.after.idx);
    cr_assert_eq(count(text, s), 0, "%s", text);
    /* edges: input -> op node -> node, and never backwards */
    const char *want[] = {"n%u -> o%u", "n%u -> o%u", "o%u -> n%u", "n%u -> o%u", "o%u -> n%u"};
    uint32_t ends[][2] = {{g.w.idx, g.u.idx}, {g.x.idx, g.u.idx}, {g.u.idx, g.u.idx},
                          {g.u.idx, g.z.idx}, {g.z.idx, g.z.idx}};
    for (size_t k = 0; k < 5; k++) {
        snprintf(s, sizeof s, want[k], ends[k][0], ends[k][1]);
        cr_assert(strstr(text, s) != NULL, "edge %s:\n%s", s, text);
    }
    snprintf(s, sizeof s, "n%u -> o%u", g.w.idx, g.z.idx);
    cr_assert(strstr(text, s) != NULL, "%s", text);
    cr_assert_eq(count(text, " -> "), 6, "3 edges into ops, 2 op edges... %s", text);
    for (const char *p = text; (p = strstr(p, " -> ")) != NULL; p += 4) {
        /* "nA -> oB" or "oB -> nB": the arrow never points to a lower index */
        const char *l = p;
        while (l > text && l[-1] != ' ')
            l--;
        unsigned from = (unsigned)strtoul(l + 1, NULL, 10), to = (unsigned)strtoul(p + 5, NULL, 10);
        cr_assert_leq(from, to, "%s", text);
    }
    cr_assert(strstr(text, "rankdir=LR") != NULL);
    cr_assert(strstr(text, "| grad") == NULL, "no gradients unless asked");
    free(text);
    ag_tape_free(g.t);
}

Test(teach_graph, dot_escapes_labels_and_shows_gradients_and_highlight)
{
    small g = small_graph();
    ag_name_set(g.t, g.u, "a{b}|<c>\"d\\e");
    ag_backward(g.t, g.z);
    ag_graph_opts o = {.highlight = g.w, .show_grad = true, .title = "t\"1"};
    char *text = dot_text(g.t, g.z, &o);
    cr_assert(strstr(text, "{ a\\{b\\}\\|\\<c\\>\\\"d\\\\e | value 6 | grad 1 }") != NULL, "%s", text);
    cr_assert(strstr(text, "label=\"t\\\"1\"") != NULL, "%s", text);
    /* dz/dw = x + 1 = 4 (u = w x, z = u + w) */
    cr_assert(strstr(text, "{ w | var | value 2 | grad 4 }") != NULL, "%s", text);
    /* the path from w: w, u, z and their edges in colour; x is not on it */
    char s[96];
    uint32_t lit[] = {g.w.idx, g.u.idx, g.z.idx};
    for (size_t k = 0; k < 3; k++) {
        snprintf(s, sizeof s, "\n  n%u [", lit[k]);
        const char *line = strstr(text, s);
        cr_assert_not_null(line);
        cr_assert(line_has(line + 1, "#d62728"), "node #%u lit:\n%s", lit[k], text);
    }
    snprintf(s, sizeof s, "\n  n%u [", g.x.idx);
    const char *xl = strstr(text, s);
    cr_assert_not_null(xl);
    cr_assert(!line_has(xl + 1, "#d62728"), "x not lit:\n%s", text);
    snprintf(s, sizeof s, "n%u -> o%u;", g.x.idx, g.u.idx);
    cr_assert(strstr(text, s) != NULL, "x's edge plain:\n%s", text);
    snprintf(s, sizeof s, "n%u -> o%u [color=\"#d62728\"", g.w.idx, g.u.idx);
    cr_assert(strstr(text, s) != NULL, "w's edge lit:\n%s", text);
    free(text);
    ag_tape_free(g.t);
}

Test(teach_graph, dot_is_deterministic_and_accepted_by_graphviz)
{
    /* the small graph grown with n-ary and ordered ops, an awkward name */
    small g = small_graph();
    ag_tape *t = g.t;
    ag_node xs[3] = {g.w, g.u, g.z};
    ag_node sq[7] = {g.w, g.w, g.u, g.u, g.z, g.z, g.x}; /* w.w + u.u + z.z + x */
    ag_node q = ag_div(t, ag_apply(t, AG_OP_DOT, sq, 7), ag_sub(t, ag_unary(t, AG_OP_EXP, g.w), g.x));
    ag_node y = ag_add(t, ag_apply(t, AG_OP_LOGSUMEXP, xs, 3), q);
    ag_name_set(t, g.u, "b|<odd> {name} \"q\" \\");
    ag_backward(t, y);
    ag_graph_opts o = {.highlight = g.w, .show_grad = true, .title = "all \"ops\""};
    char *one = dot_text(t, y, &o), *two = dot_text(t, y, &o);
    cr_assert_str_eq(one, two);
    if (!have_dot()) {
        free(one);
        free(two);
        ag_tape_free(t);
        AG_TEST_SKIP("Graphviz 'dot' is not installed (apt-get install graphviz): DOT not validated");
    }
    char path[] = "/tmp/agrad-teach-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, one, strlen(one)), (ssize_t)strlen(one));
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "dot -Tsvg %s -o /dev/null 2>/dev/null", path);
    cr_assert_eq(system(cmd), 0, "dot rejected:\n%s", one);
    unlink(path);
    free(one);
    free(two);
    ag_tape_free(t);
}

/* ---- ag_graph_write ---- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    capture c;
    capture_open(&c);
    int ch;
    while ((ch = fgetc(f)) != EOF)
        fputc(ch, c.f);
    fclose(f);
    return capture_close(&c);
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

Test(teach_graph, graph_write_dot_svg_and_failures)
{
    small g = small_graph();
    char dir[] = "/tmp/agrad-graph-XXXXXX", path[128];
    cr_assert_not_null(mkdtemp(dir));

    /* .dot: the same text as ag_graph_dot, and nothing else left behind */
    snprintf(path, sizeof path, "%s/g.dot", dir);
    cr_assert_eq(ag_graph_write(g.t, g.z, NULL, path), AG_OK, "%s", ag_tape_error(g.t));
    char *file = read_all(path), *text = dot_text(g.t, g.z, NULL);
    cr_assert_str_eq(file, text);
    free(file);
    free(text);
    cr_assert_eq(dir_entries(dir), 1);
    unlink(path);

    /* an unknown extension */
    snprintf(path, sizeof path, "%s/g.jpeg", dir);
    cr_assert_eq(ag_graph_write(g.t, g.z, NULL, path), AG_EINVAL);
    ag_tape_clear_error(g.t);

    /* a missing directory: AG_TEACH_EIO naming the path, no file */
    snprintf(path, sizeof path, "%s/missing/g.svg", dir);
    cr_assert_eq(ag_graph_write(g.t, g.z, NULL, path), AG_TEACH_EIO);
    cr_assert(strstr(ag_tape_error(g.t), path) != NULL, "%s", ag_tape_error(g.t));
    cr_assert_neq(access(path, F_OK), 0);
    ag_tape_clear_error(g.t);

    /* dot not on PATH: the message says what to do, and no file is left */
    snprintf(path, sizeof path, "%s/g.svg", dir);
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", dir, 1);
    cr_assert_eq(ag_graph_write(g.t, g.z, NULL, path), AG_TEACH_EIO);
    if (old) {
        setenv("PATH", old, 1);
        free(old);
    }
    cr_assert(strstr(ag_tape_error(g.t), "Graphviz 'dot' not found; install the Debian package graphviz, or write a .dot file") != NULL,
              "%s", ag_tape_error(g.t));
    cr_assert_eq(dir_entries(dir), 0, "no file left behind");
    ag_tape_clear_error(g.t);

    if (have_dot()) {
        cr_assert_eq(ag_graph_write(g.t, g.z, NULL, path), AG_OK, "%s", ag_tape_error(g.t));
        char *svg = read_all(path);
        cr_assert_not_null(svg);
        cr_assert(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0, "%.80s", svg);
        free(svg);
        cr_assert_eq(dir_entries(dir), 1, "only the svg: temporaries removed");
        unlink(path);
    }
    rmdir(dir);
    ag_tape_free(g.t);
    if (!have_dot())
        AG_TEST_SKIP("Graphviz 'dot' is not installed (apt-get install graphviz): .svg not rendered");
}

