/*
 * csv.c: numeric CSV data sets (features and one label column a row).
 *
 * Grammar: lines end in LF or CRLF (the last may have no end); fields are
 * separated by commas and may have spaces or tabs around them; every field
 * of a data row is a finite number in strtod's syntax, taking the whole
 * field. An optional first line of column names (detected when one of its
 * fields is not a number). Blank lines at the end are ignored; a blank line
 * followed by more data is an error. A UTF-8 byte order mark is skipped.
 *
 * Invariant: on success `out` owns rows*cols features and rows labels from
 * ag_realloc; on any failure it is left zeroed with nothing allocated, and
 * the message reads "source:line:column: what" (1-based; columns count
 * bytes of the line).
 */
#include "io_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *src;
    nn_error *err;
    char *scratch; /* NUL-terminated copy of a field, for strtod             */
    size_t scap;
} parser;

typedef struct span {
    const char *p;
    size_t n;
} span;

static bool is_blank_char(char c)
{
    return c == ' ' || c == '\t';
}

static span trim(const char *a, const char *b)
{
    while (a < b && is_blank_char(*a))
        a++;
    while (b > a && is_blank_char(b[-1]))
        b--;
    return (span){a, (size_t)(b - a)};
}

static bool blank_line(const char *a, const char *b)
{
    return trim(a, b).n == 0;
}

/* The end of the line starting at a (before "\n" or "\r\n"), and in *next
 * the start of the following line. */
static const char *line_end(const char *a, const char *end, const char **next)
{
    const char *nl = memchr(a, '\n', (size_t)(end - a));
    const char *e = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (e > a && e[-1] == '\r')
        e--;
    return e;
}

static size_t count_fields(const char *a, const char *b)
{
    size_t n = 1;
    for (; a < b; a++)
        n += *a == ',';
    return n;
}

/* Parse field f as a number; `quiet` suppresses the message (header
 * detection). */
static ag_status parse_number(parser *ps, span f, size_t line, size_t col, bool quiet,
                              double *out)
{
    int shown = f.n > 40 ? 40 : (int)f.n;
    const char *more = f.n > 40 ? "..." : "";
    if (f.n == 0)
        return quiet ? NN_EPARSE
                     : nn__fail(ps->err, NN_EPARSE, "%s:%zu:%zu: empty field, a number expected",
                                ps->src, line, col);
    if (!ps->scratch || f.n + 1 > ps->scap) {
        char *q = ag_realloc(ps->scratch, f.n + 1);
        if (!q)
            return nn__fail(ps->err, AG_ENOMEM, "%s:%zu:%zu: out of memory", ps->src, line,
                            col);
        ps->scratch = q;
        ps->scap = f.n + 1;
    }
    memcpy(ps->scratch, f.p, f.n);
    ps->scratch[f.n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(ps->scratch, &end);
    if (end != ps->scratch + f.n)
        return quiet ? NN_EPARSE
                     : nn__fail(ps->err, NN_EPARSE, "%s:%zu:%zu: '%.*s%s' is not a number",
                                ps->src, line, col, shown, f.p, more);
    if (quiet)
        return AG_OK; /* header detection: strtod's syntax is all that counts */
    /* ERANGE with a tiny result is underflow to a subnormal or zero, which
     * is a fine value; with an infinite one it is overflow. */
    if (isinf(v) && errno == ERANGE)
        return nn__fail(ps->err, NN_EPARSE, "%s:%zu:%zu: '%.*s%s' is out of range", ps->src,
                        line, col, shown, f.p, more);
    if (!isfinite(v))
        return nn__fail(ps->err, NN_EPARSE, "%s:%zu:%zu: '%.*s%s' is not a finite number",
                        ps->src, line, col, shown, f.p, more);
    *out = v;
    return AG_OK;
}

/* Header detection: a first line with any non-number field. AG_OK with
 * *header set, or AG_ENOMEM (an allocation failure must not pass for a
 * non-number, or a data row would be taken for a header). */
static ag_status looks_like_header(parser *ps, const char *a, const char *b, bool *header)
{
    for (const char *fs = a;;) {
        const char *fe = memchr(fs, ',', (size_t)(b - fs));
        if (!fe)
            fe = b;
        double v;
        ag_status s = parse_number(ps, trim(fs, fe), 1, 1, true, &v);
        if (s == AG_ENOMEM)
            return s;
        *header = s != AG_OK;
        if (*header || fe == b)
            return AG_OK;
        fs = fe + 1;
    }
}

static ag_status read_names(parser *ps, const char *a, const char *b, size_t label,
                            nn_dataset *out)
{
    out->feature_names = ag_realloc(NULL, out->cols * sizeof(char *));
    if (!out->feature_names)
        return nn__fail(ps->err, AG_ENOMEM, "%s:1:1: out of memory", ps->src);
    memset(out->feature_names, 0, out->cols * sizeof(char *));
    size_t j = 0, i = 0;
    for (const char *fs = a;; i++) {
        const char *fe = memchr(fs, ',', (size_t)(b - fs));
        if (!fe)
            fe = b;
        if (i != label) {
            span f = trim(fs, fe);
            if (f.n >= 2 && f.p[0] == '"' && f.p[f.n - 1] == '"')
                f = (span){f.p + 1, f.n - 2};
            char *name = ag_realloc(NULL, f.n + 1);
            if (!name)
                return nn__fail(ps->err, AG_ENOMEM, "%s:1:%zu: out of memory", ps->src,
                                (size_t)(fs - a) + 1);
            memcpy(name, f.p, f.n);
            name[f.n] = '\0';
            out->feature_names[j++] = name;
        }
        if (fe == b)
            return AG_OK;
        fs = fe + 1;
    }
}

static ag_status read_row(parser *ps, const char *a, const char *b, size_t line, size_t label,
                          nn_dataset *out)
{
    size_t want = out->cols + 1, got = count_fields(a, b);
    if (got != want) {
        /* point at the first extra field, or at the end of a short line */
        const char *at = b;
        if (got > want) {
            at = a;
            for (size_t i = 0; i < want; i++)
                at = (const char *)memchr(at, ',', (size_t)(b - at)) + 1;
        }
        return nn__fail(ps->err, NN_EPARSE, "%s:%zu:%zu: %zu fields, %zu expected", ps->src,
                        line, (size_t)(at - a) + 1, got, want);
    }
    double *x = out->x + out->rows * out->cols;
    size_t j = 0, i = 0;
    for (const char *fs = a;; i++) {
        const char *fe = memchr(fs, ',', (size_t)(b - fs));
        if (!fe)
            fe = b;
        span f = trim(fs, fe);
        double v = 0.0;
        ag_status s = parse_number(ps, f, line, (size_t)(f.p - a) + 1, false, &v);
        if (s != AG_OK)
            return s;
        if (i == label)
            out->y[out->rows] = v;
        else
            x[j++] = v;
        if (fe == b)
            break;
        fs = fe + 1;
    }
    out->rows++;
    return AG_OK;
}

/* Everything after the checks on the first line. */
static ag_status parse_lines(parser *ps, const char *text, const char *end,
                             const nn_csv_opts *o, nn_dataset *out)
{
    const char *next, *a = text;
    const char *b = line_end(a, end, &next);
    size_t fields = count_fields(a, b);
    if (fields < 2)
        return nn__fail(ps->err, NN_EPARSE,
                        "%s:1:1: 1 field a row; at least 2 expected (features and a label)",
                        ps->src);
    if (o->label_col < -1 || (o->label_col >= 0 && (size_t)o->label_col >= fields))
        return nn__fail(ps->err, AG_EINVAL, "%s:1:1: label column %d, but rows have %zu fields",
                        ps->src, o->label_col, fields);
    size_t label = o->label_col < 0 ? fields - 1 : (size_t)o->label_col;
    bool header = o->header == 1;
    if (o->header < 0 && looks_like_header(ps, a, b, &header) != AG_OK)
        return AG_ENOMEM;
    out->cols = fields - 1;

    /* Rows <= lines, so one allocation holds them all. */
    size_t lines = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    if (lines > SIZE_MAX / sizeof(double) / fields)
        return nn__fail(ps->err, AG_ENOMEM, "%s: too many rows", ps->src);
    out->x = ag_realloc(NULL, lines * out->cols * sizeof(double));
    out->y = ag_realloc(NULL, lines * sizeof(double));
    if (!out->x || !out->y)
        return nn__fail(ps->err, AG_ENOMEM, "%s: out of memory for %zu rows", ps->src, lines);

    size_t line = 1;
    ag_status s = AG_OK;
    if (header) {
        s = read_names(ps, a, b, label, out);
        a = next;
        line++;
    }
    for (; s == AG_OK && a < end; a = next, line++) {
        b = line_end(a, end, &next);
        if (blank_line(a, b))
            s = nn__fail(ps->err, NN_EPARSE, "%s:%zu:1: blank line before the end of the data",
                         ps->src, line);
        else
            s = read_row(ps, a, b, line, label, out);
    }
    if (s == AG_OK && out->rows == 0)
        s = nn__fail(ps->err, NN_EPARSE, "%s:%zu:1: no data rows after the header", ps->src,
                     line);
    return s;
}

ag_status nn_csv_parse(const char *text, size_t len, const char *source, const nn_csv_opts *opts,
                       nn_dataset *out, nn_error *err)
{
    static const nn_csv_opts defaults = {-1, -1};
    parser ps = {source ? source : "<csv>", err, NULL, 0};
    if (!out)
        return nn__fail(err, AG_EINVAL, "%s: no output data set", ps.src);
    memset(out, 0, sizeof *out);
    if (!text && len > 0)
        return nn__fail(err, AG_EINVAL, "%s: text is NULL", ps.src);
    if (len == 0)
        return nn__fail(err, NN_EPARSE, "%s:1:1: the file is empty", ps.src);
    const char *end = text + len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3;
    /* Drop trailing blank lines: `end` becomes the end of the last line
     * that has a field. */
    const char *last = text;
    for (const char *a = text, *next; a < end; a = next) {
        const char *b = line_end(a, end, &next);
        if (!blank_line(a, b))
            last = next;
    }
    end = last;
    if (end == text)
        return nn__fail(err, NN_EPARSE, "%s:1:1: the file is empty", ps.src);
    ag_status s = parse_lines(&ps, text, end, opts ? opts : &defaults, out);
    ag_free(ps.scratch);
    if (s != AG_OK)
        nn_dataset_free(out);
    else
        nn__ok(err);
    return s;
}

ag_status nn_csv_load(const char *path, const nn_csv_opts *opts, nn_dataset *out, nn_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!path)
        return nn__fail(err, AG_EINVAL, "nn_csv_load: path is NULL");
    unsigned char *buf;
    size_t len;
    ag_status s = nn__read_file(path, &buf, &len, err);
    if (s != AG_OK)
        return s;
    s = nn_csv_parse((const char *)buf, len, path, opts, out, err);
    ag_free(buf);
    return s;
}

void nn_dataset_free(nn_dataset *d)
{
    if (!d)
        return;
    if (d->feature_names)
        for (size_t j = 0; j < d->cols; j++)
            ag_free(d->feature_names[j]);
    ag_free(d->feature_names);
    ag_free(d->x);
    ag_free(d->y);
    memset(d, 0, sizeof *d);
}
