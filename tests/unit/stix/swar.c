/* swar.c - the string scans of swar.h: for every kind of stop byte at every position of a run
 * (in the sixteen-byte part, the eight-byte part and the tail), both scans stop exactly there
 * (little-endian words; big-endian words may stop before it), and past plain bytes they stop
 * only within the last bytes they cannot load whole. */
#include "tests.h"

#include <string.h>

#include "stix/swar.h"

enum { RUN = 64 };

/* The first stop byte of s[0..len) by the definition, len when none. */
static size_t first_stop(const char *s, size_t len, unsigned stop)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\' || ((stop & RK_SWAR_STOP_CTL) && c < 0x20) ||
            ((stop & RK_SWAR_STOP_HIGH) && c >= 0x80))
            return i;
    }
    return len;
}

static void check_scans(const char *s, size_t from, unsigned stop)
{
    size_t want = first_stop(s + from, RUN - from, stop) + from;
    size_t words = rk_swar_skip_words(s, from, RUN, stop), any = rk_swar_skip(s, from, RUN, stop);

    assert_true(words >= from && words <= want);
    assert_true(any >= from && any <= want);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (want + 8 <= RUN)
        assert_int_equal(words, want);
#endif
    if (want + 16 <= RUN) /* a whole block of sixteen: found exactly */
        assert_int_equal(any, want);
    if (want == RUN) { /* none: at most the unloadable tail is left */
        assert_true(RUN - words < 8);
        assert_true(RUN - any < 16);
    }
}

static void test_stix_swar__stop_bytes_everywhere(void **state)
{
    static const unsigned char bytes[] = {'"',  '\\', 0x00, 0x01, 0x1f, 0x20,
                                          0x7f, 0x80, 0xc3, 0xff, 'a'};
    static const unsigned stops[] = {0, RK_SWAR_STOP_CTL, RK_SWAR_STOP_CTL | RK_SWAR_STOP_HIGH};
    char s[RUN];

    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        for (size_t b = 0; b < sizeof(bytes); b++) {
            for (size_t at = 0; at < RUN; at++) {
                memset(s, 'x', sizeof(s));
                s[at] = (char)bytes[b];
                if (at + 3 < RUN)
                    s[at + 3] = '"'; /* a second stop after it must not hide the first */
                for (size_t from = 0; from <= at; from += 5)
                    check_scans(s, from, stops[k]);
            }
        }
    }
}

int test_stix_swar_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_swar__stop_bytes_everywhere),
    };

    return cmocka_run_group_tests_name("stix_swar", tests, NULL, NULL);
}
