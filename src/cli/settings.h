/* settings.h - the node's settings: one row per setting in settings.c. */
#ifndef RK_CLI_SETTINGS_H
#define RK_CLI_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "util/config.h"

struct rk_settings {
    int log_level; /* enum rk_log_level */
    int64_t import_batch;
    int64_t import_exclusive_batch;
    int64_t import_max_object_bytes;
    int reject_stix20;
    char taxii_listen[RK_CONFIG_STR_MAX];
    int64_t taxii_port;
    int64_t taxii_threads;
    int64_t taxii_max_content_length;
    int64_t taxii_page_size;
    int64_t taxii_max_page_size;
    int64_t taxii_page_cache;
    int64_t taxii_write_log;
    int64_t taxii_connection_timeout;
    int64_t taxii_max_connections;
    int64_t taxii_per_ip_connections;
    char sensor_collection[RK_CONFIG_STR_MAX];
    int64_t sensor_mem_cap;
    char sensor_scanners[RK_CONFIG_STR_MAX];
    char sensor_asn_table[RK_CONFIG_STR_MAX];
    char sensor_country_table[RK_CONFIG_STR_MAX];
    int64_t sensor_baseline_bins;
    int64_t sensor_stix_top_sources;
    int64_t sensor_stix_min_packets;
};

extern const struct rk_config_row rk_settings_rows[];
extern const size_t rk_settings_count;

struct rk_err;
/* Defaults, then the file (when path names one that exists, or must_exist is set). */
int rk_settings_load(struct rk_settings *s, const char *path, int must_exist, struct rk_err *err);

#endif
