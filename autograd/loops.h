/*
 * loops.h: the inner loops under the op kernels (kernels.h, tangents.h):
 * the dot and axpy loops of dense layers and relu's branchless forms. Each
 * is a plain function of arrays, so its speed can be read off the
 * generated code: size_t indices (32-bit ones may wrap, which keeps GCC
 * from packing lanes into vector registers), four independent lanes
 * (-O2 does not vectorise a loop of unknown count, but packs the lanes),
 * restrict where the arrays never overlap. Private; sweep.c only.
 */
#ifndef AGRAD_LOOPS_H
#define AGRAD_LOOPS_H

#include <stddef.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* x < 0 ? 0 : x, without a branch: a relu's sign is a coin toss the branch
 * predictor loses half the time. A NaN passes through (as C's and PyTorch's
 * arithmetic would carry it; anomaly mode then names where it came from),
 * and -0 stays -0. SSE2's maxsd(a, b) returns b unless a > b, so
 * maxsd(0, x) is exactly this expression. */
static inline double relu(double x)
{
#if defined(__SSE2__)
    return _mm_cvtsd_f64(_mm_max_sd(_mm_setzero_pd(), _mm_set_sd(x)));
#else
    return x < 0 ? 0.0 : x;
#endif
}

/* x > 0 ? 1 : 0, relu's derivative, without a branch for the same reason */
static inline double step01(double x)
{
#if defined(__SSE2__)
    __m128d gt = _mm_cmpgt_sd(_mm_set_sd(x), _mm_setzero_pd());
    return _mm_cvtsd_f64(_mm_and_pd(gt, _mm_set_sd(1.0)));
#else
    return x > 0 ? 1.0 : 0.0;
#endif
}

/* sum_k w_k x_k with four independent partial sums: a single running sum
 * makes every addition wait for the one before (4 cycles each), four let
 * them overlap. The rounding differs from a left-to-right sum by a few ulps. */
static inline double dot_kernel(const double *restrict w, const double *restrict x, size_t n)
{
    /* size_t indices: 32-bit ones may wrap, which keeps GCC from packing
     * the four lanes into vector registers */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += w[k] * x[k];
        s1 += w[k + 1] * x[k + 1];
        s2 += w[k + 2] * x[k + 2];
        s3 += w[k + 3] * x[k + 3];
    }
    for (; k < n; k++)
        s0 += w[k] * x[k];
    return (s0 + s1) + (s2 + s3);
}

/* y += g v, four at a time (see dot_backward_kernel) */
static inline void axpy_kernel(double *restrict y, const double *restrict v, double g, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        y[k] += g * v[k];
        y[k + 1] += g * v[k + 1];
        y[k + 2] += g * v[k + 2];
        y[k + 3] += g * v[k + 3];
    }
    for (; k < n; k++)
        y[k] += g * v[k];
}
/* dw_k += g x_k, dx_k += g w_k for runs whose gradients do not overlap
 * (restrict lets the four streams be scheduled freely; four at a time
 * because -O2 does not vectorise a loop of unknown count). One interleaved
 * loop, not two axpy_kernel calls: measured, two passes make recording the
 * moons step about 8% slower (record/hand 1.93 -> 2.11). */
static inline void dot_backward_kernel(double *restrict gw, double *restrict gx, const double *restrict vw,
                                const double *restrict vx, double g, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        gw[k] += g * vx[k];
        gw[k + 1] += g * vx[k + 1];
        gw[k + 2] += g * vx[k + 2];
        gw[k + 3] += g * vx[k + 3];
        gx[k] += g * vw[k];
        gx[k + 1] += g * vw[k + 1];
        gx[k + 2] += g * vw[k + 2];
        gx[k + 3] += g * vw[k + 3];
    }
    for (; k < n; k++) {
        gw[k] += g * vx[k];
        gx[k] += g * vw[k];
    }
}

#endif /* AGRAD_LOOPS_H */
