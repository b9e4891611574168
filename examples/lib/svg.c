/*
 * svg.c: the decision-boundary and loss-curve pictures.
 *
 * Invariant: coordinates are mapped affinely from data space to a fixed
 * 480 x 480 (boundary) or 600 x 300 (curve) canvas, y pointing up; a file
 * is either written whole or reported as failed.
 */
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define GRID 96   /* cells per side of the boundary picture */
#define SIDE 480.0

static bool finish(FILE *f, const char *path)
{
    bool ok = !ferror(f);
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "%s: write failed: %s\n", path, strerror(errno));
    return ok;
}

static FILE *open_svg(const char *path, double w, double h)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\">\n",
            w, h, w, h);
    return f;
}

bool ex_svg_boundary(const char *path, const nn_dataset *d, ex_score_fn score, void *ctx)
{
    /* the points' bounding box plus a margin of 1, as micrograd's plot */
    double lo[2] = {HUGE_VAL, HUGE_VAL}, hi[2] = {-HUGE_VAL, -HUGE_VAL};
    for (size_t i = 0; i < d->rows; i++)
        for (int c = 0; c < 2; c++) {
            lo[c] = fmin(lo[c], d->x[2 * i + (size_t)c] - 1.0);
            hi[c] = fmax(hi[c], d->x[2 * i + (size_t)c] + 1.0);
        }
    FILE *f = open_svg(path, SIDE, SIDE);
    if (!f)
        return false;
    double cell = SIDE / GRID;
    for (int r = 0; r < GRID; r++) {
        /* row r from the top: data y at the cell's centre */
        double y = hi[1] - (r + 0.5) * (hi[1] - lo[1]) / GRID;
        int start = 0, sign = 0;
        for (int c = 0; c <= GRID; c++) {
            int s = c < GRID ? (score(ctx, lo[0] + (c + 0.5) * (hi[0] - lo[0]) / GRID, y) > 0 ? 1 : -1) : 0;
            if (c > 0 && s != sign) {
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                        start * cell, r * cell, (c - start) * cell + 0.5, cell + 0.5,
                        sign > 0 ? "#f6c9a8" : "#b9d3ee");
                start = c;
            }
            sign = s;
        }
    }
    for (size_t i = 0; i < d->rows; i++) {
        double px = (d->x[2 * i] - lo[0]) / (hi[0] - lo[0]) * SIDE;
        double py = (hi[1] - d->x[2 * i + 1]) / (hi[1] - lo[1]) * SIDE;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"black\" stroke-width=\"0.6\"/>\n",
                px, py, d->y[i] > 0 ? "#d9541e" : "#1f5fa8");
    }
    fprintf(f, "</svg>\n");
    return finish(f, path);
}

bool ex_svg_curve(const char *path, const double *ys, size_t n, const char *title)
{
    const double w = 600, h = 300, m = 40;
    double top = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(ys[i]))
            top = fmax(top, ys[i]);
    if (top <= 0)
        top = 1;
    FILE *f = open_svg(path, w, h);
    if (!f)
        return false;
    fprintf(f, "<rect width=\"%g\" height=\"%g\" fill=\"white\"/>\n", w, h);
    fprintf(f, "<text x=\"%g\" y=\"20\" font-family=\"sans-serif\" font-size=\"14\">%s</text>\n", m, title);
    fprintf(f, "<path d=\"M%g %g V%g H%g\" fill=\"none\" stroke=\"black\"/>\n", m, m, h - m, w - m);
    fprintf(f, "<text x=\"4\" y=\"%g\" font-family=\"sans-serif\" font-size=\"11\">%.3g</text>\n", m + 4, top);
    fprintf(f, "<text x=\"4\" y=\"%g\" font-family=\"sans-serif\" font-size=\"11\">0</text>\n", h - m);
    fprintf(f, "<text x=\"%g\" y=\"%g\" font-family=\"sans-serif\" font-size=\"11\">step %zu</text>\n",
            w - m - 40, h - m + 16, n ? n - 1 : 0);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#d9541e\" stroke-width=\"1.5\" points=\"");
    for (size_t i = 0; i < n; i++) {
        double x = m + (n > 1 ? (double)i / (double)(n - 1) : 0) * (w - 2 * m);
        double y = h - m - (isfinite(ys[i]) ? ys[i] / top : 1) * (h - 2 * m);
        fprintf(f, "%.1f,%.1f ", x, y);
    }
    fprintf(f, "\"/>\n</svg>\n");
    return finish(f, path);
}
