/* bench_util.h - what the benchmark programs share: a seeded generator and a clock. */
#ifndef RK_BENCH_UTIL_H
#define RK_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* splitmix64: fast, good enough for test data, fully deterministic for a given seed */
static inline uint64_t bench_rnd(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
