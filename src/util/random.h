/* random.h - cryptographically strong random bytes from the kernel. */
#ifndef RK_UTIL_RANDOM_H
#define RK_UTIL_RANDOM_H

#include <stddef.h>

/* Fill p with len random bytes (getrandom; blocks only until the pool is seeded at boot). */
void rk_random_bytes(void *p, size_t len);

#endif
