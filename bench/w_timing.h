/*
 * w_timing.h: wall-clock seconds (monotonic) and the median of n samples
 * (sorts v in place), shared by the bench programs.
 */
#ifndef AGRAD_BENCH_W_TIMING_H
#define AGRAD_BENCH_W_TIMING_H

double bench_now(void);
double bench_median(double *v, int n);

#endif
