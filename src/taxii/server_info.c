/* server_info.c - the resources about the server: discovery (4.1), API root (4.2), status
 * (4.3), collections (5.1) and collection (5.2). */
#include "taxii/server.h"

#include <jansson.h>
#include <string.h>

#include "util/alloc.h"

/* Serialise j (taken) as the response body. */
static int respond_json(struct rk_taxii_conn *c, unsigned status, json_t *j)
{
    struct rk_buf b;
    char *text;
    int rc;

    if (!j)
        return RK_ENOMEM;
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return RK_ENOMEM;
    rk_buf_init(&b, RK_BUF_UNLIMITED);
    rc = rk_buf_puts(&b, text);
    free(text);
    if (rc == 0)
        rc = rk_taxii_respond(c, status, &b, NULL, NULL);
    rk_buf_free(&b);
    return rc;
}

/* Set key to s unless s is NULL or empty (optional properties are omitted, not empty). */
static void set_opt(json_t *o, const char *key, const char *s)
{
    if (s && s[0])
        json_object_set_new(o, key, json_string(s));
}

static char *api_root_url(struct rk_taxii_conn *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "/%s/", c->srv->cfg.api_root);
    return buf;
}

int rk_taxii_get_discovery(struct rk_taxii_conn *c)
{
    json_t *j = json_object(), *roots = json_array();
    char url[RK_NAME_MAX + 3];

    if (!j || !roots) {
        json_decref(j);
        json_decref(roots);
        return RK_ENOMEM;
    }
    json_object_set_new(j, "title", json_string(c->srv->cfg.title));
    set_opt(j, "description", c->srv->cfg.description);
    set_opt(j, "contact", c->srv->cfg.contact);
    json_object_set_new(j, "default", json_string(api_root_url(c, url, sizeof(url))));
    json_array_append_new(roots, json_string(url));
    json_object_set_new(j, "api_roots", roots);
    return respond_json(c, 200, j);
}

int rk_taxii_get_api_root(struct rk_taxii_conn *c)
{
    json_t *j = json_pack("{s:s,s:[s],s:I}", "title", c->srv->cfg.title, "versions",
                          RK_TAXII_MEDIA_TYPE, "max_content_length",
                          (json_int_t)c->srv->cfg.max_content_length);

    if (j)
        set_opt(j, "description", c->srv->cfg.description);
    return respond_json(c, 200, j);
}

static json_t *collection_json(const struct rk_taxii_coll *tc, int can_read, int can_write)
{
    json_t *j = json_pack("{s:s,s:s,s:b,s:b,s:[s]}", "id", tc->c.id, "title",
                          tc->c.title[0] ? tc->c.title : tc->c.id, "can_read", can_read,
                          "can_write", can_write, "media_types", RK_TAXII_STIX_MEDIA);

    if (j) {
        set_opt(j, "description", tc->c.description);
        set_opt(j, "alias", tc->c.alias);
    }
    return j;
}

int rk_taxii_get_collections(struct rk_taxii_conn *c)
{
    json_t *j = json_object(), *list = json_array();

    if (!j || !list) {
        json_decref(j);
        json_decref(list);
        return RK_ENOMEM;
    }
    /* creation order: a consistent sort order across requests (section 3.3) */
    for (size_t i = 0; i < c->access->n_colls; i++) {
        const struct rk_taxii_coll *tc = c->access->order[i];
        int r, w;

        rk_policy_collection_rights(&c->who.p, tc->grants, tc->n_grants, &r, &w);
        if (r || w)
            json_array_append_new(list, collection_json(tc, r, w));
    }
    if (json_array_size(list) > 0) /* an empty list is omitted: the response is {} */
        json_object_set(j, "collections", list);
    json_decref(list);
    return respond_json(c, 200, j);
}

int rk_taxii_get_collection(struct rk_taxii_conn *c)
{
    const char *name = c->req.route.collection;

    c->coll = rk_taxii_access_coll(c->access, name);
    if (c->coll)
        rk_policy_collection_rights(&c->who.p, c->coll->grants, c->coll->n_grants,
                                    &c->can_read, &c->can_write);
    if (!c->can_read && !c->can_write) {
        if (!c->who.p.authenticated)
            return rk_taxii_respond_error(c, 401, NULL, "authenticate to use collection %.100s",
                                          name);
        return rk_taxii_respond_error(c, 404, NULL,
                                      "no collection %.100s, or you have no access to it", name);
    }
    return respond_json(c, 200, collection_json(c->coll, c->can_read, c->can_write));
}

int rk_taxii_get_status(struct rk_taxii_conn *c)
{
    char owner[RK_NAME_MAX + 1];
    struct rk_buf b;
    char *json = NULL;
    size_t len = 0;
    int rc;

    c->audit.action = "read";
    c->audit.endpoint = "status";
    if (!c->who.p.authenticated)
        return rk_taxii_respond_error(c, 401, NULL, "authenticate to read status resources");
    rc = rk_store_status_get(c->st, c->req.route.status_id, owner, &json, &len, &c->err);
    if (rc == RK_ENOTFOUND || (rc == 0 && strcmp(owner, c->who.p.user) != 0)) {
        rk_free(json);
        return rk_taxii_respond_error(c, 404, NULL, "no status %.64s for you (statuses are kept "
                                                    "for %u hours)",
                                      c->req.route.status_id, c->srv->cfg.status_keep_s / 3600);
    }
    if (rc != 0)
        return rc;
    rk_buf_init(&b, RK_BUF_UNLIMITED);
    rc = rk_buf_append(&b, json, len);
    rk_free(json);
    if (rc == 0)
        rc = rk_taxii_respond(c, 200, &b, NULL, NULL);
    rk_buf_free(&b);
    return rc;
}
