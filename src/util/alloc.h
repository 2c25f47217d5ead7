/* alloc.h - allocation wrappers: overflow-checked growth and test-time failure injection. */
#ifndef RK_UTIL_ALLOC_H
#define RK_UTIL_ALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/strdup, but they fail on demand in tests (see below). */
void *rk_malloc(size_t n);
void *rk_calloc(size_t count, size_t size);
void *rk_realloc(void *p, size_t n);
char *rk_strdup(const char *s);
char *rk_strndup(const char *s, size_t len);
void rk_free(void *p);

/* Resize p to count*size bytes; NULL (p untouched) when the product overflows or memory is out. */
void *rk_reallocarray(void *p, size_t count, size_t size);

/* Test hook: the Nth allocation from now fails (1 = the next one); 0 turns injection off.
 * Returns how many allocations were made since the last call, for loops that try every N. */
unsigned long rk_alloc_fail_at(unsigned long nth);

/* Route jansson's allocations through these wrappers (idempotent). */
void rk_alloc_install_json(void);

#endif
