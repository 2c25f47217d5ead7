/* random.c - random bytes from getrandom(2). */
#include "util/random.h"

#include <errno.h>
#include <sys/random.h>

void rk_random_bytes(void *p, size_t len)
{
    unsigned char *out = p;

    while (len > 0) {
        ssize_t n = getrandom(out, len, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            n = 0; /* getrandom cannot fail otherwise with these flags on Linux >= 3.17 */
        }
        out += n;
        len -= (size_t)n;
    }
}
