/* server_ratelimit.h - failed authentication attempts, limited per client address.
 *
 * A token bucket per address: `burst` failures are allowed at once, then one more every
 * `refill_s` seconds. While the bucket is empty the address gets 401 with Retry-After without
 * its credentials being checked (TAXII 2.1 allows only 401 or 404 for a failed
 * authentication), which also bounds the CPU an attacker can spend on the password hash. IPv6
 * clients are counted per /64, since a host usually owns a whole /64. The table has a fixed
 * number of slots; when a neighbourhood is full, its stalest entry is replaced.
 */
#ifndef RK_TAXII_SERVER_RATELIMIT_H
#define RK_TAXII_SERVER_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct rk_taxii_ratelimit;

/* A limiter with the given bucket and table size (slots is rounded up to a power of two).
 * NULL when out of memory. */
struct rk_taxii_ratelimit *rk_taxii_ratelimit_new(unsigned burst, unsigned refill_s,
                                                  size_t slots);
void rk_taxii_ratelimit_free(struct rk_taxii_ratelimit *rl);

/* 0 when addr may try to authenticate at now_us; otherwise the seconds to wait (for a
 * Retry-After header). A NULL or non-IP address is never limited. Thread-safe. */
unsigned rk_taxii_ratelimit_check(struct rk_taxii_ratelimit *rl, const struct sockaddr *addr,
                                  int64_t now_us);

/* Count one failed attempt from addr at now_us. Thread-safe. */
void rk_taxii_ratelimit_fail(struct rk_taxii_ratelimit *rl, const struct sockaddr *addr,
                             int64_t now_us);

/* The address as text (for logs and the audit log), "" when unknown. */
void rk_taxii_addr_format(const struct sockaddr *addr, char *out, size_t cap);

#endif
