/* rktime.c - RFC 3339 timestamps. */
#include "util/rktime.h"
#include "renkei/error.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

int64_t rk_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar */
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly n digits at s[*pos]; -1 when a byte is not a digit. */
static int read_digits(const char *s, size_t len, size_t *pos, int n)
{
    int v = 0;

    if (*pos + (size_t)n > len)
        return -1;
    for (int i = 0; i < n; i++) {
        char c = s[*pos + (size_t)i];

        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *pos += (size_t)n;
    return v;
}

static int fail(struct rk_err *err, size_t pos, const char *what)
{
    rk_err_set(err, RK_EFORMAT, "bad timestamp: %s at character %zu", what, pos + 1);
    rk_err_set_offset(err, (long long)pos);
    return RK_EFORMAT;
}

static int expect(const char *s, size_t len, size_t *pos, char c, char alt)
{
    if (*pos >= len || (s[*pos] != c && s[*pos] != alt))
        return -1;
    (*pos)++;
    return 0;
}

/* Parse ".ddd" into nsec and the digit count; no fraction is fine. */
static int parse_fraction(const char *s, size_t len, size_t *pos, struct rk_time *t,
                          struct rk_err *err)
{
    /* nanoseconds per unit of each fraction digit: a table, as gcc divided by 10 with idiv
     * (two fifths of a parse) */
    static const int32_t scale[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
    int digits = 0;

    if (*pos >= len || s[*pos] != '.')
        return 0;
    (*pos)++;
    while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
        if (digits < 9)
            t->nsec += (s[*pos] - '0') * scale[digits];
        digits++;
        (*pos)++;
    }
    if (digits == 0)
        return fail(err, *pos, "a decimal point must be followed by digits");
    t->digits = (int8_t)(digits > 9 ? 9 : digits);
    return 0;
}

/* "Z", or with RFC3339 also "z" and "+HH:MM" / "-HH:MM"; returns the offset in seconds. */
static int parse_zone(const char *s, size_t len, size_t *pos, unsigned flags, int *offset_out,
                      struct rk_err *err)
{
    int sign, hh, mm;

    *offset_out = 0;
    if (*pos < len && (s[*pos] == 'Z' || ((flags & RK_TIME_RFC3339) && s[*pos] == 'z'))) {
        (*pos)++;
        return 0;
    }
    if (!(flags & RK_TIME_RFC3339) || *pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
        return fail(err, *pos, "expected 'Z' (STIX timestamps are in UTC)");
    sign = s[(*pos)++] == '-' ? -1 : 1;
    if ((hh = read_digits(s, len, pos, 2)) < 0 || hh > 23 || expect(s, len, pos, ':', ':') ||
        (mm = read_digits(s, len, pos, 2)) < 0 || mm > 59)
        return fail(err, *pos, "bad time zone offset, expected +HH:MM");
    *offset_out = sign * (hh * 3600 + mm * 60);
    return 0;
}

int rk_time_parse(struct rk_time *out, const char *s, size_t len, unsigned flags,
                  struct rk_err *err)
{
    size_t pos = 0;
    int y, mo, d, h, mi, se, offset, rc;
    struct rk_time t = {0, 0, 0};

    if ((y = read_digits(s, len, &pos, 4)) < 0)
        return fail(err, pos, "expected a four-digit year");
    if (expect(s, len, &pos, '-', '-') || (mo = read_digits(s, len, &pos, 2)) < 1 || mo > 12)
        return fail(err, pos, "expected -MM with a month 01-12");
    if (expect(s, len, &pos, '-', '-') || (d = read_digits(s, len, &pos, 2)) < 1 ||
        d > (int)days_in_month(y, (unsigned)mo))
        return fail(err, pos, "expected -DD with a day that exists in that month");
    if (expect(s, len, &pos, 'T', (flags & RK_TIME_RFC3339) ? 't' : 'T'))
        return fail(err, pos, "expected 'T' between date and time");
    if ((h = read_digits(s, len, &pos, 2)) < 0 || h > 23)
        return fail(err, pos, "expected an hour 00-23");
    if (expect(s, len, &pos, ':', ':') || (mi = read_digits(s, len, &pos, 2)) < 0 || mi > 59)
        return fail(err, pos, "expected :MM with minutes 00-59");
    if (expect(s, len, &pos, ':', ':') || (se = read_digits(s, len, &pos, 2)) < 0 || se > 60)
        return fail(err, pos, "expected :SS with seconds 00-60");
    if ((rc = parse_fraction(s, len, &pos, &t, err)) != 0)
        return rc;
    if ((rc = parse_zone(s, len, &pos, flags, &offset, err)) != 0)
        return rc;
    if (pos != len)
        return fail(err, pos, "unexpected characters after the time zone");
    /* a leap second (:60) is the same instant as :00 of the next minute */
    t.sec = rk_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
            offset;
    *out = t;
    return 0;
}

int rk_time_format(const struct rk_time *t, int digits, char *buf, size_t cap)
{
    int64_t days = t->sec >= 0 ? t->sec / 86400 : -((-t->sec + 86399) / 86400);
    int64_t rem = t->sec - days * 86400, y;
    unsigned mo, d;
    char frac[12] = "";
    int n;

    if (digits < 0)
        digits = t->digits;
    if (digits > 9)
        digits = 9;
    civil_from_days(days, &y, &mo, &d);
    if (y < 0 || y > 9999)
        return RK_EFORMAT;
    if (digits > 0) {
        int32_t v = t->nsec;

        for (int i = 9; i > digits; i--)
            v /= 10;
        snprintf(frac, sizeof(frac), ".%0*d", digits, (int)v);
    }
    n = snprintf(buf, cap, "%04d-%02u-%02uT%02d:%02d:%02d%sZ", (int)y, mo, d, (int)(rem / 3600),
                 (int)(rem / 60 % 60), (int)(rem % 60), frac);
    if (n < 0 || (size_t)n >= cap)
        return RK_ELIMIT;
    return n;
}

int rk_time_cmp(const struct rk_time *a, const struct rk_time *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec)
        return a->nsec < b->nsec ? -1 : 1;
    return 0;
}

int64_t rk_time_to_us(const struct rk_time *t)
{
    return t->sec * 1000000 + t->nsec / 1000;
}

void rk_time_from_us(struct rk_time *out, int64_t us)
{
    int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);

    out->sec = sec;
    out->nsec = (int32_t)((us - sec * 1000000) * 1000);
    out->digits = 6;
}

int rk_time_format_us(int64_t us, char *buf, size_t cap)
{
    struct rk_time t;

    rk_time_from_us(&t, us);
    return rk_time_format(&t, 6, buf, cap);
}

int64_t rk_time_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rk_time_unique_us(int64_t floor_us)
{
    static _Atomic int64_t last_us;
    int64_t prev = atomic_load(&last_us), next;

    do {
        next = rk_time_now_us();
        if (next <= prev)
            next = prev + 1;
        if (next <= floor_us)
            next = floor_us + 1;
    } while (!atomic_compare_exchange_weak(&last_us, &prev, next));
    return next;
}
