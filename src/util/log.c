/* log.c - event delivery to the handler the program installed. */
#include "renkei/log.h"

#include <stdarg.h>
#include <stdio.h>

static rk_log_fn log_fn;
static void *log_ctx;
static int log_max_level = -1;

void rk_log_set_handler(rk_log_fn fn, int max_level, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
    log_max_level = fn ? max_level : -1;
}

int rk_log_enabled(int level)
{
    return level <= log_max_level;
}

void rk_log_write(int level, const char *func, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (!log_fn || level > log_max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_fn(level, func, msg, log_ctx);
}

const char *rk_log_level_name(int level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    if (level < RK_LOG_ERROR || level > RK_LOG_DEBUG)
        return "?";
    return names[level];
}
