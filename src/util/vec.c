/* vec.c - a growable array of owned pointers. */
#include "util/vec.h"
#include "util/alloc.h"
#include "renkei/error.h"

#include <stdlib.h>

void rk_vec_init(struct rk_vec *v, void (*free_item)(void *))
{
    v->items = NULL;
    v->len = 0;
    v->cap = 0;
    v->free_item = free_item;
}

void rk_vec_free(struct rk_vec *v)
{
    size_t i;

    if (v->free_item)
        for (i = 0; i < v->len; i++)
            v->free_item(v->items[i]);
    rk_free(v->items);
    v->items = NULL;
    v->len = 0;
    v->cap = 0;
}

int rk_vec_push_take(struct rk_vec *v, void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **p = rk_reallocarray(v->items, cap, sizeof(*p));

        if (!p) {
            if (v->free_item)
                v->free_item(item);
            return RK_ENOMEM;
        }
        v->items = p;
        v->cap = cap;
    }
    v->items[v->len++] = item;
    return 0;
}

void *rk_vec_pop(struct rk_vec *v)
{
    return v->len ? v->items[--v->len] : NULL;
}

void rk_vec_sort(struct rk_vec *v, int (*cmp)(const void *, const void *))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(void *), cmp);
}
