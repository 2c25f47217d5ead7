/* tmpdir.c - temporary directories for the unit tests. */
#define _XOPEN_SOURCE 700
#include "common/tmpdir.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

void rk_test_tmp_dir_make(char *out, size_t cap, const char *tag)
{
    const char *base = getenv("TMPDIR");

    assert_true(snprintf(out, cap, "%s/rk-%s-XXXXXX", base && base[0] ? base : "/tmp", tag) <
                (int)cap);
    assert_non_null(mkdtemp(out));
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void rk_test_tmp_dir_remove(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
