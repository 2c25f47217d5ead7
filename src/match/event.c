/* event.c - one match event as a JSON object (the lines `renkei match` prints). */
#include "renkei/match.h"
#include "match/internal.h"

#include "renkei/stix.h"
#include "util/buf.h"
#include "util/rktime.h"

static int put_key_str(struct rk_buf *b, const char *key, const char *s, size_t len)
{
    int rc;

    if ((rc = rk_buf_printf(b, ",\"%s\":", key)) != 0)
        return rc;
    return rk_buf_json_string(b, s, len);
}

static int put_time(struct rk_buf *b, const char *key, int64_t us)
{
    char t[RK_TIME_STR_MAX];

    if (rk_time_format_us(us, t, sizeof(t)) < 0)
        return rk_buf_printf(b, ",\"%s\":null", key);
    return rk_buf_printf(b, ",\"%s\":\"%s\"", key, t);
}

/* "a,b" as ,"indicator_types":["a","b"] */
static int put_types(struct rk_buf *b, const char *types)
{
    int rc = rk_buf_puts(b, ",\"indicator_types\":[");

    while (rc == 0 && *types) {
        size_t n = strcspn(types, ",");

        if ((rc = rk_buf_json_string(b, types, n)) != 0)
            return rc;
        types += n;
        if (*types == ',' && (rc = rk_buf_putc(b, ',')) != 0)
            return rc;
        types += *types == ',';
    }
    return rc ? rc : rk_buf_putc(b, ']');
}

static int put_indicator(struct rk_buf *b, const struct rk_match_index *ix,
                         const struct rk_match_hit *h)
{
    struct rk_match_indicator_info info;
    size_t klen = 0;
    const char *key = rk_match_key_text(ix, h->key, &klen);
    int rc;

    if (rk_match_indicator_get(ix, h->indicator, &info) != 0)
        return rk_buf_puts(b, "{}");
    if ((rc = rk_buf_puts(b, "{\"id\":")) != 0 ||
        (rc = rk_buf_json_string(b, info.id, strlen(info.id))) != 0 ||
        (rc = put_key_str(b, "matched", key, klen)) != 0 ||
        (rc = rk_buf_printf(b, ",\"matched_kind\":\"%s\"",
                            rk_match_kind_name(rk_match_key_kind(ix, h->key)))) != 0)
        return rc;
    if (info.confidence >= 0 && (rc = rk_buf_printf(b, ",\"confidence\":%d", info.confidence)) != 0)
        return rc;
    if ((rc = rk_buf_printf(b, ",\"tlp\":\"%s\"", rk_tlp_name((enum rk_tlp)info.tlp))) != 0)
        return rc;
    if (info.valid_until_us != INT64_MAX && (rc = put_time(b, "valid_until", info.valid_until_us)) != 0)
        return rc;
    if (info.source[0] && (rc = put_key_str(b, "source", info.source, strlen(info.source))) != 0)
        return rc;
    if (info.name[0] && (rc = put_key_str(b, "name", info.name, strlen(info.name))) != 0)
        return rc;
    if (info.types[0] && (rc = put_types(b, info.types)) != 0)
        return rc;
    return rk_buf_putc(b, '}');
}

int rk_match_event_json(const struct rk_match_index *ix, const struct rk_match_event *ev,
                        struct rk_buf *b)
{
    const struct rk_match_obs *o = ev->obs;
    int rc;

    if ((rc = rk_buf_puts(b, "{\"time\":")) != 0)
        return rc;
    if (o->ts_us) {
        char t[RK_TIME_STR_MAX];

        rc = rk_time_format_us(o->ts_us, t, sizeof(t)) < 0 ? rk_buf_puts(b, "null")
                                                           : rk_buf_printf(b, "\"%s\"", t);
    } else {
        rc = rk_buf_puts(b, "null");
    }
    if (rc != 0 || (rc = put_key_str(b, "input", ev->input, strlen(ev->input))) != 0 ||
        (rc = rk_buf_printf(b, ",\"record\":%llu", (unsigned long long)o->record)) != 0)
        return rc;
    if (o->offset >= 0 && (rc = rk_buf_printf(b, ",\"offset\":%lld", o->offset)) != 0)
        return rc;
    if ((rc = put_key_str(b, "field", o->field, strlen(o->field))) != 0 ||
        (rc = rk_buf_printf(b, ",\"kind\":\"%s\"", rk_match_kind_name(o->value->kind))) != 0 ||
        (rc = put_key_str(b, "value", o->value->text, o->value->len)) != 0)
        return rc;
    if (ev->suppressed &&
        ((rc = rk_buf_puts(b, ",\"suppressed_by\":{\"list\":")) != 0 ||
         (rc = rk_buf_json_string(b, ev->warning.list, strlen(ev->warning.list))) != 0 ||
         (rc = put_key_str(b, "entry", ev->warning.entry, strlen(ev->warning.entry))) != 0 ||
         (rc = rk_buf_putc(b, '}')) != 0))
        return rc;
    if ((rc = rk_buf_puts(b, ",\"indicators\":[")) != 0)
        return rc;
    for (size_t i = 0; i < ev->n_hits; i++)
        if ((i > 0 && (rc = rk_buf_putc(b, ',')) != 0) ||
            (rc = put_indicator(b, ix, &ev->hits[i])) != 0)
            return rc;
    return rk_buf_puts(b, "]}");
}
