/* server_pool.c - a fixed pool of store handles shared by the request threads. */
#include "taxii/server.h"

#include <string.h>

#include "util/alloc.h"

int rk_taxii_pool_init(struct rk_taxii_pool *p, const char *dir, size_t n, struct rk_err *err)
{
    int rc = RK_ENOMEM;

    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->all = rk_calloc(n, sizeof(*p->all));
    p->idle = rk_calloc(n, sizeof(*p->idle));
    if (!p->all || !p->idle) {
        rk_err_set(err, RK_ENOMEM, "out of memory for the store pool");
        goto fail;
    }
    for (; p->n < n; p->n++) {
        if ((rc = rk_store_open(&p->all[p->n], dir, 0, err)) != 0)
            goto fail;
        /* request threads mostly read pages of objects: map the whole file */
        if ((rc = rk_store_map_all(p->all[p->n], err)) != 0) {
            rk_store_close(p->all[p->n]);
            goto fail;
        }
        p->idle[p->n_idle++] = p->all[p->n];
    }
    return 0;
fail:
    rk_taxii_pool_fini(p);
    return rc;
}

struct rk_store *rk_taxii_pool_get(struct rk_taxii_pool *p)
{
    struct rk_store *st;

    pthread_mutex_lock(&p->lock);
    while (p->n_idle == 0)
        pthread_cond_wait(&p->freed, &p->lock);
    st = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->lock);
    return st;
}

void rk_taxii_pool_put(struct rk_taxii_pool *p, struct rk_store *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&p->lock);
    p->idle[p->n_idle++] = st;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

void rk_taxii_pool_fini(struct rk_taxii_pool *p)
{
    for (size_t i = 0; p->all && i < p->n; i++)
        rk_store_close(p->all[i]);
    rk_free(p->all);
    rk_free(p->idle);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}
