/* assert.h - RK_ASSERT for programming errors. */
#ifndef RK_UTIL_ASSERT_H
#define RK_UTIL_ASSERT_H

#include "renkei/error.h"
#include "renkei/log.h"

#include <stdlib.h>

/* Debug builds abort at once; release builds log and return RK_EINTERNAL from the caller,
 * which therefore must return int. The one macro allowed to hide a return. */
#ifdef NDEBUG
#define RK_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rk_log_error("assertion failed: %s", #cond);                                           \
            return RK_EINTERNAL;                                                                   \
        }                                                                                          \
    } while (0)
#else
#define RK_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            rk_log_error("assertion failed: %s", #cond);                                           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#endif

#endif
