/* stix_object.c - the bridge from a validated STIX object to the store's row descriptor. */
#include "renkei/store.h"

#include <string.h>

void rk_store_object_from_stix(struct rk_store_object *o, const struct rk_stix_object *obj)
{
    memset(o, 0, sizeof(*o));
    o->id = rk_stix_object_id(obj);
    o->type = rk_stix_object_type(obj);
    o->spec_version = rk_stix_object_spec_version(obj);
    o->created = rk_stix_object_created(obj);
    o->modified = rk_stix_object_modified(obj);
    /* NULL only when memory ran out; rk_store_batch_put then fails with RK_ENOMEM */
    o->json = rk_stix_object_canonical(obj, &o->json_len);
    o->tlp = rk_stix_object_tlp(obj);
    o->revoked = rk_stix_object_revoked(obj);
}
