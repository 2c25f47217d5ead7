/* vec.h - a growable array of owned pointers. */
#ifndef RK_UTIL_VEC_H
#define RK_UTIL_VEC_H

#include <stddef.h>

/* Items are owned by the vector and released with free_item (may be NULL for borrowed items). */
struct rk_vec {
    void **items;
    size_t len;
    size_t cap;
    void (*free_item)(void *);
};

void rk_vec_init(struct rk_vec *v, void (*free_item)(void *));
/* Free every item and the array. */
void rk_vec_free(struct rk_vec *v);
/* Append item, taking ownership; on failure the item is freed and RK_ENOMEM returned. */
int rk_vec_push_take(struct rk_vec *v, void *item);
/* Remove and return the last item (the caller owns it); NULL when empty. */
void *rk_vec_pop(struct rk_vec *v);
/* Sort with a qsort-style comparator over item pointers (receives void * const *). */
void rk_vec_sort(struct rk_vec *v, int (*cmp)(const void *, const void *));

#define rk_vec_foreach(v, i, item)                                                                 \
    for (size_t i = 0; i < (v)->len && (((item) = (v)->items[i]), 1); i++)

#endif
