/* rktime.h - RFC 3339 timestamps: parse, format, compare; server clock. */
#ifndef RK_UTIL_RKTIME_H
#define RK_UTIL_RKTIME_H

#include <stddef.h>
#include <stdint.h>

struct rk_err;

/* A UTC instant with nanosecond resolution and the number of fraction digits it was written with. */
struct rk_time {
    int64_t sec;   /* seconds since 1970-01-01T00:00:00Z */
    int32_t nsec;  /* 0..999999999 */
    int8_t digits; /* fraction digits as written (0 = none); more than 9 are kept as 9 */
};

enum {
    RK_TIME_STIX = 0,        /* STIX: YYYY-MM-DDTHH:MM:SS[.s+]Z exactly */
    RK_TIME_RFC3339 = 1 << 0 /* also accept t/z in lower case and numeric offsets */
};

/* Longest string rk_time_format writes, with the NUL. */
#define RK_TIME_STR_MAX 40

/* Parse s[0..len). RK_EFORMAT with the offending byte offset in err. */
int rk_time_parse(struct rk_time *out, const char *s, size_t len, unsigned flags,
                  struct rk_err *err);
/* Write "YYYY-MM-DDTHH:MM:SS[.fff]Z" with digits fraction digits (0..9; -1: as parsed).
 * Returns the length written, or RK_EFORMAT for years outside 0000..9999. */
int rk_time_format(const struct rk_time *t, int digits, char *buf, size_t cap);
/* <0, 0, >0 like strcmp, by instant (the digit count does not matter). */
int rk_time_cmp(const struct rk_time *a, const struct rk_time *b);

/* Microseconds since the epoch, and back. */
int64_t rk_time_to_us(const struct rk_time *t);
void rk_time_from_us(struct rk_time *out, int64_t us);
/* Format microseconds since the epoch with 6 fraction digits (server timestamps). */
int rk_time_format_us(int64_t us, char *buf, size_t cap);

/* The wall clock now, in microseconds. */
int64_t rk_time_now_us(void);
/* A wall-clock reading strictly greater than every earlier one of this process and than
 * floor_us (pass the last value the store handed out, or 0). Thread-safe. */
int64_t rk_time_unique_us(int64_t floor_us);

/* Days since the epoch for a proleptic Gregorian date (month 1..12). */
int64_t rk_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
