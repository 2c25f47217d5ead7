/* ipv4_fast.c - the shape table of the SSE4.1 dotted-quad parser. */
#include "match/ipv4_fast.h"

#ifdef RK_MATCH_HAVE_SSE41
#include <pthread.h>

struct v4_shape rk_match__v4_shapes[81];

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int have_sse41;

/* Shape (g1, g2, g3, g4), each a part length minus one: part k's digits go right-aligned into
 * bytes 4k..4k+2 (hundreds, tens, ones); byte 4k+3 and missing digits are zero (0x80). */
static void fill(void)
{
    for (unsigned idx = 0; idx < 81; idx++) {
        unsigned g[4] = {idx / 27 + 1, idx / 9 % 3 + 1, idx / 3 % 3 + 1, idx % 3 + 1};
        struct v4_shape *sh = &rk_match__v4_shapes[idx];
        unsigned start = 0;

        for (unsigned k = 0; k < 4; k++) {
            for (unsigned j = 0; j < 4; j++)
                sh->shuffle[4 * k + j] = 0x80;
            for (unsigned j = 0; j < g[k]; j++)
                sh->shuffle[4 * k + 3 - g[k] + j] = (uint8_t)(start + j);
            sh->min[k] = g[k] == 3 ? 100 : g[k] == 2 ? 10 : 0;
            start += g[k] + 1;
        }
    }
    __builtin_cpu_init();
    have_sse41 = __builtin_cpu_supports("sse4.1");
}

int rk_match__v4_fast_init(void)
{
    pthread_once(&once, fill);
    return have_sse41;
}
#endif
