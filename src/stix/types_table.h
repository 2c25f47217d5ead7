/* types_table.h - shorthand for writing the property tables of types.c and types_sco.c.
 * Every table lists its properties sorted by name (strcmp order): lookups use binary search and
 * rk_stix_tables_check() (run by the unit tests) verifies the order. */
#ifndef RK_STIX_TYPES_TABLE_H
#define RK_STIX_TYPES_TABLE_H

#include "stix/stix_internal.h"
#include "stix/vocab.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define P(n, t, f, a) {n, t, f, a}
#define STR(n)        P(n, PT_STRING, 0, NULL)
#define STR_R(n)      P(n, PT_STRING, P_REQ, NULL)
#define LSTR(n)       P(n, PT_STRING, P_LIST, NULL)
#define LSTR_R(n)     P(n, PT_STRING, P_LIST | P_REQ, NULL)
#define BOOL(n)       P(n, PT_BOOL, 0, NULL)
#define BOOL_R(n)     P(n, PT_BOOL, P_REQ, NULL)
#define INT(n)        P(n, PT_INT, 0, NULL)
#define UINT(n)       P(n, PT_INT, 0, &rk_range_nonneg)
#define INTR(n, r)    P(n, PT_INT, 0, &(r))
#define FLT(n)        P(n, PT_FLOAT, 0, NULL)
#define TS(n)         P(n, PT_TIMESTAMP, 0, NULL)
#define TS_R(n)       P(n, PT_TIMESTAMP, P_REQ, NULL)
#define HEX(n)        P(n, PT_HEX, 0, NULL)
#define HEX_R(n)      P(n, PT_HEX, P_REQ, NULL)
#define BIN(n)        P(n, PT_BIN, 0, NULL)
#define HASHES(n)     P(n, PT_HASHES, 0, NULL)
#define DICT(n, d)    P(n, PT_DICT, 0, d)
#define OV(n, v)      P(n, PT_OV, 0, &rk_vocab_##v)
#define OV_R(n, v)    P(n, PT_OV, P_REQ, &rk_vocab_##v)
#define LOV(n, v)     P(n, PT_OV, P_LIST, &rk_vocab_##v)
#define ENUM(n, v)    P(n, PT_ENUM, 0, &rk_vocab_##v)
#define ENUM_R(n, v)  P(n, PT_ENUM, P_REQ, &rk_vocab_##v)
#define REF(n, t)     P(n, PT_ID, 0, &(t))
#define REF_R(n, t)   P(n, PT_ID, P_REQ, &(t))
#define LREF(n, t)    P(n, PT_ID, P_LIST, &(t))
#define LREF_R(n, t)  P(n, PT_ID, P_LIST | P_REQ, &(t))
#define LKCP(n)       P(n, PT_KCP, P_LIST, NULL)
#define STRUCT(n, s)  P(n, PT_STRUCT, 0, &(s))
#define LSTRUCT(n, s) P(n, PT_STRUCT, P_LIST, &(s))
#define EXTS(n)       P(n, PT_EXTENSIONS, 0, NULL)

extern const struct rk_range rk_range_nonneg;

/* Reference targets shared by the SDO and SCO tables. */
extern const struct rk_reftarget rk_ref_any, rk_ref_identity, rk_ref_marking, rk_ref_software,
        rk_ref_sco, rk_ref_sdo, rk_ref_sdo_sco, rk_ref_sco_sro, rk_ref_file, rk_ref_artifact,
        rk_ref_file_artifact, rk_ref_file_directory, rk_ref_directory, rk_ref_user_account,
        rk_ref_email_addr, rk_ref_mac, rk_ref_as, rk_ref_network_traffic, rk_ref_process,
        rk_ref_observed_data, rk_ref_identity_location, rk_ref_analysis_sample,
        rk_ref_domain_targets, rk_ref_net_endpoint;

/* The SCO types and their predefined extensions (types_sco.c), sorted by type name. */
extern const struct rk_type rk_stix_sco_types[];
extern const size_t rk_stix_sco_types_n;
/* Every nested structure, for the sortedness self-check. */
extern const struct rk_struct *const rk_stix_sco_structs[];
extern const size_t rk_stix_sco_structs_n;

#endif
