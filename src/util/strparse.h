/* strparse.h - strict number parsing and small string helpers (no atoi, no sscanf). */
#ifndef RK_UTIL_STRPARSE_H
#define RK_UTIL_STRPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal digits only, whole string, value <= max. RK_EFORMAT or RK_ELIMIT. */
int rk_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
/* Optional '-' then digits, within [min, max]. */
int rk_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* Convenience for NUL-terminated strings (CLI flags). */
int rk_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* A size with an optional K/M/G suffix (powers of 1024): "64M". */
int rk_parse_size(const char *s, uint64_t *out);
/* A duration with a suffix s/m/h/d: "90s", "1h". Seconds out. */
int rk_parse_duration(const char *s, uint64_t *out);

/* 1 when s[0..len) starts with prefix / ends with suffix. */
int rk_has_prefix(const char *s, size_t len, const char *prefix);
int rk_has_suffix(const char *s, size_t len, const char *suffix);
/* Trim ASCII white space at both ends; returns the new start and sets *len. */
const char *rk_trim(const char *s, size_t *len);
/* Copy src into dst of size cap, always NUL-terminating; RK_ELIMIT when truncated. */
int rk_strlcpy(char *dst, const char *src, size_t cap);

#endif
