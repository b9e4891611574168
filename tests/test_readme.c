/*
 * test_readme.c: the outputs README.md shows are what the commands print.
 *
 * Every "$ agrad ..." line in a ```sh block of README.md (with "\"
 * continuations) is run with $AGRAD_BUILD/agrad, stderr merged; the lines
 * shown after it must appear in the real output in the same order, each
 * exactly ("..." lines stand for lines left out). A command written with
 * "..." ("agrad check ... --expect 'F' ...") is the previous command with
 * its --expect replaced by F.
 *
 * Every ```c block compiles, so that the API it shows is the library's.
 */
#include "require.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLINES 2000
#define LINELEN 1024

typedef struct doc {
    char line[MAXLINES][LINELEN];
    size_t n;
} doc;

static void read_lines(FILE *f, doc *d)
{
    d->n = 0;
    while (d->n < MAXLINES && fgets(d->line[d->n], LINELEN, f)) {
        d->line[d->n][strcspn(d->line[d->n], "\n")] = '\0';
        d->n++;
    }
}

static void read_readme(doc *d)
{
    FILE *f = fopen("README.md", "r");
    cr_assert(f, "README.md not found: run the suite from the repository root (make test)");
    read_lines(f, d);
    fclose(f);
    cr_assert_lt(d->n, (size_t)MAXLINES, "README.md has more than %d lines: raise MAXLINES", MAXLINES);
}

/* the quoted argument after "--expect " in cmd, quotes included, or NULL */
static const char *expect_arg(const char *cmd, size_t *len)
{
    const char *p = strstr(cmd, "--expect '");
    if (!p)
        return NULL;
    p += strlen("--expect ");
    const char *end = strchr(p + 1, '\'');
    if (!end)
        return NULL;
    *len = (size_t)(end + 1 - p);
    return p;
}

/* cmd with "..." resolved against the previous full command */
static void resolve(const char *cmd, const char *prev, char *out, size_t cap)
{
    size_t nl = 0, ol = 0;
    const char *nw = expect_arg(cmd, &nl), *old = prev[0] ? expect_arg(prev, &ol) : NULL;
    if (!strstr(cmd, "...")) {
        snprintf(out, cap, "%s", cmd);
        return;
    }
    cr_assert(nw && old, "README: cannot expand '%s' (no --expect in it or in the command before)", cmd);
    snprintf(out, cap, "%.*s%.*s%s", (int)(old - prev), prev, (int)nl, nw, old + ol);
}

static void check_command(const char *cmd, const doc *shown, size_t from, size_t to)
{
    const char *b = getenv("AGRAD_BUILD");
    static char full[8192];
    cr_assert(strncmp(cmd, "agrad ", 6) == 0);
    snprintf(full, sizeof full, "%s/agrad %s 2>&1", b && *b ? b : "build", cmd + 6);
    FILE *p = popen(full, "r");
    cr_assert(p);
    static doc got;
    read_lines(p, &got);
    pclose(p);
    size_t at = 0;
    for (size_t k = from; k < to; k++) {
        const char *want = shown->line[k];
        if (strcmp(want, "...") == 0)
            continue;
        while (at < got.n && strcmp(got.line[at], want) != 0)
            at++;
        if (at == got.n) {
            fprintf(stderr, "README.md:%zu: `%s` printed:\n", k + 1, cmd);
            for (size_t i = 0; i < got.n; i++)
                fprintf(stderr, "  |%s\n", got.line[i]);
        }
        cr_assert_lt(at, got.n, "README.md:%zu shows a line the command does not print (in this order): %s", k + 1, want);
        at++;
    }
}

Test(readme, shown_outputs_are_what_the_commands_print)
{
    static doc d;
    read_readme(&d);
    static char cmd[4096], prev[4096] = "", run[4096];
    size_t n_checked = 0;
    bool in_sh = false;
    for (size_t k = 0; k < d.n; k++) {
        if (strncmp(d.line[k], "```", 3) == 0) {
            in_sh = !in_sh && strcmp(d.line[k], "```sh") == 0;
            continue;
        }
        if (!in_sh || strncmp(d.line[k], "$ agrad ", 8) != 0)
            continue;
        snprintf(cmd, sizeof cmd, "%s", d.line[k] + 2);
        while (cmd[0] && cmd[strlen(cmd) - 1] == '\\' && k + 1 < d.n) { /* continuation */
            cmd[strlen(cmd) - 1] = '\0';
            k++;
            const char *next = d.line[k] + strspn(d.line[k], " ");
            strncat(cmd, next, sizeof cmd - strlen(cmd) - 1);
        }
        size_t from = k + 1, to = from;
        while (to < d.n && strncmp(d.line[to], "$ ", 2) != 0 && strncmp(d.line[to], "```", 3) != 0)
            to++;
        resolve(cmd, prev, run, sizeof run);
        check_command(run, &d, from, to);
        snprintf(prev, sizeof prev, "%s", run);
        n_checked++;
        k = to - 1;
    }
    cr_assert_geq(n_checked, 5, "only %zu agrad commands found in README.md", n_checked);
}

/* Every ```c block of README.md compiles with the compiler of the build
 * ($CC, else cc) and -Werror: wrapped in a main with the public headers (its
 * own #include lines dropped), and the two names the training-loop block
 * takes from the text around it (xy, label). */
Test(readme, c_blocks_compile)
{
    static doc d;
    read_readme(&d);
    const char *build = getenv("AGRAD_BUILD"), *cc = getenv("CC");
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/readme_block.c", build && *build ? build : "build");
    size_t n_blocks = 0;
    for (size_t k = 0; k < d.n; k++) {
        if (strcmp(d.line[k], "```c") != 0)
            continue;
        size_t first = k + 1;
        FILE *out = fopen(path, "w");
        cr_assert(out, "cannot write %s", path);
        fprintf(out, "#include \"autograd.h\"\n#include \"nn.h\"\n#include <stdio.h>\n"
                     "int main(void)\n{\n    double xy[2] = {0.5, -0.5}, label = 1.0;\n"
                     "    (void)xy, (void)label;\n");
        for (k = first; k < d.n && strncmp(d.line[k], "```", 3) != 0; k++)
            if (strncmp(d.line[k], "#include", 8) != 0)
                fprintf(out, "%s\n", d.line[k]);
        fprintf(out, "    return 0;\n}\n");
        fclose(out);
        snprintf(cmd, sizeof cmd,
                 "%s -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iautograd -Inn %s 2>&1",
                 cc && *cc ? cc : "cc", path);
        int rc = system(cmd);
        cr_assert_eq(rc, 0, "README.md:%zu: the ```c block does not compile (%s; the compiler said why above)",
                     first, path);
        n_blocks++;
    }
    cr_assert_geq(n_blocks, 3, "only %zu ```c blocks found in README.md", n_blocks);
}
