/* tests.h - the stix test groups and shared helpers (helpers.c). */
#ifndef RK_TEST_STIX_TESTS_H
#define RK_TEST_STIX_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "renkei/stix.h"

int test_stix_objects_run(void);
int test_stix_negative_run(void);
int test_stix_sco_run(void);
int test_stix_reader_run(void);
int test_stix_canonical_run(void);
int test_stix_markings_run(void);
int test_stix_ident_run(void);
int test_stix_upgrade_run(void);
int test_stix_corpus_run(void);
int test_stix_readahead_run(void);
int test_stix_swar_run(void);

/* Validate json text with opt (NULL: defaults); returns the rc and keeps the findings for the
 * expect_* helpers. The object, if any, is freed. */
int stix_try(const char *json, const struct rk_stix_options *opt);
/* The findings of the last stix_try (borrowed until the next call). */
const struct rk_stix_findings *stix_last_findings(void);
/* 1 when the last stix_try has a finding of that severity whose message contains needle and
 * whose path equals path (path NULL: any). */
int stix_has_finding(int severity, const char *needle, const char *path);
/* Free what the helpers keep (call before exit). */
void stix_helpers_done(void);
/* Print the last findings to stderr (for failing tests). */
void stix_dump_findings(void);

/* The text of base with property key set to the JSON value text value (NULL: removed).
 * Returns a malloc'd string. */
char *stix_mutate(const char *base, const char *key, const char *value);

/* s with every ' turned into " (JSON in tests without escaped quotes); the result lives in a
 * ring of static buffers, valid for the next 7 calls. */
const char *Q(const char *s);

/* Read a corpus file (relative to RK_CORPUS_DIR); malloc'd, NUL-terminated. */
char *stix_read_corpus(const char *rel, size_t *len_out);

#define assert_stix_valid(json)                                                                    \
    do {                                                                                           \
        int rc_ = stix_try((json), NULL);                                                          \
        if (rc_ != 0)                                                                              \
            stix_dump_findings();                                                                  \
        assert_int_equal(rc_, 0);                                                                  \
    } while (0)

#define assert_stix_error(json, needle, path)                                                      \
    do {                                                                                           \
        int rc_ = stix_try((json), NULL);                                                          \
        if (rc_ == 0 || !stix_has_finding(RK_STIX_ERROR, (needle), (path)))                        \
            stix_dump_findings();                                                                  \
        assert_int_not_equal(rc_, 0);                                                              \
        assert_true(stix_has_finding(RK_STIX_ERROR, (needle), (path)));                            \
    } while (0)

#define assert_stix_warning(json, needle, path)                                                    \
    do {                                                                                           \
        int rc_ = stix_try((json), NULL);                                                          \
        if (rc_ != 0 || !stix_has_finding(RK_STIX_WARNING, (needle), (path)))                      \
            stix_dump_findings();                                                                  \
        assert_int_equal(rc_, 0);                                                                  \
        assert_true(stix_has_finding(RK_STIX_WARNING, (needle), (path)));                          \
    } while (0)

/* A valid STIX 2.1 indicator used as the base of many tests. */
#define BASE_INDICATOR                                                                             \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","                                            \
    "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","                                  \
    "\"created_by_ref\":\"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff\","                       \
    "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","          \
    "\"indicator_types\":[\"malicious-activity\"],\"name\":\"Poison Ivy Malware\","                \
    "\"description\":\"This file is part of Poison Ivy\","                                         \
    "\"pattern\":\"[file:hashes.'SHA-256' = "                                                      \
    "'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']\","                       \
    "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\","                           \
    "\"kill_chain_phases\":[{\"kill_chain_name\":\"mandiant-attack-lifecycle-model\","             \
    "\"phase_name\":\"establish-foothold\"}],"                                                     \
    "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}"

#endif
