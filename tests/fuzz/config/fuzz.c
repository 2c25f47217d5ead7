/* fuzz.c - the configuration parser: any bytes, every setting type. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "renkei/error.h"
#include "util/config.h"

struct fuzz_settings {
    char name[RK_CONFIG_STR_MAX];
    int64_t count;
    int64_t size;
    int64_t timeout;
    int flag;
    int level;
};

static const char *const levels[] = {"low", "high", NULL};

static const struct rk_config_row rows[] = {
        {"a.name", RK_CFG_STRING, "x", 0, 0, 0, NULL, offsetof(struct fuzz_settings, name), NULL,
         NULL, "a string"},
        {"a.count", RK_CFG_INT, "1", -5, 100, 0, NULL, offsetof(struct fuzz_settings, count), NULL,
         NULL, "an integer"},
        {"a.size", RK_CFG_SIZE, "1K", 0, 1 << 30, 0, NULL, offsetof(struct fuzz_settings, size),
         NULL, NULL, "a size"},
        {"a.timeout", RK_CFG_DURATION, "1m", 1, 86400, 1, NULL,
         offsetof(struct fuzz_settings, timeout), NULL, NULL, "a duration"},
        {"a.flag", RK_CFG_BOOL, "no", 0, 0, 0, NULL, offsetof(struct fuzz_settings, flag), NULL,
         NULL, "a boolean"},
        {"a.level", RK_CFG_ENUM, "low", 0, 0, 0, levels, offsetof(struct fuzz_settings, level),
         NULL, NULL, "an enum"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t n = sizeof(rows) / sizeof(rows[0]);
    struct fuzz_settings s;
    struct rk_buf out;
    struct rk_err err;

    memset(&s, 0, sizeof(s));
    rk_err_clear(&err);
    if (rk_config_defaults(rows, n, &s, &err) != 0)
        __builtin_trap();
    rk_config_parse(rows, n, &s, (const char *)data, size, &err);
    /* whatever was accepted must stay within its bounds and dump cleanly */
    if (s.count < -5 || s.count > 100 || s.timeout < 1 || s.level < 0 || s.level > 1 ||
        strlen(s.name) >= RK_CONFIG_STR_MAX)
        __builtin_trap();
    rk_buf_init(&out, 1 << 20);
    if (rk_config_dump(rows, n, &s, &out) != 0)
        __builtin_trap();
    rk_buf_free(&out);
    return 0;
}
