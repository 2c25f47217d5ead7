/* stix_io.c - STIX on both ends of matching: indicators in from STIX inputs (through the
 * validating streaming reader), sighting objects out. */
#include "renkei/match.h"
#include "match/internal.h"

#include "renkei/stix.h"
#include "util/rktime.h"
#include "util/uuid.h"

#define COUNT_MAX 999999999 /* sighting count: "MUST be an integer between 0 and 999,999,999" */

/* The namespace of renkei's deterministic sighting ids (a UUIDv4 fixed once). */
static const uint8_t sighting_ns[16] = {0x5e, 0x2c, 0x41, 0x9d, 0x7a, 0x63, 0x4f, 0x1b,
                                        0x9e, 0x05, 0xc8, 0x2d, 0x71, 0xb4, 0x36, 0xa0};

int rk_match_builder_add_stix_file(struct rk_match_builder *b, const char *path,
                                   const char *source, int64_t now_us,
                                   struct rk_match_stix_stats *st, struct rk_err *err)
{
    struct rk_stix_reader *r = NULL;
    struct rk_stix_item item;
    int rc;

    memset(&item, 0, sizeof(item));
    if ((rc = rk_stix_reader_open_file(&r, path, NULL, err)) != 0)
        return rc;
    while ((rc = rk_stix_reader_next(r, &item, err)) == 1) {
        if (!item.object) {
            st->rejected++;
            if (st->first_error.code == 0 && rk_stix_findings_count(item.findings) > 0) {
                const struct rk_stix_finding *f = rk_stix_findings_at(item.findings, 0);

                rk_err_set(&st->first_error, RK_EFORMAT, "%s: rejected: %s", path, f->message);
                rk_err_set_object(&st->first_error, f->object_id);
                rk_err_set_path(&st->first_error, f->path);
                rk_err_set_offset(&st->first_error, f->offset);
            }
        } else if (strcmp(rk_stix_object_type(item.object), "indicator") == 0) {
            rc = rk_match_builder_add_stix(b, rk_stix_object_json(item.object),
                                           (int)rk_stix_object_tlp(item.object), source, now_us,
                                           st, err);
        }
        rk_stix_item_clear(&item);
        if (rc < 0)
            break;
        rc = 0;
    }
    rk_stix_reader_free(r);
    if (rc < 0)
        rk_err_prefix(err, "%s: ", path);
    return rc < 0 ? rc : 0;
}

static int set_time(json_t *o, const char *key, int64_t us)
{
    char t[RK_TIME_STR_MAX];

    if (rk_time_format_us(us, t, sizeof(t)) < 0)
        return RK_EFORMAT;
    return json_object_set_new(o, key, json_string(t)) == 0 ? 0 : RK_ENOMEM;
}

int rk_match_sighting_json(const struct rk_match_index *ix, const struct rk_match_sighting *s,
                           const char *identity_id, json_t **out, struct rk_err *err)
{
    struct rk_match_indicator_info info;
    char name[512], uuid[RK_UUID_STR], id[64];
    const char *marking;
    json_t *o;
    int n, rc = 0;

    *out = NULL;
    if (rk_match_indicator_get(ix, s->indicator, &info) != 0)
        return rk_err_set(err, RK_ENOTFOUND, "no indicator %u in the index", s->indicator);
    if (!rk_stix_id_valid(info.id, strlen(info.id)) || strncmp(info.id, "indicator--", 11) != 0)
        return rk_err_set(err, RK_EINVAL, "%s is not a STIX indicator: no sighting", info.id);
    n = snprintf(name, sizeof(name), "%s|%s|%lld", identity_id, info.id,
                 (long long)s->window_start_us);
    rk_uuid_v5(uuid, sighting_ns, name, n > 0 && (size_t)n < sizeof(name) ? (size_t)n : 0);
    snprintf(id, sizeof(id), "sighting--%s", uuid);
    o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[s], s:s}", "type", "sighting", "spec_version",
                  "2.1", "id", id, "sighting_of_ref", info.id, "count",
                  (json_int_t)(s->count > COUNT_MAX ? COUNT_MAX : s->count), "where_sighted_refs",
                  identity_id, "created_by_ref", identity_id);
    if (!o)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    /* created = modified = the last sighting: the same window gives the same object */
    if ((rc = set_time(o, "created", s->last_seen_us)) != 0 ||
        (rc = set_time(o, "modified", s->last_seen_us)) != 0 ||
        (rc = set_time(o, "first_seen", s->first_seen_us)) != 0 ||
        (rc = set_time(o, "last_seen", s->last_seen_us)) != 0) {
        json_decref(o);
        return rk_err_set(err, rc, "sighting times out of range for %s", info.id);
    }
    /* a sighting tells about its indicator: it is marked at least as strictly */
    if ((marking = rk_tlp_marking_id((enum rk_tlp)info.tlp)) != NULL &&
        json_object_set_new(o, "object_marking_refs", json_pack("[s]", marking)) != 0) {
        json_decref(o);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    *out = o;
    return 0;
}
