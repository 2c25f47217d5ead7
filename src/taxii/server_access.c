/* server_access.c - the access snapshot (users, organisations' groups, credentials, collections
 * with their grants and sharing defaults) and the cache of verified secrets. */
#include "taxii/server.h"

#include <nettle/hmac.h>
#include <string.h>

#include "renkei/log.h"
#include "renkei/store_sync.h"
#include "util/alloc.h"
#include "util/digest.h"
#include "util/random.h"

#define LOAD_ATTEMPTS 5
#define VCACHE_MAX    65536

struct rk_taxii_secret {
    char *user;
    struct rk_secret_hash h;
};

/* Secrets that verified once: key id -> HMAC(process key, token | stored hash). A changed or
 * removed credential no longer matches, so nothing here outlives a revocation. */
struct rk_taxii_vcache {
    pthread_mutex_t lock;
    uint8_t key[32];
    struct rk_map *tags;
};

static void free_user(void *p)
{
    struct rk_taxii_user *u = p;

    if (!u)
        return;
    rk_free(u->name);
    rk_free(u->org);
    rk_free(u);
}

static void free_names(void *p)
{
    struct rk_taxii_names *n = p;

    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        rk_free((void *)n->names[i]);
    rk_free(n->names);
    rk_free(n);
}

static void free_secret(void *p)
{
    struct rk_taxii_secret *s = p;

    if (!s)
        return;
    rk_free(s->user);
    explicit_bzero(&s->h, sizeof(s->h));
    rk_free(s);
}

static void free_partner(void *p)
{
    struct rk_taxii_partner *pa = p;

    if (!pa)
        return;
    rk_free(pa->name);
    rk_free(pa);
}

static void free_coll(void *p)
{
    struct rk_taxii_coll *c = p;

    if (!c)
        return;
    for (size_t i = 0; i < c->n_grants; i++)
        rk_free((void *)c->grants[i].subject);
    rk_free(c->grants);
    rk_free(c);
}

void rk_taxii_access_free(struct rk_taxii_access *a)
{
    if (!a)
        return;
    rk_map_free(a->users);
    rk_map_free(a->org_groups);
    rk_map_free(a->secrets);
    rk_map_free(a->certs);
    for (size_t i = 0; i < a->n_colls; i++)
        free_coll(a->order[i]);
    rk_map_free(a->colls); /* values are borrowed from order */
    rk_map_free(a->partners);
    rk_free(a->order);
    rk_free(a);
}

static int put_str(struct rk_map *m, const char *key, void *val)
{
    return rk_map_put_take(m, key, strlen(key), val);
}

/* ---- loading ---- */

static int add_group(const char *group, void *ctx)
{
    struct rk_taxii_names *n = ctx;
    const char **grown = rk_reallocarray(n->names, n->n + 1, sizeof(*grown));
    char *copy = rk_strdup(group);

    if (!grown || !copy) {
        rk_free(copy);
        if (grown)
            n->names = grown;
        return RK_ENOMEM;
    }
    n->names = grown;
    n->names[n->n++] = copy;
    return 0;
}

struct load {
    struct rk_taxii_access *a;
    struct rk_store *st;
    struct rk_err *err;
};

static int load_org(const struct rk_org_info *o, void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_names *n = rk_calloc(1, sizeof(*n));
    int rc;

    if (!n)
        return RK_ENOMEM;
    if ((rc = rk_store_org_groups(l->st, o->name, add_group, n, l->err)) != 0) {
        free_names(n);
        return rc;
    }
    return put_str(l->a->org_groups, o->name, n);
}

static int load_user(const struct rk_user_info *ui, void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_user *u = rk_calloc(1, sizeof(*u));
    const struct rk_taxii_names *g = rk_map_get(l->a->org_groups, ui->org, strlen(ui->org));

    if (!u || !(u->name = rk_strdup(ui->name)) || !(u->org = rk_strdup(ui->org))) {
        free_user(u);
        return RK_ENOMEM;
    }
    u->role = ui->role;
    if (g) {
        u->groups = g->names;
        u->n_groups = g->n;
    }
    u->partner = rk_map_get(l->a->partners, ui->org, strlen(ui->org));
    return put_str(l->a->users, ui->name, u);
}

static int load_partner(const struct rk_partner *p, void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_partner *pa = rk_calloc(1, sizeof(*pa));

    if (!pa || !(pa->name = rk_strdup(p->name))) {
        free_partner(pa);
        return RK_ENOMEM;
    }
    pa->ceiling = p->ceiling;
    pa->terms.ceiling = p->ceiling;
    pa->terms.refuse_unmarked = p->refuse_unmarked;
    pa->terms.unmarked = p->unmarked;
    pa->terms.node_identity = l->a->node_identity;
    return put_str(l->a->partners, p->org, pa);
}

static int load_credential(const char *user, const char *key, const struct rk_secret_hash *h,
                           void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_secret *s;
    char *copy;

    if (!h) {
        if (!(copy = rk_strdup(user)))
            return RK_ENOMEM;
        return put_str(l->a->certs, key, copy);
    }
    if (!(s = rk_calloc(1, sizeof(*s))) || !(s->user = rk_strdup(user))) {
        free_secret(s);
        return RK_ENOMEM;
    }
    s->h = *h;
    return put_str(l->a->secrets, key, s);
}

static int load_coll(const struct rk_collection *c, void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_coll *tc = rk_calloc(1, sizeof(*tc)), **grown;
    int rc;

    if (!tc)
        return RK_ENOMEM;
    tc->c = *c;
    if ((rc = rk_store_sharing_get(l->st, c->id, &tc->sharing, l->err)) != 0 ||
        !(grown = rk_reallocarray(l->a->order, l->a->n_colls + 1, sizeof(*grown)))) {
        free_coll(tc);
        return rc ? rc : RK_ENOMEM;
    }
    l->a->order = grown;
    l->a->order[l->a->n_colls++] = tc;
    if ((rc = put_str(l->a->colls, tc->c.id, tc)) != 0)
        return rc;
    return tc->c.alias[0] ? put_str(l->a->colls, tc->c.alias, tc) : 0;
}

static int load_grant(const char *coll_id, const struct rk_collection_grant *g, void *ctx)
{
    struct load *l = ctx;
    struct rk_taxii_coll *tc = rk_map_get(l->a->colls, coll_id, strlen(coll_id));
    struct rk_collection_grant *grown;
    char *subject;

    if (!tc)
        return 0; /* a grant of a collection that is gone */
    if (!(subject = rk_strdup(g->subject ? g->subject : "")))
        return RK_ENOMEM;
    if (!(grown = rk_reallocarray(tc->grants, tc->n_grants + 1, sizeof(*grown)))) {
        rk_free(subject);
        return RK_ENOMEM;
    }
    tc->grants = grown;
    tc->grants[tc->n_grants] = *g;
    tc->grants[tc->n_grants++].subject = subject;
    return 0;
}

static int load_policy(struct rk_store *st, struct rk_policy *p, struct rk_err *err)
{
    char tlp[32];
    enum rk_tlp t;

    p->default_tlp = RK_TLP_AMBER;
    if (rk_store_setting_get(st, "node.default_tlp", tlp, sizeof(tlp), NULL) == 0 &&
        rk_tlp_parse(tlp, &t) == 0 && t != RK_TLP_NONE)
        p->default_tlp = t;
    (void)err;
    return 0;
}

/* The node's organisation and identity (what objects received from partners are owned by,
 * and the creator they must not claim to be). */
static void load_node(struct rk_store *st, struct rk_taxii_access *a)
{
    if (rk_store_setting_get(st, "node.org", a->node_org, sizeof(a->node_org), NULL) != 0)
        a->node_org[0] = '\0';
    if (rk_store_setting_get(st, "node.identity", a->node_identity, sizeof(a->node_identity),
                             NULL) != 0)
        a->node_identity[0] = '\0';
}

/* Fill a new snapshot from the store. */
static int load_once(struct rk_store *st, struct rk_taxii_access *a, struct rk_err *err)
{
    struct load l = {a, st, err};
    int rc;

    a->users = rk_map_new(free_user);
    a->org_groups = rk_map_new(free_names);
    a->secrets = rk_map_new(free_secret);
    a->certs = rk_map_new(rk_free);
    a->colls = rk_map_new(NULL);
    a->partners = rk_map_new(free_partner);
    if (!a->users || !a->org_groups || !a->secrets || !a->certs || !a->colls || !a->partners)
        return rk_err_set(err, RK_ENOMEM, "out of memory loading access rights");
    load_node(st, a);
    if ((rc = load_policy(st, &a->policy, err)) != 0 ||
        (rc = rk_store_org_list(st, load_org, &l, err)) != 0 ||
        (rc = rk_store_partner_list(st, load_partner, &l, err)) != 0 ||
        (rc = rk_store_user_list(st, load_user, &l, err)) != 0 ||
        (rc = rk_store_credential_list(st, load_credential, &l, err)) != 0 ||
        (rc = rk_store_collection_list(st, load_coll, &l, err)) != 0 ||
        (rc = rk_store_grant_list(st, NULL, load_grant, &l, err)) != 0) {
        if (rc == RK_ENOMEM && err && !err->message[0])
            rk_err_set(err, rc, "out of memory loading access rights");
        return rc;
    }
    return 0;
}

/* A consistent snapshot: the generation did not move while it was read. */
static int load(struct rk_store *st, int64_t gen, struct rk_taxii_access **out,
                struct rk_err *err)
{
    for (int attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
        struct rk_taxii_access *a = rk_calloc(1, sizeof(*a));
        int64_t after;
        int rc;

        if (!a)
            return rk_err_set(err, RK_ENOMEM, "out of memory loading access rights");
        a->generation = gen;
        a->refs = 1;
        if ((rc = load_once(st, a, err)) != 0 ||
            (rc = rk_store_access_generation(st, &after, err)) != 0) {
            rk_taxii_access_free(a);
            return rc;
        }
        if (after == gen) {
            *out = a;
            return 0;
        }
        rk_taxii_access_free(a);
        gen = after;
    }
    return rk_err_set(err, RK_EIO, "access rights keep changing; try again");
}

int rk_taxii_access_acquire(struct rk_taxii_server *srv, struct rk_store *st,
                            struct rk_taxii_access **out, struct rk_err *err)
{
    struct rk_taxii_access *fresh = NULL, *old = NULL;
    int64_t gen;
    int rc;

    *out = NULL;
    if ((rc = rk_store_access_generation(st, &gen, err)) != 0)
        return rc;
    pthread_mutex_lock(&srv->access_lock);
    if (srv->access && srv->access->generation == gen) {
        srv->access->refs++;
        *out = srv->access;
    }
    pthread_mutex_unlock(&srv->access_lock);
    if (*out)
        return 0;
    if ((rc = load(st, gen, &fresh, err)) != 0)
        return rc;
    rk_log_info("access rights loaded generation=%lld", (long long)fresh->generation);
    pthread_mutex_lock(&srv->access_lock);
    if (!srv->access || srv->access->generation < fresh->generation) {
        old = srv->access; /* the server's reference moves to the fresh snapshot */
        srv->access = fresh;
        fresh->refs++;
    }
    *out = fresh;
    if (old && --old->refs > 0)
        old = NULL;
    pthread_mutex_unlock(&srv->access_lock);
    rk_taxii_access_free(old);
    return 0;
}

void rk_taxii_access_release(struct rk_taxii_server *srv, struct rk_taxii_access *a)
{
    int last;

    if (!a)
        return;
    pthread_mutex_lock(&srv->access_lock);
    last = --a->refs == 0;
    pthread_mutex_unlock(&srv->access_lock);
    if (last)
        rk_taxii_access_free(a);
}

const struct rk_taxii_coll *rk_taxii_access_coll(const struct rk_taxii_access *a,
                                                 const char *id_or_alias)
{
    return id_or_alias ? rk_map_get(a->colls, id_or_alias, strlen(id_or_alias)) : NULL;
}

void rk_taxii_access_partner_view(const struct rk_taxii_user *u, struct rk_partner_view *out)
{
    memset(out, 0, sizeof(*out));
    out->name = u->partner ? u->partner->name : u->name;
    out->org = u->org;
    out->groups = u->groups;
    out->n_groups = u->n_groups;
    out->ceiling = u->partner ? u->partner->ceiling : RK_TLP_NONE;
}

void rk_taxii_access_ingress_terms(const struct rk_taxii_access *a, const struct rk_taxii_user *u,
                                   struct rk_ingress_terms *out)
{
    if (u->partner) {
        *out = u->partner->terms;
        return;
    }
    memset(out, 0, sizeof(*out));
    out->ceiling = RK_TLP_NONE;
    out->unmarked = RK_TLP_AMBER_STRICT;
    out->node_identity = a->node_identity;
}

const struct rk_taxii_user *rk_taxii_access_cert_user(const struct rk_taxii_access *a,
                                                      const char *fingerprint)
{
    const char *user = rk_map_get(a->certs, fingerprint, strlen(fingerprint));

    return user ? rk_map_get(a->users, user, strlen(user)) : NULL;
}

/* ---- verified secrets ---- */

struct rk_taxii_vcache *rk_taxii_vcache_new(void)
{
    struct rk_taxii_vcache *v = rk_calloc(1, sizeof(*v));

    if (!v || !(v->tags = rk_map_new(rk_free))) {
        rk_free(v);
        return NULL;
    }
    rk_random_bytes(v->key, sizeof(v->key));
    pthread_mutex_init(&v->lock, NULL);
    return v;
}

void rk_taxii_vcache_free(struct rk_taxii_vcache *v)
{
    if (!v)
        return;
    rk_map_free(v->tags);
    pthread_mutex_destroy(&v->lock);
    explicit_bzero(v->key, sizeof(v->key));
    rk_free(v);
}

static void tag_of(const struct rk_taxii_vcache *v, const struct rk_secret_hash *h,
                   const char *token, size_t len, uint8_t tag[SHA256_DIGEST_SIZE])
{
    struct hmac_sha256_ctx ctx;

    hmac_sha256_set_key(&ctx, sizeof(v->key), v->key);
    hmac_sha256_update(&ctx, len, (const uint8_t *)token);
    hmac_sha256_update(&ctx, sizeof(h->salt), h->salt);
    hmac_sha256_update(&ctx, sizeof(h->hash), h->hash);
    hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, tag);
}

static int cached(struct rk_taxii_vcache *v, const char *key_id, const uint8_t *tag)
{
    const uint8_t *known;
    int hit;

    pthread_mutex_lock(&v->lock);
    known = rk_map_get(v->tags, key_id, strlen(key_id));
    hit = known && rk_timingsafe_bcmp(known, tag, SHA256_DIGEST_SIZE) == 0;
    pthread_mutex_unlock(&v->lock);
    return hit;
}

static void remember(struct rk_taxii_vcache *v, const char *key_id, const uint8_t *tag)
{
    uint8_t *copy = rk_malloc(SHA256_DIGEST_SIZE);

    if (!copy)
        return;
    memcpy(copy, tag, SHA256_DIGEST_SIZE);
    pthread_mutex_lock(&v->lock);
    if (rk_map_count(v->tags) >= VCACHE_MAX) { /* simplest bound: start over */
        rk_map_free(v->tags);
        v->tags = rk_map_new(rk_free);
    }
    if (v->tags)
        rk_map_put_take(v->tags, key_id, strlen(key_id), copy);
    else
        rk_free(copy);
    pthread_mutex_unlock(&v->lock);
}

int rk_taxii_access_check_secret(struct rk_taxii_server *srv, const struct rk_taxii_access *a,
                                 const char *token, size_t len,
                                 const struct rk_taxii_user **out)
{
    char key_id[RK_SECRET_KEY_ID_LEN + 1];
    uint8_t tag[SHA256_DIGEST_SIZE];
    const struct rk_taxii_secret *s;

    *out = NULL;
    if (rk_policy_secret_key_id(token, len, key_id) != 0 ||
        !(s = rk_map_get(a->secrets, key_id, strlen(key_id))))
        return RK_EAUTH;
    tag_of(srv->vcache, &s->h, token, len, tag);
    if (!cached(srv->vcache, key_id, tag)) {
        if (rk_policy_secret_verify(&s->h, token, len) != 0)
            return RK_EAUTH;
        remember(srv->vcache, key_id, tag);
    }
    *out = rk_map_get(a->users, s->user, strlen(s->user));
    return *out ? 0 : RK_EAUTH;
}
