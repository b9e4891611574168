/*
 * test_examples.c: the example programs, run as programs
 * ($AGRAD_BUILD/examples/NAME, from the repository root). Checks: moons
 * reaches accuracy 1 and ends with its exact "final" line; moons and digits
 * give the same losses recording every step and replaying one recorded
 * graph; a saved moons model reloads to the loss the training run reached;
 * xor learns all four points; neuron's autodiff gradients equal F8 computed
 * here; fashion and its IDX reader refuse missing and malformed files with
 * clear messages (its training is too slow for the suite).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ex_build(void)
{
    const char *b = getenv("AGRAD_BUILD");
    return b && *b ? b : "build";
}

/* Run "$AGRAD_BUILD/examples/<args>" with stderr merged into stdout; returns
 * the exit status and the output (malloc'd, NUL-terminated) in *out. */
static int ex_run(char **out, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/examples/%s 2>&1", ex_build(), args);
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    cr_assert(buf);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
    }
    buf[len] = '\0';
    int st = pclose(p);
    *out = buf;
    cr_assert(WIFEXITED(st), "%s did not exit normally", cmd);
    return WEXITSTATUS(st);
}

/* The numbers after `key` on every line that starts with `key`, in order
 * ("step 7 loss L ..." with key "step", field 2 -> L). */
static size_t ex_column(const char *text, const char *key, int field, double *vals, size_t max)
{
    size_t n = 0, klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
            continue;
        const char *p = line + klen;
        char *end;
        for (int f = 0; f < field; f++) { /* skip words until the field */
            while (*p == ' ')
                p++;
            while (*p && *p != ' ' && *p != '\n')
                p++;
        }
        double v = strtod(p, &end);
        cr_assert(end != p, "no number in field %d of: %.60s", field, line);
        cr_assert(n < max);
        vals[n++] = v;
    }
    return n;
}

static const char *ex_last_line(char *text)
{
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    char *nl = strrchr(text, '\n');
    return nl ? nl + 1 : text;
}

Test(examples, moons_reaches_full_accuracy_with_the_exact_final_line, .timeout = 60)
{
    char *out, last[256];
    int rc = ex_run(&out, "moons");
    snprintf(last, sizeof last, "%s", ex_last_line(out));
    free(out);
    double loss, acc;
    int used = -1;
    cr_assert_eq(sscanf(last, "final loss=%lf accuracy=%lf%n", &loss, &acc, &used), 2, "last line: %s", last);
    cr_assert_eq((size_t)used, strlen(last), "trailing text in: %s", last);
    /* the format is %.17g and %.4f: printing the parsed numbers again gives
     * the same line back */
    char again[128];
    snprintf(again, sizeof again, "final loss=%.17g accuracy=%.4f", loss, acc);
    cr_assert_str_eq(last, again);
    cr_assert(loss > 0 && loss < 0.1, "final loss %g", loss);
    cr_assert_eq(acc, 1.0, "moons ends at accuracy %g, not 1 (output: %s)", acc, last);
    cr_assert_eq(rc, 0);
}

static void same_losses(const char *a, const char *b, const char *key, int field, size_t want)
{
    char *oa, *ob;
    cr_assert_eq(ex_run(&oa, a) > 2, 0, "%s failed: %s", a, oa);
    cr_assert_eq(ex_run(&ob, b) > 2, 0, "%s failed: %s", b, ob);
    double va[200], vb[200];
    size_t na = ex_column(oa, key, field, va, 200), nb = ex_column(ob, key, field, vb, 200);
    cr_assert_eq(na, want, "%s printed %zu '%s' lines, %zu expected", a, na, key, want);
    cr_assert_eq(nb, want, "%s printed %zu '%s' lines", b, nb, key);
    for (size_t i = 0; i < na; i++)
        cr_assert(fabs(va[i] - vb[i]) <= 1e-12, "%s line %zu: %.17g recorded, %.17g replayed", key, i, va[i], vb[i]);
    free(oa);
    free(ob);
}

Test(examples, moons_replay_gives_the_recorded_losses, .timeout = 60)
{
    same_losses("moons --verbose", "moons --verbose --replay", "step", 2, 100);
}

Test(examples, digits_replay_gives_the_recorded_losses, .timeout = 60)
{
    /* 1440 training images in batches of 32: 45 losses */
    same_losses("digits --epochs 1 --verbose", "digits --epochs 1 --verbose --replay", "batch", 2, 45);
}

Test(examples, moons_saved_model_reloads_to_the_same_loss, .timeout = 60)
{
    char path[] = "/tmp/agrad_moons_XXXXXX", args[256], *o1, *o2, *o3;
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    /* the model after 30 steps (k = 0..29) is the model whose forward pass
     * is step 30 of a longer run */
    snprintf(args, sizeof args, "moons --steps 30 --save %s", path);
    ex_run(&o1, args);
    cr_assert(strstr(o1, "saved the model"), "%s", o1);
    ex_run(&o2, "moons --steps 31 --verbose");
    double steps[40];
    cr_assert_eq(ex_column(o2, "step", 2, steps, 40), 31);
    snprintf(args, sizeof args, "moons --steps 0 --load %s", path);
    ex_run(&o3, args);
    double loaded, acc;
    cr_assert_eq(sscanf(ex_last_line(o3), "final loss=%lf accuracy=%lf", &loaded, &acc), 2, "%s", o3);
    cr_assert(fabs(loaded - steps[30]) <= 1e-12, "reloaded loss %.17g, step 30 %.17g", loaded, steps[30]);
    remove(path);
    free(o1);
    free(o2);
    free(o3);
}

Test(examples, xor_learns_all_four_points, .timeout = 60)
{
    char *out;
    int rc = ex_run(&out, "xor");
    cr_assert_eq(rc, 0, "xor: %s", out);
    cr_assert(strstr(out, "4 of 4 right"), "%s", out);
    free(out);
}

/* F8: z = w1 x1 + b, a = σ(z), C = ½(a - y)²:
 * dC/dw1 = (a - y) σ(z)(1 - σ(z)) x1, dC/db = (a - y) σ(z)(1 - σ(z)). */
static void neuron_matches_f8(double w1, double x1, double b, double y)
{
    char args[256], *out;
    snprintf(args, sizeof args, "neuron --w1 %.17g --x1 %.17g --b %.17g --y %.17g", w1, x1, b, y);
    int rc = ex_run(&out, args);
    double gw, gb;
    const char *pw = strstr(out, "autodiff dC/dw1 = "), *pb = strstr(out, "autodiff dC/db = ");
    cr_assert(pw && pb, "%s", out);
    cr_assert_eq(sscanf(pw, "autodiff dC/dw1 = %lf", &gw), 1);
    cr_assert_eq(sscanf(pb, "autodiff dC/db = %lf", &gb), 1);
    double a = 1.0 / (1.0 + exp(-(w1 * x1 + b))), delta = (a - y) * a * (1.0 - a);
    cr_assert(fabs(gw - delta * x1) <= 1e-12 * fmax(1.0, fabs(gw)), "dC/dw1 %.17g, F8 %.17g", gw, delta * x1);
    cr_assert(fabs(gb - delta) <= 1e-12 * fmax(1.0, fabs(gb)), "dC/db %.17g, F8 %.17g", gb, delta);
    cr_assert(strstr(out, "backward from C"), "no ledger in: %s", out);
    cr_assert_eq(rc, 0);
    free(out);
}

Test(examples, neuron_gradients_are_f8, .timeout = 60)
{
    neuron_matches_f8(0.6, 1.5, -0.2, 1.0);
    neuron_matches_f8(-0.8, 2.5, 0.3, 0.0);
    neuron_matches_f8(3.0, -4.0, 1.0, 1.0); /* z = -11: σ' is small */
}

Test(examples, fashion_without_data_is_skipped_with_a_hint, .timeout = 60)
{
    char *out;
    int rc = ex_run(&out, "fashion --dir /nonexistent/agrad-fashion");
    cr_assert_eq(rc, 77, "%s", out);
    cr_assert(strstr(out, "apt-get install dataset-fashion-mnist"), "%s", out);
    cr_assert(strstr(out, "make fashion"), "%s", out);
    free(out);
}

/* A directory holding train-images-idx3-ubyte.gz with `bytes` (gzread
 * reads an uncompressed file as it is). */
static void fashion_refuses(const unsigned char *bytes, size_t n, const char *expect)
{
    char dir[] = "/tmp/agrad_idx_XXXXXX", path[300], args[400], *out;
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
    snprintf(args, sizeof args, "fashion --dir %s", dir);
    int rc = ex_run(&out, args);
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, path), "the message names the file: %s", out);
    cr_assert(strstr(out, expect), "expected '%s' in: %s", expect, out);
    remove(path);
    rmdir(dir);
    free(out);
}

Test(examples, fashion_idx_headers_are_parsed_strictly, .timeout = 60)
{
    /* a labels file (1 dimension) where images (3) are expected */
    static const unsigned char one_dim[] = {0, 0, 8, 1, 0, 0, 0, 1, 7};
    fashion_refuses(one_dim, sizeof one_dim, "byte 0: magic 00 00 08 01");
    /* 2 images of 28x28 announced, 3 bytes of data */
    static const unsigned char short_data[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3};
    fashion_refuses(short_data, sizeof short_data, "byte 19: the file ends inside the data");
    /* a zero dimension */
    static const unsigned char zero_dim[] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
    fashion_refuses(zero_dim, sizeof zero_dim, "byte 4: dimension 1 is 0");
}

Test(examples, moons_names_a_missing_data_file, .timeout = 60)
{
    char *out;
    int rc = ex_run(&out, "moons --data /nonexistent/moons.csv");
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, "/nonexistent/moons.csv"), "%s", out);
    free(out);
}
