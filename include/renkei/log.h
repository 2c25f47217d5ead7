/* log.h - logging through a callback installed by the program. */
#ifndef RENKEI_LOG_H
#define RENKEI_LOG_H

enum rk_log_level {
    RK_LOG_ERROR = 0,
    RK_LOG_WARN = 1,
    RK_LOG_INFO = 2,
    RK_LOG_DEBUG = 3
};

/* Receives one event: level, the function that logged it, and a one-line message. */
typedef void (*rk_log_fn)(int level, const char *func, const char *msg, void *ctx);

/* Install the handler (NULL silences everything) and the most verbose level to pass on. */
void rk_log_set_handler(rk_log_fn fn, int max_level, void *ctx);

/* 1 when events of this level reach a handler. */
int rk_log_enabled(int level);

/* Format and deliver one event; use the rk_log_* macros instead. */
void rk_log_write(int level, const char *func, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A level's name: "error", "warn", "info", "debug". */
const char *rk_log_level_name(int level);

/* The arguments are not evaluated when the level is filtered out. */
#define RK_LOG_AT(level, ...)                                                                      \
    do {                                                                                           \
        if (rk_log_enabled(level))                                                                 \
            rk_log_write(level, __func__, __VA_ARGS__);                                            \
    } while (0)
#define rk_log_error(...) RK_LOG_AT(RK_LOG_ERROR, __VA_ARGS__)
#define rk_log_warn(...)  RK_LOG_AT(RK_LOG_WARN, __VA_ARGS__)
#define rk_log_info(...)  RK_LOG_AT(RK_LOG_INFO, __VA_ARGS__)
#define rk_log_debug(...) RK_LOG_AT(RK_LOG_DEBUG, __VA_ARGS__)

#endif
