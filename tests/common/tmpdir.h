/* tmpdir.h - temporary directories for the unit tests (tests/common, linked into each). */
#ifndef RK_TEST_COMMON_TMPDIR_H
#define RK_TEST_COMMON_TMPDIR_H

#include <stddef.h>

/* A new empty directory $TMPDIR/rk-<tag>-XXXXXX (/tmp without TMPDIR) into out; asserts. */
void rk_test_tmp_dir_make(char *out, size_t cap, const char *tag);
/* Remove dir and everything below it. */
void rk_test_tmp_dir_remove(const char *dir);

#endif
