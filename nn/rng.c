/*
 * rng.c: the seeded, portable random numbers of nn/ (xoshiro256**, seeded
 * through splitmix64). Integer arithmetic only up to the final conversion,
 * so a seed gives the same stream on every platform and compiler.
 */
#include "nn.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void nn_rng_seed(nn_rng *r, uint64_t seed)
{
    /* splitmix64 never yields four zero words in a row: the state is valid */
    for (int k = 0; k < 4; k++)
        r->s[k] = splitmix64(&seed);
}

static uint64_t next_u64(nn_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* top 53 bits times 2^-53: every double in [0, 1) on a 2^-53 grid */
double nn_rng_uniform(nn_rng *r) { return (double)(next_u64(r) >> 11) * 0x1.0p-53; }

size_t nn_rng_below(nn_rng *r, size_t n)
{
    if (n <= 1)
        return 0;
    /* rejection: drop the top partial block of 2^64 mod n values so that
     * every residue is equally likely */
    uint64_t limit = UINT64_MAX - UINT64_MAX % (uint64_t)n;
    uint64_t x;
    do
        x = next_u64(r);
    while (x >= limit);
    return (size_t)(x % (uint64_t)n);
}

double nn_rng_normal(nn_rng *r)
{
    /* Marsaglia's polar method: (u, v) uniform in the unit disc, then
     * u sqrt(-2 ln s / s) is N(0, 1) */
    double u, v, s;
    do {
        u = 2.0 * nn_rng_uniform(r) - 1.0;
        v = 2.0 * nn_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

void nn_rng_shuffle(nn_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = nn_rng_below(r, i);
        size_t tmp = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = tmp;
    }
}
