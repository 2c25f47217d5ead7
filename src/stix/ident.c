/* ident.c - STIX identifiers (section 2.9): syntax, new random ids, and deterministic SCO ids
 * (section 3.4): UUIDv5 in the STIX namespace over the RFC 8785 serialisation of the SCO's ID
 * contributing properties, with one hash chosen from hashes (MD5, SHA-1, SHA-256, SHA-512 in
 * that order of preference, else the first one given). */
#include "stix/stix_internal.h"
#include "util/buf.h"
#include "util/uuid.h"

#include <stdio.h>
#include <string.h>

/* Per byte: 1 for a hex digit, 2 for '-', 4 for a variant digit (8, 9, a, b, A, B), 8 for a
 * version digit (1-5). */
static const unsigned char uuid_class[256] = {
        ['-'] = 2,
        ['0'] = 1, ['1'] = 9, ['2'] = 9, ['3'] = 9, ['4'] = 9, ['5'] = 9, ['6'] = 1, ['7'] = 1,
        ['8'] = 5, ['9'] = 5, ['a'] = 5, ['b'] = 5, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
        ['A'] = 5, ['B'] = 5, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

/* What each of the 36 characters must be: hex digits, hyphens at 8, 13, 18 and 23, the version
 * at 14 and the variant at 19. */
static const unsigned char uuid_want[36] = {
        1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 2, 8, 1, 1, 1,
        2, 4, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* RFC 4122: 8-4-4-4-12 hex digits, version 1-5, variant 10xx. */
static int uuid_valid(const char *u)
{
    unsigned bad = 0;

    for (int i = 0; i < 36; i++)
        bad |= !(uuid_class[(unsigned char)u[i]] & uuid_want[i]);
    return !bad;
}

int rk_stix_id_split(const char *s, size_t len, size_t *type_len_out)
{
    size_t t;

    if (len < 3 + 2 + 36)
        return 0;
    t = len - 36 - 2;
    if (s[t] != '-' || s[t + 1] != '-' || !rk_stix_type_name_valid(s, t) || s[t - 1] == '-')
        return 0;
    if (!uuid_valid(s + t + 2))
        return 0;
    if (type_len_out)
        *type_len_out = t;
    return 1;
}

int rk_stix_id_valid(const char *s, size_t len)
{
    return s != NULL && rk_stix_id_split(s, len, NULL);
}

int rk_stix_id_new(char *out, size_t cap, const char *type)
{
    char uuid[RK_UUID_STR];
    int n;

    if (!type || !rk_stix_type_name_valid(type, strlen(type)))
        return RK_EINVAL;
    rk_uuid_v4(uuid);
    n = snprintf(out, cap, "%s--%s", type, uuid);
    if (n < 0 || (size_t)n >= cap)
        return RK_ELIMIT;
    return 0;
}

/* {"MD5": ...} etc.: the one hash that contributes to the id. */
static json_t *choose_one_hash(json_t *hashes)
{
    static const char *const pref[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
    void *it;

    for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
        json_t *v = json_object_get(hashes, pref[i]);

        if (v)
            return json_pack("{sO}", pref[i], v);
    }
    it = json_object_iter(hashes);
    if (!it)
        return NULL;
    return json_pack("{sO}", json_object_iter_key(it), json_object_iter_value(it));
}

/* The JSON object of ID contributing properties; *empty_out when none is present. */
static int contributing(json_t **out, const struct rk_type *t, const json_t *sco)
{
    json_t *o = json_object();

    *out = NULL;
    if (!o)
        return RK_ENOMEM;
    for (size_t i = 0; t->id_contrib[i]; i++) {
        const char *name = t->id_contrib[i];
        json_t *v = json_object_get(sco, name), *x;

        if (!v)
            continue;
        x = strcmp(name, "hashes") == 0 ? choose_one_hash(v) : json_incref(v);
        if (x && json_object_set_new(o, name, x) != 0) {
            json_decref(o);
            return RK_ENOMEM;
        }
    }
    *out = o;
    return 0;
}

int rk_stix_sco_id(char *out, size_t cap, const json_t *sco, struct rk_err *err)
{
    const char *type = json_string_value(json_object_get(sco, "type"));
    const struct rk_type *t = type ? rk_stix_type_find(type) : NULL;
    char uuid[RK_UUID_STR];
    json_t *props = NULL;
    struct rk_buf b;
    int rc, n;

    if (!t || t->kind != RK_KIND_SCO)
        return rk_err_set(err, RK_EINVAL, "'%s' is not an SCO type of the specification",
                          type ? type : "(no type)");
    if ((rc = contributing(&props, t, sco)) != 0)
        return rk_err_set(err, rc, "out of memory");
    rk_buf_init(&b, RK_BUF_UNLIMITED);
    if (json_object_size(props) == 0) {
        rk_uuid_v4(uuid); /* no contributing property present: section 2.9 requires UUIDv4 */
    } else if ((rc = rk_stix_canon_append_json(&b, props, RK_CANON_JCS)) != 0) {
        json_decref(props);
        rk_buf_free(&b);
        return rk_err_set(err, rc, "cannot serialise the ID contributing properties");
    } else {
        rk_uuid_v5(uuid, RK_UUID_NS_STIX, rk_buf_cstr(&b), rk_buf_len(&b));
    }
    json_decref(props);
    rk_buf_free(&b);
    n = snprintf(out, cap, "%s--%s", type, uuid);
    if (n < 0 || (size_t)n >= cap)
        return rk_err_set(err, RK_ELIMIT, "id buffer of %zu bytes is too small", cap);
    return 0;
}
