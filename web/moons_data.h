/*
 * moons_data.h: examples/data/moons.csv as C arrays, for the WebAssembly
 * build (which has no file system). The definitions are generated from the
 * CSV at build time into build/web/moons_data.c (see mk/web.mk).
 */
#ifndef AGRAD_WEB_MOONS_DATA_H
#define AGRAD_WEB_MOONS_DATA_H

#define MOONS_ROWS 100

extern const double moons_x[2 * MOONS_ROWS]; /* x1, x2 of each row */
extern const double moons_y[MOONS_ROWS];     /* -1 or 1            */

#endif
