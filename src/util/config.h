/* config.h - a declarative settings table and a parser for "key = value" files.
 *
 * Each setting is one row: name, type, default, bounds, whether it can be reloaded, an
 * optional validator and apply hook, and where its value lives in the caller's struct.
 * Adding a setting means adding one row. Precedence: command line > file > defaults.
 */
#ifndef RK_UTIL_CONFIG_H
#define RK_UTIL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct rk_err;

enum rk_config_type {
    RK_CFG_STRING,   /* char[RK_CONFIG_STR_MAX] */
    RK_CFG_INT,      /* int64_t within [min, max] */
    RK_CFG_SIZE,     /* int64_t bytes; accepts K/M/G suffixes, or N% of physical memory */
    RK_CFG_DURATION, /* int64_t seconds; accepts s/m/h/d suffixes */
    RK_CFG_BOOL,     /* int: true/false, yes/no, on/off, 1/0 */
    RK_CFG_ENUM      /* int: index into choices */
};

#define RK_CONFIG_STR_MAX 512

/* This machine's physical memory in bytes (0 when unknown): what "N%" sizes are shares of. */
uint64_t rk_config_physical_memory(void);
#define RK_CONFIG_MAX_FILE (1 << 20)

struct rk_config_row {
    const char *name;          /* "taxii.max_content_length" */
    enum rk_config_type type;
    const char *def;           /* default, as it would be written in the file */
    int64_t min, max;          /* bounds for INT, SIZE, DURATION */
    int reloadable;            /* 1: may change while the daemon runs */
    const char *const *choices; /* ENUM values, NULL-terminated */
    size_t offset;             /* offsetof(target struct, field) */
    int (*validate)(const char *value, struct rk_err *err); /* extra check, may be NULL */
    int (*apply)(const void *target, struct rk_err *err);   /* after a change, may be NULL */
    const char *help;          /* one line for `renkei config check` and the docs */
};

/* Set every field of target to its row's default. */
int rk_config_defaults(const struct rk_config_row *rows, size_t n, void *target,
                       struct rk_err *err);
/* Set one setting from text. RK_ENOTFOUND for an unknown name, RK_EFORMAT/RK_ELIMIT for a bad
 * value (err says which setting, what was wrong and what is allowed). */
int rk_config_set(const struct rk_config_row *rows, size_t n, void *target, const char *name,
                  const char *value, struct rk_err *err);
/* Parse a file's text ("key = value" lines, '#' comments, blank lines). Stops at the first
 * error with its line number in the message and the byte offset in err. */
int rk_config_parse(const struct rk_config_row *rows, size_t n, void *target, const char *text,
                    size_t len, struct rk_err *err);
/* Write the effective values, one "key = value  # help" line each, into out. */
int rk_config_dump(const struct rk_config_row *rows, size_t n, const void *target,
                   struct rk_buf *out);
/* Run every apply hook (e.g. after a reload); stops at the first failure. */
int rk_config_apply(const struct rk_config_row *rows, size_t n, const void *target,
                    struct rk_err *err);

#endif
