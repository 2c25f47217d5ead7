/* fuzz.c - libFuzzer target for the JSON parser of src/stix/json.h, checked against jansson
 * (json_loadb with JSON_REJECT_DUPLICATES): both must accept or reject the same inputs, and
 * accepted inputs must give the same values (types, integers exactly, doubles bit for bit,
 * strings byte for byte, members in the same order). The canonical serialisations of both
 * trees must be the same text, and a document must survive every parse mode. Any difference
 * aborts, so the fuzzer reports it. */
#include "stix/json.h"
#include "stix/stix_internal.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void same(const struct rk_json *a, const json_t *b, int depth)
{
    const char *key;
    json_t *x;

    if (depth > RK_JSON_DEPTH_MAX + 1)
        abort();
    switch (json_typeof(b)) {
    case JSON_OBJECT:
        if (!rk_json_is_object(a) || rk_json_object_size(a) != json_object_size(b))
            abort();
        {
            size_t i = 0;

            json_object_foreach((json_t *)b, key, x) {
                if (strcmp(rk_json_key_at(a, i), key) != 0)
                    abort(); /* same members in the same order */
                same(rk_json_value_at(a, i), x, depth + 1);
                if (rk_json_get(a, key) != rk_json_value_at(a, i))
                    abort(); /* lookup finds it */
                i++;
            }
        }
        break;
    case JSON_ARRAY:
        if (!rk_json_is_array(a) || rk_json_array_size(a) != json_array_size(b))
            abort();
        for (size_t i = 0; i < json_array_size(b); i++)
            same(rk_json_at(a, i), json_array_get(b, i), depth + 1);
        break;
    case JSON_STRING:
        if (!rk_json_is_string(a) || rk_json_strlen(a) != json_string_length(b) ||
            memcmp(rk_json_str(a), json_string_value(b), json_string_length(b)) != 0 ||
            rk_json_str(a)[rk_json_strlen(a)] != '\0')
            abort();
        break;
    case JSON_INTEGER:
        if (!rk_json_is_integer(a) || rk_json_int(a) != json_integer_value(b))
            abort();
        break;
    case JSON_REAL: {
        double d = rk_json_real(a), e = json_real_value(b);

        if (rk_json_type(a) != RK_JSON_REAL || memcmp(&d, &e, sizeof(d)) != 0)
            abort();
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        if (rk_json_type(a) != (json_typeof(b) == JSON_TRUE    ? RK_JSON_TRUE
                                : json_typeof(b) == JSON_FALSE ? RK_JSON_FALSE
                                                               : RK_JSON_NULL))
            abort();
        break;
    }
}

static void same_canonical(const struct rk_json *a, const json_t *b)
{
    struct rk_buf x, y;
    int ra, rb;

    rk_buf_init(&x, RK_BUF_UNLIMITED);
    rk_buf_init(&y, RK_BUF_UNLIMITED);
    ra = rk_stix_canon_append(&x, a, RK_CANON_STIX);
    rb = rk_stix_canon_append_json(&y, b, RK_CANON_STIX);
    if (ra != rb || (ra == 0 && (x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0)))
        abort();
    rk_buf_free(&x);
    rk_buf_free(&y);
}

/* The first value parsed as a prefix ends where the whole parse ends, minus white space. */
static void prefix_agrees(const uint8_t *data, size_t size)
{
    struct rk_json_parser *p = NULL;
    struct rk_json_doc *d = NULL;
    size_t end = 0;
    struct rk_err err;

    if (rk_json_parser_new(&p) != 0)
        return;
    if (rk_json_parse(p, (const char *)data, size, RK_JSON_PREFIX, &d, &end, &err) != 0)
        abort();
    if (end > size || rk_json_doc_text_len(d) != end)
        abort();
    for (size_t i = end; i < size; i++) {
        if (!strchr(" \t\r\n", data[i]))
            abort();
    }
    rk_json_doc_free(d);
    rk_json_parser_free(p);
}

/* Inputs where the verdicts are compared: valid UTF-8 without NUL bytes. jansson reads a NUL
 * byte between tokens as if it were not there (" [ 1\0] " loads), which RFC 8259 does not
 * allow and we do not copy; its UTF-8 errors are ours too, but bytes are compared only where
 * the text is well formed, as the differential check is about the grammar. */
static int comparable(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;

        if (c == 0 || (c >= 0x80 && (c < 0xc2 || c > 0xf4)) || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        }
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
            return 0;
        i += k;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_json_doc *d = NULL;
    struct rk_err err;
    json_error_t jerr;
    json_t *j;
    int rc;

    if (size > (1u << 20))
        return 0;
    rc = rk_json_parse_once((const char *)data, size, 0, &d, &err);
    j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (comparable(data, size) && (rc == 0) != (j != NULL))
        abort(); /* the same verdict as jansson */
    if (rc != 0 && (rc != RK_EFORMAT || err.offset < 0 || (size_t)err.offset > size ||
                    err.message[0] == '\0'))
        abort(); /* a rejection says what and where */
    if (rc == 0 && j) {
        same(rk_json_root(d), j, 0);
        same_canonical(rk_json_root(d), j);
        prefix_agrees(data, size);
    }
    rk_json_doc_free(d);
    json_decref(j);
    return 0;
}
