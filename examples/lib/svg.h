/*
 * svg.h: two hand-written SVG pictures for the examples (no dependency):
 * a 2-D decision boundary and a loss curve. Small files: the boundary's
 * grid cells are merged into one rectangle per run of equal sign in a row.
 */
#ifndef AGRAD_EXAMPLES_SVG_H
#define AGRAD_EXAMPLES_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "nn.h"

/* A model's score at a point; its sign is the predicted class. */
typedef double (*ex_score_fn)(void *ctx, double x1, double x2);

/* Write the sign of score over a grid around the points of d (2 features,
 * labels -1/1) as coloured cells, and the points on top. Prints a message
 * to stderr and returns false when the file cannot be written. */
bool ex_svg_boundary(const char *path, const nn_dataset *d, ex_score_fn score, void *ctx);
/* Write ys[0..n) as a polyline against the step number. */
bool ex_svg_curve(const char *path, const double *ys, size_t n, const char *title);

#endif
