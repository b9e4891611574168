/*
 * test_csv.c: numeric CSV data sets: header detection, the label column,
 * line ends and whitespace, every error with its exact line:column, failed
 * allocations, and a 10^4-row file checked through closed-form sums.
 */
#include "nn_io.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const nn_csv_opts detect_last = {-1, -1};

static nn_dataset parse_ok(const char *text, nn_csv_opts o)
{
    nn_dataset d;
    nn_error err;
    ag_status s = nn_csv_parse(text, strlen(text), "t.csv", &o, &d, &err);
    cr_assert_eq(s, AG_OK, "%s", err.message);
    cr_assert_eq(err.status, AG_OK);
    return d;
}

static void expect_values(const double *got, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(got[i], want[i], "%s[%zu] = %g, %g expected", what, i, got[i], want[i]);
}

static bool zeroed(const nn_dataset *d)
{
    return d->rows == 0 && d->cols == 0 && !d->x && !d->y && !d->feature_names;
}

/* Parse text; expect status s and exactly `msg` as the message. */
static void fails(const char *text, nn_csv_opts o, ag_status s, const char *msg)
{
    nn_dataset d;
    memset(&d, 0xAB, sizeof d); /* garbage in: must come back zeroed */
    nn_error err;
    ag_status got = nn_csv_parse(text, strlen(text), "moons.csv", &o, &d, &err);
    cr_assert_eq(got, s, "status %d for %s (message: %s)", got, text, err.message);
    cr_assert_str_eq(err.message, msg);
    cr_assert(zeroed(&d), "out left zeroed");
}

Test(csv, header_detected_and_names_kept)
{
    nn_dataset d = parse_ok("x1,x2,label\n1,2,0\n3,4,1\n", detect_last);
    cr_assert_eq(d.rows, 2);
    cr_assert_eq(d.cols, 2);
    expect_values(d.x, (double[]){1, 2, 3, 4}, 4, "x");
    expect_values(d.y, (double[]){0, 1}, 2, "y");
    cr_assert_not_null(d.feature_names);
    cr_assert_str_eq(d.feature_names[0], "x1");
    cr_assert_str_eq(d.feature_names[1], "x2");
    nn_dataset_free(&d);
    cr_assert(zeroed(&d));

    /* no header: every line is data */
    d = parse_ok("1.5,-2e3,1\n", detect_last);
    cr_assert_eq(d.rows, 1);
    cr_assert_null(d.feature_names);
    expect_values(d.x, (double[]){1.5, -2000}, 2, "x");
    nn_dataset_free(&d);

    /* forced header on a numeric line: the line is names */
    d = parse_ok("1,2,3\n4,5,6\n", (nn_csv_opts){-1, 1});
    cr_assert_eq(d.rows, 1);
    cr_assert_str_eq(d.feature_names[1], "2");
    nn_dataset_free(&d);

    /* quoted names lose their quotes; spaces around them go */
    d = parse_ok(" \"a\" , \"b\",y\n1,2,3\n", detect_last);
    cr_assert_str_eq(d.feature_names[0], "a");
    cr_assert_str_eq(d.feature_names[1], "b");
    nn_dataset_free(&d);

    /* forced no-header on a header line: 'x1' is data and not a number */
    fails("x1,x2\n1,2\n", (nn_csv_opts){-1, 0}, NN_EPARSE, "moons.csv:1:1: 'x1' is not a number");
}

Test(csv, label_column_first_middle_last)
{
    const char *text = "a,b,c\n1,2,3\n4,5,6\n";
    nn_dataset d = parse_ok(text, (nn_csv_opts){0, -1});
    expect_values(d.y, (double[]){1, 4}, 2, "y");
    expect_values(d.x, (double[]){2, 3, 5, 6}, 4, "x");
    cr_assert_str_eq(d.feature_names[0], "b");
    cr_assert_str_eq(d.feature_names[1], "c");
    nn_dataset_free(&d);

    d = parse_ok(text, (nn_csv_opts){1, -1});
    expect_values(d.y, (double[]){2, 5}, 2, "y");
    expect_values(d.x, (double[]){1, 3, 4, 6}, 4, "x");
    cr_assert_str_eq(d.feature_names[0], "a");
    cr_assert_str_eq(d.feature_names[1], "c");
    nn_dataset_free(&d);

    for (int lc = -1; lc <= 2; lc += 3) { /* -1 and 2 are the same column */
        d = parse_ok(text, (nn_csv_opts){lc, -1});
        expect_values(d.y, (double[]){3, 6}, 2, "y");
        expect_values(d.x, (double[]){1, 2, 4, 5}, 4, "x");
        nn_dataset_free(&d);
    }
    fails(text, (nn_csv_opts){3, -1}, AG_EINVAL,
          "moons.csv:1:1: label column 3, but rows have 3 fields");
    fails(text, (nn_csv_opts){-2, -1}, AG_EINVAL,
          "moons.csv:1:1: label column -2, but rows have 3 fields");
}

Test(csv, line_ends_spaces_and_the_last_line)
{
    nn_dataset d = parse_ok("x,y\r\n1, 2\r\n3 ,\t4\r\n", detect_last);
    cr_assert_eq(d.rows, 2);
    expect_values(d.x, (double[]){1, 3}, 2, "x");
    expect_values(d.y, (double[]){2, 4}, 2, "y");
    nn_dataset_free(&d);

    d = parse_ok("1,2\n3,4", detect_last); /* no final newline */
    cr_assert_eq(d.rows, 2);
    expect_values(d.y, (double[]){2, 4}, 2, "y");
    nn_dataset_free(&d);

    d = parse_ok("1,2\r\n3,4\n\n  \r\n\n", detect_last); /* trailing blank lines */
    cr_assert_eq(d.rows, 2);
    nn_dataset_free(&d);

    d = parse_ok("\xEF\xBB\xBFx,y\n1,2\n", detect_last); /* byte order mark */
    cr_assert_str_eq(d.feature_names[0], "x");
    nn_dataset_free(&d);
}

Test(csv, every_error_with_line_and_column)
{
    nn_csv_opts o = detect_last;
    /* "3,abc": 'abc' starts at byte 3 of line 3 */
    fails("x,y\n1,2\n3,abc\n", o, NN_EPARSE, "moons.csv:3:3: 'abc' is not a number");
    /* "3,  abc": after the two spaces, column 5 */
    fails("1,2\n3,  abc\n", o, NN_EPARSE, "moons.csv:2:5: 'abc' is not a number");
    /* a partial number: strtod must take the whole field */
    fails("1,2\n3,4.5x\n", o, NN_EPARSE, "moons.csv:2:3: '4.5x' is not a number");
    fails("1,2\r\n3,4 5\r\n", o, NN_EPARSE, "moons.csv:2:3: '4 5' is not a number");
    /* "3,4,5" has 3 fields; the extra one starts at column 5 */
    fails("1,2\n3,4,5\n", o, NN_EPARSE, "moons.csv:2:5: 3 fields, 2 expected");
    /* "4,5" is 3 bytes long: the missing field would start at column 4 */
    fails("1,2,3\n4,5\n", o, NN_EPARSE, "moons.csv:2:4: 2 fields, 3 expected");
    fails("1,2,3\n1,,3\n", o, NN_EPARSE, "moons.csv:2:3: empty field, a number expected");
    fails("1,2\n1,1e999\n", o, NN_EPARSE, "moons.csv:2:3: '1e999' is out of range");
    fails("1,2\n1,nan\n", o, NN_EPARSE, "moons.csv:2:3: 'nan' is not a finite number");
    fails("1,2\n\n3,4\n", o, NN_EPARSE, "moons.csv:2:1: blank line before the end of the data");
    fails("", o, NN_EPARSE, "moons.csv:1:1: the file is empty");
    fails("\n \r\n\t\n", o, NN_EPARSE, "moons.csv:1:1: the file is empty");
    fails("a,b\n", o, NN_EPARSE, "moons.csv:2:1: no data rows after the header");
    fails("a,b\r\n\r\n", o, NN_EPARSE, "moons.csv:2:1: no data rows after the header");
    fails("1\n2\n", o, NN_EPARSE,
          "moons.csv:1:1: 1 field a row; at least 2 expected (features and a label)");
    /* a long bad field is cut to 40 characters in the message */
    fails("1,2\n1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", o, NN_EPARSE,
          "moons.csv:2:3: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a number");
    /* underflow is a value, not an error */
    nn_dataset d = parse_ok("1,1e-320\n", o);
    cr_assert(d.y[0] > 0 && d.y[0] < 1e-319);
    nn_dataset_free(&d);
}

Test(csv, ten_thousand_rows)
{
    /* row i: i, i/2, i mod 2. Sums: sum i = n(n-1)/2 = 49995000,
     * sum i/2 = 24997500, sum (i mod 2) = n/2 = 5000; all exact in double. */
    const int n = 10000;
    size_t cap = 64 + (size_t)n * 32, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, "i,half,odd\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d, %.1f ,%d\r\n", i, i / 2.0, i % 2);
    nn_dataset d;
    nn_error err;
    cr_assert_eq(nn_csv_parse(text, len, "big.csv", &detect_last, &d, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(d.rows, (size_t)n);
    cr_assert_eq(d.cols, 2);
    double s0 = 0, s1 = 0, sy = 0;
    for (size_t r = 0; r < d.rows; r++) {
        s0 += d.x[2 * r];
        s1 += d.x[2 * r + 1];
        sy += d.y[r];
    }
    cr_assert_eq(s0, 49995000.0);
    cr_assert_eq(s1, 24997500.0);
    cr_assert_eq(sy, 5000.0);
    cr_assert_eq(d.x[2 * 9999], 9999.0);
    cr_assert_eq(d.y[9999], 1.0);
    nn_dataset_free(&d);
    free(text);
}

Test(csv, load_from_file)
{
    char path[] = "/tmp/agrad-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "x,y\n0.5,1\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    nn_dataset d;
    nn_error err;
    cr_assert_eq(nn_csv_load(path, NULL, &d, &err), AG_OK, "%s", err.message);
    cr_assert_eq(d.rows, 1);
    cr_assert_eq(d.x[0], 0.5);
    nn_dataset_free(&d);
    unlink(path);
    cr_assert_eq(nn_csv_load(path, NULL, &d, &err), NN_EIO);
    cr_assert(strstr(err.message, path) && strstr(err.message, "cannot open"), "%s",
              err.message);
    cr_assert(zeroed(&d));
}

static long budget = -1, live;

static void *counting_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        live -= p != NULL;
        free(p);
        return NULL;
    }
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    void *q = realloc(p, n);
    live += q && !p;
    return q;
}

Test(csv, failed_allocations_leave_out_empty)
{
    const char *text = "a,b,c\n1,2,3\n4,5,6\n";
    ag_set_allocator(counting_realloc, NULL);
    int failures = 0;
    for (long k = 0;; k++) {
        budget = k;
        live = 0;
        nn_dataset d;
        nn_error err;
        ag_status s = nn_csv_parse(text, strlen(text), "t.csv", NULL, &d, &err);
        if (s == AG_OK) {
            cr_assert_eq(d.rows, 2);
            nn_dataset_free(&d);
            cr_assert_eq(live, 0);
            break;
        }
        cr_assert_eq(s, AG_ENOMEM, "k = %ld: %s", k, err.message);
        cr_assert(zeroed(&d));
        cr_assert_eq(live, 0, "leak at k = %ld", k);
        failures++;
    }
    ag_set_allocator(NULL, NULL);
    /* x, y, scratch, the names array and two names */
    cr_assert_geq(failures, 5);
}
