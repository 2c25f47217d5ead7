/* readahead.c - the read-ahead reader hands out the same items, in the same order, with the same
 * end (clean or broken) as the reader it runs; it can be closed half-way; the reader's
 * whole-input findings are there after it. Inputs are longer than its ring. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/readahead.h"
#include "util/alloc.h"
#include "util/buf.h"

enum { OBJECTS = 3000, BAD_EVERY = 7 };

/* OBJECTS indicators as JSON lines; every BAD_EVERY-th lacks its pattern_type (rejected), and
 * the last one references an identity that is not in the input. */
static char *make_input(void)
{
    struct rk_buf b;
    size_t len;

    rk_buf_init(&b, RK_BUF_UNLIMITED);
    for (unsigned i = 0; i < OBJECTS; i++)
        assert_int_equal(
                rk_buf_printf(&b,
                              "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                              "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-%012x\","
                              "\"created\":\"2016-04-06T20:03:48.000Z\","
                              "\"modified\":\"2016-04-06T20:03:48.000Z\","
                              "\"pattern\":\"[url:value = 'http://x/%u']\",%s"
                              "\"valid_from\":\"2016-01-01T00:00:00Z\"%s}\n",
                              i, i, i % BAD_EVERY == 3 ? "" : "\"pattern_type\":\"stix\",",
                              i == OBJECTS - 1 ? ",\"created_by_ref\":\"identity--"
                                                 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd31\""
                                               : ""),
                0);
    return rk_buf_detach(&b, &len);
}

/* What one reading saw: per item its index, validity and id; the end and its message. */
struct seen {
    char valid[OBJECTS + 1];
    size_t n, last_index;
    uint64_t last_position;
    int end;
    char end_message[RK_ERR_MESSAGE_MAX];
    size_t input_warnings;
};

static void note(struct seen *s, const struct rk_stix_item *it)
{
    char want[RK_ERR_ID_MAX];

    assert_int_equal(it->index, s->n);
    snprintf(want, sizeof(want), "indicator--8e2e2d2b-17d4-4cbf-938f-%012zx", s->n);
    assert_string_equal(it->id, want);
    if (it->object) /* serialised on the reading thread already; the same text either way */
        assert_non_null(rk_stix_object_canonical(it->object, NULL));
    s->valid[s->n++] = it->object ? 'v' : 'x';
}

static void read_direct(const char *text, size_t len, struct seen *s)
{
    struct rk_stix_reader *r;
    struct rk_stix_item it;
    struct rk_err err;

    memset(s, 0, sizeof(*s));
    assert_int_equal(rk_stix_reader_open_mem(&r, text, len, NULL, &err), 0);
    while ((s->end = rk_stix_reader_next(r, &it, &err)) == 1) {
        s->last_position = rk_stix_reader_position(r);
        note(s, &it);
        rk_stix_item_clear(&it);
    }
    if (s->end < 0)
        snprintf(s->end_message, sizeof(s->end_message), "%s", err.message);
    s->input_warnings = rk_stix_findings_count(rk_stix_reader_findings(r));
    rk_stix_reader_free(r);
}

static void read_ahead(const char *text, size_t len, struct seen *s)
{
    struct rk_stix_readahead *ra;
    struct rk_stix_reader *r;
    const struct rk_stix_item *it;
    struct rk_err err;
    uint64_t pos = 0;

    memset(s, 0, sizeof(*s));
    assert_int_equal(rk_stix_reader_open_mem(&r, text, len, NULL, &err), 0);
    assert_int_equal(rk_stix_readahead_open(&ra, r, &err), 0);
    rk_err_clear(&err); /* the message must come from the read-ahead */
    while ((s->end = rk_stix_readahead_next(ra, &it, &pos, &err)) == 1) {
        assert_true(pos >= s->last_position && pos <= len);
        s->last_position = pos;
        note(s, it);
    }
    assert_null(it);
    if (s->end < 0)
        snprintf(s->end_message, sizeof(s->end_message), "%s", err.message);
    rk_stix_readahead_close(ra);
    s->input_warnings = rk_stix_findings_count(rk_stix_reader_findings(r));
    rk_stix_reader_free(r);
}

static void assert_same(const struct seen *a, const struct seen *b)
{
    assert_int_equal(a->n, b->n);
    assert_string_equal(a->valid, b->valid);
    assert_int_equal(a->last_position, b->last_position);
    assert_int_equal(a->end, b->end);
    assert_string_equal(a->end_message, b->end_message);
    assert_int_equal(a->input_warnings, b->input_warnings);
}

static void test_stix_readahead__same_items_in_order(void **state)
{
    char *text = make_input();
    struct seen direct, ahead;

    read_direct(text, strlen(text), &direct);
    read_ahead(text, strlen(text), &ahead);
    assert_int_equal(ahead.n, OBJECTS);
    assert_int_equal(ahead.end, 0);
    assert_int_equal(ahead.last_position, strlen(text) - 1); /* before the last newline */
    assert_int_equal(ahead.valid[3], 'x');
    assert_int_equal(ahead.valid[4], 'v');
    assert_int_equal(ahead.input_warnings, 1); /* the identity not in the input */
    assert_same(&direct, &ahead);
    rk_free(text);
}

/* Input cut inside object 2001: 2000 items, then the same error as the plain reader's. */
static void test_stix_readahead__broken_input(void **state)
{
    char *text = make_input();
    size_t cut = 0;

    for (unsigned lines = 0; lines < 2000; cut++)
        lines += text[cut] == '\n';
    cut += 40;
    struct seen direct, ahead;

    read_direct(text, cut, &direct);
    read_ahead(text, cut, &ahead);
    assert_int_equal(ahead.n, 2000);
    assert_true(ahead.end < 0);
    assert_true(ahead.end_message[0] != '\0');
    assert_same(&direct, &ahead);
    rk_free(text);
}

/* Closed after a few items while the thread is blocked on a full ring: it stops, and every
 * item it read, taken or not, is freed (the sanitizers check the leaks). */
static void test_stix_readahead__closed_half_way(void **state)
{
    char *text = make_input();
    struct rk_stix_readahead *ra;
    struct rk_stix_reader *r;
    const struct rk_stix_item *it;
    struct rk_err err;
    uint64_t pos;

    assert_int_equal(rk_stix_reader_open_mem(&r, text, strlen(text), NULL, &err), 0);
    assert_int_equal(rk_stix_readahead_open(&ra, r, &err), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rk_stix_readahead_next(ra, &it, &pos, &err), 1);
        assert_int_equal(it->index, (size_t)i);
    }
    rk_stix_readahead_close(ra);
    assert_true(rk_stix_reader_position(r) < strlen(text)); /* it stopped before the end */
    rk_stix_reader_free(r);
    rk_stix_readahead_close(NULL);
    rk_free(text);
}

int test_stix_readahead_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_readahead__same_items_in_order),
            cmocka_unit_test(test_stix_readahead__broken_input),
            cmocka_unit_test(test_stix_readahead__closed_half_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
