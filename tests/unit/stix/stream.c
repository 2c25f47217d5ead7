/* stream.c - the streaming reader: every input form, byte offsets, bad objects among good ones,
 * truncated and broken input, bundle property checks, whole-input reference warnings, chunk
 * boundaries and caps in file mode, and allocation failures. */
#include "tests.h"

#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IND(n)                                                                                     \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" n                       \
    "\",\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","        \
    "\"pattern\":\"[url:value = 'http://x']\",\"pattern_type\":\"stix\","                          \
    "\"valid_from\":\"2016-01-01T00:00:00Z\"}"
#define ID1 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd31"
#define ID2 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd32"
#define ID3 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd33"

struct run {
    size_t items, valid, rejected;
    long long offsets[16];
    char ids[16][RK_ERR_ID_MAX];
    char first_error[16][RK_ERR_MESSAGE_MAX];
    int rc;
    struct rk_err err;
    size_t input_errors, input_warnings;
    char input_msgs[1024];
};

/* Read everything from an open reader into run. */
static void drain(struct rk_stix_reader *r, struct run *out)
{
    struct rk_stix_item it;
    const struct rk_stix_findings *in;

    memset(out, 0, sizeof(*out));
    rk_err_clear(&out->err);
    while ((out->rc = rk_stix_reader_next(r, &it, &out->err)) == 1) {
        size_t k = out->items++;

        assert_int_equal(it.index, k);
        if (k < 16) {
            out->offsets[k] = it.offset;
            snprintf(out->ids[k], sizeof(out->ids[k]), "%s", it.id);
        }
        if (it.object) {
            out->valid++;
        } else {
            out->rejected++;
            assert_true(rk_stix_findings_errors(it.findings) > 0);
            for (size_t i = 0; k < 16 && i < rk_stix_findings_count(it.findings); i++) {
                const struct rk_stix_finding *f = rk_stix_findings_at(it.findings, i);

                if (f->severity == RK_STIX_ERROR) {
                    snprintf(out->first_error[k], sizeof(out->first_error[k]), "%s", f->message);
                    break;
                }
            }
        }
        rk_stix_item_clear(&it);
    }
    in = rk_stix_reader_findings(r);
    for (size_t i = 0; i < rk_stix_findings_count(in); i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(in, i);

        if (f->severity == RK_STIX_ERROR)
            out->input_errors++;
        else
            out->input_warnings++;
        size_t used = strlen(out->input_msgs);

        snprintf(out->input_msgs + used, sizeof(out->input_msgs) - used, "%s|", f->message);
    }
}

static void read_mem(const char *text, const struct rk_stix_options *opt, struct run *out)
{
    struct rk_stix_reader *r;
    struct rk_err err;

    assert_int_equal(rk_stix_reader_open_mem(&r, text, strlen(text), opt, &err), 0);
    drain(r, out);
    assert_int_equal(rk_stix_reader_position(r), out->rc < 0 ? rk_stix_reader_position(r)
                                                                : strlen(text));
    assert_int_equal(rk_stix_reader_size(r), strlen(text));
    rk_stix_reader_free(r);
}

static void test_stix_stream__input_forms(void **state)
{
    static const char *const forms[] = {
        "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" IND(ID1) "," IND(ID2) "]}",
        /* bundle without type, objects first, id last */
        "{\"objects\":[" IND(ID1) ",\n  " IND(ID2) "],\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}",
        /* bare objects, JSON lines */
        IND(ID1) "\n" IND(ID2) "\n",
        /* a JSON array of objects */
        "[ " IND(ID1) " , " IND(ID2) " ]",
        /* a UTF-8 byte order mark, then a bundle with the 2.1-style members in any order */
        "\xef\xbb\xbf{\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" IND(ID1) "," IND(ID2) "],\"type\":\"bundle\"}",
        /* a JSON line, then a bundle: each top-level object is parsed whole unless it turns
         * out to be a bundle, whose list is then streamed */
        IND(ID1) "\n{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" IND(ID2) "]}",
        /* two bundles one after the other */
        "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" IND(ID1) "]}\n"
        "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56e\",\"objects\":[" IND(ID2) "]}",
    };
    struct run r;

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        read_mem(forms[i], NULL, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.items, 2);
        assert_int_equal(r.valid, 2);
        assert_string_equal(r.ids[0], "indicator--" ID1);
        assert_string_equal(r.ids[1], "indicator--" ID2);
        /* each offset points at the object's opening brace */
        assert_int_equal(forms[i][r.offsets[0]], '{');
        assert_int_equal(memcmp(forms[i] + r.offsets[1], IND(ID2), strlen(IND(ID2))), 0);
        assert_int_equal(r.input_errors, 0);
    }
    read_mem("{\"objects\":[" IND(ID1) "]}", NULL, &r); /* no type, no id: warnings */
    assert_int_equal(r.valid, 1);
    assert_int_equal(r.input_warnings, 2);
    read_mem("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}", NULL, &r);
    assert_int_equal(r.items, 0); /* an empty bundle */
    assert_int_equal(r.rc, 0);
    read_mem("  \n", NULL, &r);
    assert_int_equal(r.items, 0);
    assert_int_equal(r.rc, 0);
    /* JSON lines with an object over the 1 MiB a top-level object is parsed whole within */
    {
        size_t cap = 1400000, len;
        char *text = malloc(cap);

        assert_non_null(text);
        len = (size_t)snprintf(text, cap, "{\"type\":\"indicator\"");
        for (int i = 0; i < 20; i++) { /* 20 custom properties of 60 KB */
            len += (size_t)snprintf(text + len, cap - len, ",\"x_pad_%d\":\"", i);
            memset(text + len, 'a', 60000);
            len += 60000;
            text[len++] = '"';
        }
        snprintf(text + len, cap - len,
                 ",\"spec_version\":\"2.1\",\"id\":\"indicator--" ID1 "\","
                 "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
                 "\"pattern\":\"[url:value = 'http://x']\",\"pattern_type\":\"stix\","
                 "\"valid_from\":\"2016-01-01T00:00:00Z\"}\n" IND(ID2) "\n");
        read_mem(text, NULL, &r);
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.items, 2);
        assert_int_equal(r.valid, 2);
        assert_string_equal(r.ids[1], "indicator--" ID2);
        free(text);
    }
}

static void test_stix_stream__bad_object_among_good_ones(void **state)
{
    const char *text = "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
                       IND(ID1) ",{\"type\":\"indicator\",\"name\": ,\"x\":[1,{\"a\":\"]}\"}]}, 42, "
                       "{\"type\":\"indicator\",\"id\":\"indicator--" ID3 "\"}," IND(ID2) "]}";
    const char *bad = strstr(text, "{\"type\":\"indicator\",\"name\"");
    struct run r;

    read_mem(text, NULL, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.items, 5);
    assert_int_equal(r.valid, 2);
    assert_string_equal(r.ids[0], "indicator--" ID1);
    assert_string_equal(r.ids[4], "indicator--" ID2);
    /* malformed JSON: rejected with the byte offset of the problem, the reader resynchronises */
    assert_int_equal(r.offsets[1], bad - text);
    assert_non_null(strstr(r.first_error[1], "malformed JSON at byte"));
    {
        char want[64];

        snprintf(want, sizeof(want), "at byte %ld ", (long)(strstr(bad, ": ,") - text + 2));
        assert_non_null(strstr(r.first_error[1], want));
    }
    assert_string_equal(r.first_error[2], "list element is not a JSON object");
    assert_non_null(strstr(r.first_error[3], "missing required property"));
    assert_string_equal(r.ids[3], "indicator--" ID3);
}

static void test_stix_stream__truncated_and_broken_input(void **state)
{
    const char *truncated = "[" IND(ID1) "," IND(ID2) ",{\"type\":\"indicator\",\"id\":\"indi";
    const char *mismatch = "[" IND(ID1) ",{\"type\":[\"indicator\"}]";
    const char *garbage = IND(ID1) " nonsense";
    const char *unclosed = "[" IND(ID1) "   ";
    struct run r;

    read_mem(truncated, NULL, &r);
    assert_int_equal(r.items, 2); /* everything before the break is delivered */
    assert_int_equal(r.valid, 2);
    assert_int_equal(r.rc, RK_EFORMAT);
    assert_non_null(strstr(r.err.message, "truncated"));
    assert_int_equal(r.err.offset, (long long)strlen(truncated));
    assert_int_equal(r.input_errors, 1);
    read_mem(mismatch, NULL, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.rc, RK_EFORMAT);
    assert_non_null(strstr(r.err.message, "does not close"));
    assert_int_equal(mismatch[r.err.offset], '}');
    read_mem(garbage, NULL, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.rc, RK_EFORMAT);
    assert_int_equal(r.err.offset, (long long)strlen(IND(ID1)) + 1);
    read_mem(unclosed, NULL, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.rc, RK_EFORMAT);
    assert_non_null(strstr(r.err.message, "not closed"));
    /* after a failure, next keeps returning the same error */
    {
        struct rk_stix_reader *rd;
        struct rk_stix_item it;
        struct rk_err err;

        assert_int_equal(rk_stix_reader_open_mem(&rd, "]", 1, NULL, &err), 0);
        assert_int_equal(rk_stix_reader_next(rd, &it, &err), RK_EFORMAT);
        assert_int_equal(rk_stix_reader_next(rd, &it, &err), RK_EFORMAT);
        assert_int_equal(err.offset, 0);
        assert_null(it.object);
        rk_stix_reader_free(rd);
    }
}

static void test_stix_stream__bundle_properties(void **state)
{
    struct run r;

    read_mem("{\"type\":\"bundle\",\"id\":\"5d0092c5\",\"objects\":[" IND(ID1) "]}", NULL, &r);
    assert_int_equal(r.valid, 1);
    assert_int_equal(r.input_errors, 1);
    assert_non_null(strstr(r.input_msgs, "bundle id must be bundle--<UUID>"));
    read_mem("{\"objects\":[" IND(ID1) "],\"type\":\"report\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"}",
             NULL, &r);
    assert_int_equal(r.valid, 1);
    assert_non_null(strstr(r.input_msgs, "must have type \"bundle\", not report"));
    read_mem("{\"type\":\"bundle\",\"spec_version\":\"2.1\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[]}",
             NULL, &r);
    assert_int_equal(r.input_warnings, 1);
    assert_non_null(strstr(r.input_msgs, "not a bundle property"));
    read_mem("{\"type\":\"bundle\",\"spec_version\":\"3.0\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[]}",
             NULL, &r);
    assert_int_equal(r.input_errors, 1);
    read_mem("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":{}}", NULL, &r);
    assert_int_equal(r.items, 0);
    assert_non_null(strstr(r.input_msgs, "objects must be a list"));
    read_mem("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[" IND(ID1) "],"
             "\"objects\":[" IND(ID2) "]}", NULL, &r);
    assert_int_equal(r.valid, 2);
    assert_non_null(strstr(r.input_msgs, "duplicate top-level key \"objects\""));
    /* a STIX object that happens to have a list called objects stays an object */
    read_mem("{\"type\":\"x-thing\",\"id\":\"x-thing--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[1]}", NULL, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.valid, 1);
}

static void test_stix_stream__references_not_in_the_input(void **state)
{
    const char *text =
            "[" IND(ID1) ",{\"type\":\"relationship\",\"spec_version\":\"2.1\","
            "\"id\":\"relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e\",\"created\":\"2016-04-06T20:03:48.000Z\","
            "\"modified\":\"2016-04-06T20:03:48.000Z\",\"relationship_type\":\"indicates\","
            "\"source_ref\":\"indicator--" ID1 "\",\"target_ref\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\","
            "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}]";
    struct rk_stix_reader *r;
    struct rk_stix_item it;
    struct rk_err err;
    const struct rk_stix_findings *in;
    const struct rk_stix_finding *f;

    assert_int_equal(rk_stix_reader_open_mem(&r, text, strlen(text), NULL, &err), 0);
    while (rk_stix_reader_next(r, &it, &err) == 1) {
        assert_non_null(it.object);
        rk_stix_item_clear(&it);
    }
    in = rk_stix_reader_findings(r);
    /* the malware is missing; the indicator is present; the TLP marking is well known */
    assert_int_equal(rk_stix_findings_count(in), 1);
    f = rk_stix_findings_at(in, 0);
    assert_int_equal(f->severity, RK_STIX_WARNING);
    assert_string_equal(f->object_id, "relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e");
    assert_non_null(strstr(f->message, "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"));
    assert_int_equal(text[f->offset], '{');
    rk_stix_reader_free(r);
}

static void add_indicator(struct rk_buf *b, unsigned n)
{
    assert_int_equal(rk_buf_printf(b,
                                   "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                                   "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-%012x\","
                                   "\"created\":\"2016-04-06T20:03:48.000Z\","
                                   "\"modified\":\"2016-04-06T20:03:48.000Z\","
                                   "\"pattern\":\"[url:value = 'http://x']\","
                                   "\"pattern_type\":\"stix\","
                                   "\"valid_from\":\"2016-01-01T00:00:00Z\"},",
                                   n),
                     0);
}

/* A report referencing indicators first..last-1. */
static void add_report(struct rk_buf *b, unsigned n, unsigned first, unsigned last)
{
    assert_int_equal(rk_buf_printf(b,
                                   "{\"type\":\"report\",\"spec_version\":\"2.1\","
                                   "\"id\":\"report--57b56a43-b8b0-4cba-9deb-%012x\","
                                   "\"created\":\"2016-04-06T20:03:48.000Z\","
                                   "\"modified\":\"2016-04-06T20:03:48.000Z\",\"name\":\"r\","
                                   "\"published\":\"2016-04-06T20:03:48.000Z\","
                                   "\"object_refs\":[",
                                   n),
                     0);
    for (unsigned i = first; i < last; i++)
        assert_int_equal(rk_buf_printf(b, "%s\"indicator--8e2e2d2b-17d4-4cbf-938f-%012x\"",
                                       i > first ? "," : "", i),
                         0);
    assert_int_equal(rk_buf_puts(b, "]},"), 0);
}

/* An object with more references than the reference check queues at once (they are entered
 * in its tables in order all the same): 50 indicators, a report referencing indicators 0-149,
 * indicators 50-99, a second report referencing 100-104 again. Indicators 100-149 are missing,
 * each named once, with the first report as the referrer. */
static void test_stix_stream__many_references_in_one_object(void **state)
{
    struct rk_stix_reader *r;
    struct rk_stix_item it;
    struct rk_err err;
    const struct rk_stix_findings *in;
    struct rk_buf b;
    size_t first_report;
    char want[80];

    rk_buf_init(&b, RK_BUF_UNLIMITED);
    assert_int_equal(rk_buf_putc(&b, '['), 0);
    for (unsigned i = 0; i < 50; i++)
        add_indicator(&b, i);
    first_report = rk_buf_len(&b);
    add_report(&b, 1, 0, 150);
    for (unsigned i = 50; i < 100; i++)
        add_indicator(&b, i);
    add_report(&b, 2, 100, 105);
    rk_buf_ptr(&b)[rk_buf_len(&b) - 1] = ']';
    assert_int_equal(rk_stix_reader_open_mem(&r, rk_buf_cstr(&b), rk_buf_len(&b), NULL, &err), 0);
    while (rk_stix_reader_next(r, &it, &err) == 1) {
        assert_non_null(it.object);
        rk_stix_item_clear(&it);
    }
    in = rk_stix_reader_findings(r);
    assert_int_equal(rk_stix_findings_count(in), 50);
    for (unsigned i = 100; i < 150; i++) {
        int named = 0;

        snprintf(want, sizeof(want), "references indicator--8e2e2d2b-17d4-4cbf-938f-%012x,", i);
        for (size_t k = 0; k < rk_stix_findings_count(in); k++) {
            const struct rk_stix_finding *f = rk_stix_findings_at(in, k);

            if (strstr(f->message, want)) {
                named++;
                assert_int_equal(f->offset, (long long)first_report);
                assert_string_equal(f->object_id, "report--57b56a43-b8b0-4cba-9deb-000000000001");
            }
        }
        assert_int_equal(named, 1);
    }
    rk_stix_reader_free(r);
    rk_buf_free(&b);
}

/* Write n indicators (each padded to about pad bytes) as a bundle into a temporary file. */
static char *write_bundle(size_t n, size_t pad, size_t big_index, size_t big_len)
{
    char *path = strdup("/tmp/rk_stix_test_XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");

    assert_non_null(f);
    fputs("{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":[", f);
    for (size_t i = 0; i < n; i++) {
        size_t len = i == big_index ? big_len : pad;

        fprintf(f, "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-%012zx\","
                   "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
                   "\"pattern\":\"[url:value = 'http://x']\",\"pattern_type\":\"stix\","
                   "\"valid_from\":\"2016-01-01T00:00:00Z\",\"description\":\"",
                i ? ",\n" : "", i);
        for (size_t k = 0; k < len; k++) { /* letters with an escaped newline now and then */
            if (k % 64 == 63)
                fputs("\\n", f);
            else
                fputc('a' + (int)(k % 26), f);
        }
        fputs("\"}", f);
    }
    fputs("]}\n", f);
    fclose(f);
    return path;
}

static void read_file(const char *path, const struct rk_stix_options *opt, struct run *out)
{
    struct rk_stix_reader *r;
    struct rk_err err;

    assert_int_equal(rk_stix_reader_open_file(&r, path, opt, &err), 0);
    assert_true(rk_stix_reader_size(r) > 0);
    drain(r, out);
    assert_int_equal(rk_stix_reader_position(r), rk_stix_reader_size(r));
    rk_stix_reader_free(r);
}

static void test_stix_stream__file_chunks_and_caps(void **state)
{
    struct rk_stix_options opt;
    struct rk_err err;
    struct rk_stix_reader *r;
    struct run out;
    /* 3000 objects of ~1.2 KiB: objects straddle the 1 MiB chunk boundaries */
    char *path = write_bundle(3000, 1000, 7, 3 << 20);

    read_file(path, NULL, &out); /* the 3 MiB description exceeds max_string_bytes */
    assert_int_equal(out.rc, 0);
    assert_int_equal(out.items, 3000);
    assert_int_equal(out.valid, 2999);
    assert_non_null(strstr(out.first_error[7], "exceeds max_string_bytes (1048576)"));
    rk_stix_options_init(&opt);
    opt.max_string_bytes = 8 << 20;
    read_file(path, &opt, &out);
    assert_int_equal(out.rc, 0);
    assert_int_equal(out.valid, 3000); /* a 3 MiB object is fine under the 16 MiB cap */
    /* with a 2 MiB object cap the 3 MiB object is rejected by name, the rest still comes */
    rk_stix_options_init(&opt);
    opt.max_object_bytes = 2 << 20;
    read_file(path, &opt, &out);
    assert_int_equal(out.rc, 0);
    assert_int_equal(out.items, 3000);
    assert_int_equal(out.rejected, 1);
    assert_non_null(strstr(out.first_error[7], "exceeds max_object_bytes (2097152)"));
    assert_string_equal(out.ids[8], "indicator--8e2e2d2b-17d4-4cbf-938f-000000000008");
    assert_int_equal(unlink(path), 0);
    free(path);
    assert_int_equal(rk_stix_reader_open_file(&r, "/nonexistent/x.json", NULL, &err), RK_EIO);
    assert_null(r);
    assert_non_null(strstr(err.message, "/nonexistent/x.json"));
}

static void test_stix_stream__allocation_failures(void **state)
{
    const char *text = "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
                       IND(ID1) "," IND(ID2) "]}";
    unsigned long made;

    /* count the allocations of a clean run, then fail each one in turn: no crash, no leak */
    rk_alloc_fail_at(0);
    {
        struct run r;

        read_mem(text, NULL, &r);
    }
    made = rk_alloc_fail_at(0);
    assert_true(made > 10);
    for (unsigned long n = 1; n <= made; n++) {
        struct rk_stix_reader *rd = NULL;
        struct rk_stix_item it;
        struct rk_err err;
        int rc;

        rk_alloc_fail_at(n);
        if (rk_stix_reader_open_mem(&rd, text, strlen(text), NULL, &err) == 0) {
            while ((rc = rk_stix_reader_next(rd, &it, &err)) == 1)
                rk_stix_item_clear(&it);
            assert_true(rc <= 0);
        }
        rk_stix_reader_free(rd);
        rk_alloc_fail_at(0);
    }
}

int test_stix_reader_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_stream__input_forms),
            cmocka_unit_test(test_stix_stream__bad_object_among_good_ones),
            cmocka_unit_test(test_stix_stream__truncated_and_broken_input),
            cmocka_unit_test(test_stix_stream__bundle_properties),
            cmocka_unit_test(test_stix_stream__references_not_in_the_input),
            cmocka_unit_test(test_stix_stream__many_references_in_one_object),
            cmocka_unit_test(test_stix_stream__file_chunks_and_caps),
            cmocka_unit_test(test_stix_stream__allocation_failures),
    };

    return cmocka_run_group_tests_name("stix_reader", tests, NULL, NULL);
}
