/* pattern_check.c - parse STIX patterns and print one verdict per pattern.
 *
 *   pattern_check --lines FILE    one pattern per line ('#' comments, blank lines skipped);
 *                                 a line "valid: P" or "invalid: P" also states the expected
 *                                 verdict, and a mismatch fails the run
 *   pattern_check --json FILE...  every indicator (pattern_type "stix" or none) in the JSON
 *                                 files (bundles, arrays, nested objects)
 *
 * Output, tab separated: "ok  <where>  <pattern>" or "error  <where>  <byte>  <message> <pattern>".
 * Exit status: 0 when every verdict is as expected (for --json: every pattern valid). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/pattern.h"

struct tally {
    int ok, bad, mismatched;
};

static void verdict(struct tally *t, const char *where, const char *pattern, size_t len,
                    int expect_valid)
{
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rc = rk_pattern_validate(pattern, len, &err);
    if (rc == 0) {
        t->ok++;
        printf("ok\t%s\t%.*s\n", where, (int)len, pattern);
    } else {
        t->bad++;
        printf("error\t%s\t%lld\t%s\t%.*s\n", where, err.offset, err.message, (int)len, pattern);
    }
    if (expect_valid >= 0 && (rc == 0) != expect_valid) {
        t->mismatched++;
        printf("MISMATCH\t%s\texpected %s\n", where, expect_valid ? "valid" : "invalid");
    }
}

static int run_lines(const char *path, struct tally *t)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL, where[64];
    size_t cap = 0, lineno = 0;
    ssize_t n;

    if (!f) {
        fprintf(stderr, "pattern_check: cannot open %s\n", path);
        return 2;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        char *p = line;
        int expect = -1;

        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (strncmp(p, "valid: ", 7) == 0)
            expect = 1, p += 7;
        else if (strncmp(p, "invalid: ", 9) == 0)
            expect = 0, p += 9;
        snprintf(where, sizeof(where), "line %zu", lineno);
        verdict(t, where, p, strlen(p), expect);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return 0;
}

static void walk_json(const json_t *j, const char *file, struct tally *t)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach (j, i, v)
            walk_json(v, file, t);
        return;
    }
    if (!json_is_object(j))
        return;
    v = json_object_get(j, "pattern");
    if (json_is_string(v) &&
        strcmp(json_string_value(json_object_get(j, "type")) ?: "", "indicator") == 0 &&
        (!json_object_get(j, "pattern_type") ||
         strcmp(json_string_value(json_object_get(j, "pattern_type")) ?: "", "stix") == 0)) {
        char where[512];

        snprintf(where, sizeof(where), "%s %s", file,
                 json_string_value(json_object_get(j, "id")) ?: "(no id)");
        verdict(t, where, json_string_value(v), json_string_length(v), 1);
    }
    json_object_foreach ((json_t *)j, key, v) {
        (void)key;
        walk_json(v, file, t);
    }
}

static int run_json(const char *path, struct tally *t)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);

    if (!j) {
        fprintf(stderr, "pattern_check: %s: %s\n", path, jerr.text);
        return 2;
    }
    walk_json(j, path, t);
    json_decref(j);
    return 0;
}

int main(int argc, char **argv)
{
    struct tally t = {0, 0, 0};
    int rc = 0;

    if (argc < 3 || (strcmp(argv[1], "--lines") != 0 && strcmp(argv[1], "--json") != 0)) {
        fprintf(stderr, "usage: pattern_check --lines FILE | --json FILE...\n");
        return 2;
    }
    for (int i = 2; i < argc && rc == 0; i++)
        rc = strcmp(argv[1], "--lines") == 0 ? run_lines(argv[i], &t) : run_json(argv[i], &t);
    fprintf(stderr, "pattern_check: %d valid, %d invalid, %d not as expected\n", t.ok, t.bad,
            t.mismatched);
    if (rc != 0)
        return rc;
    return t.mismatched ? 1 : 0;
}
