/* helpers.c - shared helpers of the stix tests. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct rk_stix_findings *last;

int stix_try(const char *json, const struct rk_stix_options *opt)
{
    struct rk_stix_object *o = NULL;
    struct rk_err err;
    int rc;

    rk_stix_findings_free(last);
    last = NULL;
    rc = rk_stix_object_parse(&o, json, strlen(json), opt, &last, &err);
    if (rc == 0) {
        assert_non_null(o);
        assert_non_null(rk_stix_object_id(o));
    } else {
        assert_null(o);
        assert_int_equal(err.code, rc);
        assert_true(err.message[0] != '\0');
    }
    rk_stix_object_free(o);
    return rc;
}

void stix_helpers_done(void)
{
    rk_stix_findings_free(last);
    last = NULL;
}

const struct rk_stix_findings *stix_last_findings(void)
{
    return last;
}

int stix_has_finding(int severity, const char *needle, const char *path)
{
    for (size_t i = 0; i < rk_stix_findings_count(last); i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(last, i);

        if (f->severity == severity && strstr(f->message, needle) &&
            (!path || strcmp(f->path, path) == 0))
            return 1;
    }
    return 0;
}

void stix_dump_findings(void)
{
    for (size_t i = 0; i < rk_stix_findings_count(last); i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(last, i);

        fprintf(stderr, "  %s [%s] %s: %s\n", f->severity ? "warning" : "error", f->object_id,
                f->path, f->message);
    }
}

const char *Q(const char *s)
{
    static char ring[8][16384];
    static unsigned next;
    char *out = ring[next++ % 8];
    size_t i;

    for (i = 0; s[i] && i + 1 < sizeof(ring[0]); i++)
        out[i] = s[i] == '\'' ? '"' : s[i];
    assert_true(s[i] == '\0');
    out[i] = '\0';
    return out;
}

char *stix_mutate(const char *base, const char *key, const char *value)
{
    json_error_t je;
    json_t *o = json_loads(base, 0, &je), *v;
    char *out;

    assert_non_null(o);
    if (value) {
        v = json_loads(value, JSON_DECODE_ANY, &je);
        if (!v)
            fprintf(stderr, "bad test value %s: %s\n", value, je.text);
        assert_non_null(v);
        assert_int_equal(json_object_set_new(o, key, v), 0);
    } else {
        json_object_del(o, key);
    }
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    assert_non_null(out);
    return out;
}

char *stix_read_corpus(const char *rel, size_t *len_out)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", RK_CORPUS_DIR, rel);
    f = fopen(path, "rb");
    if (!f)
        fprintf(stderr, "cannot open %s\n", path);
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len_out)
        *len_out = (size_t)n;
    return buf;
}
