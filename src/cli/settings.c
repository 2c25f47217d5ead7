/* settings.c - the declarative table of the node's settings (renkei.conf). */
#include "settings.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "renkei/error.h"
#include "renkei/log.h"
#include "util/buf.h"

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};

static int apply_log_level(const void *target, struct rk_err *err)
{
    const struct rk_settings *s = target;

    (void)err;
    (void)s; /* the CLI installs the handler with this level; see main.c */
    return 0;
}

#define ROW(name, type, def, min, max, reload, field, help)                                        \
    {name, type, def, min, max, reload, NULL, offsetof(struct rk_settings, field), NULL, NULL, help}

const struct rk_config_row rk_settings_rows[] = {
        {"log.level", RK_CFG_ENUM, "warn", 0, 0, 1, log_levels,
         offsetof(struct rk_settings, log_level), NULL, apply_log_level,
         "least severe log events shown: error, warn, info or debug"},
        ROW("import.batch", RK_CFG_INT, "100000", 1, 1000000, 0, import_batch,
            "objects per store transaction when an import shares the node"),
        ROW("import.exclusive_batch", RK_CFG_INT, "500000", 1, 1000000, 0, import_exclusive_batch,
            "objects per store transaction while an import has the node alone"),
        ROW("import.max_object_bytes", RK_CFG_SIZE, "16M", 1024, 1073741824, 0,
            import_max_object_bytes, "largest accepted STIX object (JSON bytes)"),
        ROW("stix.reject_stix20", RK_CFG_BOOL, "false", 0, 0, 0, reject_stix20,
            "reject STIX 2.0 input instead of upgrading it to 2.1"),
        ROW("taxii.listen", RK_CFG_STRING, "127.0.0.1", 0, 0, 0, taxii_listen,
            "address the TAXII server listens on"),
        ROW("taxii.port", RK_CFG_INT, "8443", 1, 65535, 0, taxii_port, "TAXII server TCP port"),
        ROW("taxii.threads", RK_CFG_INT, "4", 1, 256, 0, taxii_threads,
            "request threads (each with its own store handle)"),
        ROW("taxii.max_content_length", RK_CFG_SIZE, "10M", 1024, 1073741824, 0,
            taxii_max_content_length, "largest request body accepted (answer 413 above)"),
        ROW("taxii.page_size", RK_CFG_INT, "100", 1, 10000, 1, taxii_page_size,
            "objects per page when the client gives no limit"),
        ROW("taxii.max_page_size", RK_CFG_INT, "1000", 1, 100000, 1, taxii_max_page_size,
            "largest page the server returns whatever the client's limit"),
        ROW("taxii.page_cache", RK_CFG_SIZE, "2%", 0, 1099511627776, 0, taxii_page_cache,
            "memory for pages kept for clients that ask again (0: no cache; N%: of this "
            "machine's memory)"),
        ROW("taxii.write_log", RK_CFG_SIZE, "128M", 1048576, 17179869184, 0, taxii_write_log,
            "Add Objects' log size at which its writer copies it into the database (a thread "
            "copies most of it from three quarters on)"),
        ROW("taxii.connection_timeout", RK_CFG_DURATION, "30s", 1, 3600, 0,
            taxii_connection_timeout, "idle or stalled connections are closed after this"),
        ROW("taxii.max_connections", RK_CFG_INT, "1024", 1, 65536, 0, taxii_max_connections,
            "connections served at once; more are refused"),
        ROW("taxii.per_ip_connections", RK_CFG_INT, "128", 0, 65536, 0,
            taxii_per_ip_connections, "connections at once from one address (0: no limit)"),
        ROW("sensor.collection", RK_CFG_STRING, "sensors", 0, 0, 0, sensor_collection,
            "collection for sensor STIX objects when a sensor names none (made on first use)"),
        ROW("sensor.mem_cap", RK_CFG_SIZE, "1G", 4194304, 1099511627776, 0, sensor_mem_cap,
            "memory for sensor aggregation; past it counts become approximate"),
        ROW("sensor.scanners", RK_CFG_STRING, "", 0, 0, 0, sensor_scanners,
            "research-scanner list (text or MISP warning list) marking sources as research"),
        ROW("sensor.asn_table", RK_CFG_STRING, "", 0, 0, 0, sensor_asn_table,
            "prefix-to-ASN CSV (ip-location-db format) for sensor ASN tables"),
        ROW("sensor.country_table", RK_CFG_STRING, "", 0, 0, 0, sensor_country_table,
            "prefix-to-country CSV (ip-location-db format) for sensor country tables"),
        ROW("sensor.baseline_bins", RK_CFG_INT, "336", 0, 100000, 0, sensor_baseline_bins,
            "stored bins per sensor that seed early-warning baselines before new data"),
        ROW("sensor.stix_top_sources", RK_CFG_INT, "50", 0, 100000, 0, sensor_stix_top_sources,
            "scanners per bin published as STIX observed-data, indicator and sighting"),
        ROW("sensor.stix_min_packets", RK_CFG_INT, "10", 1, 1000000000, 0,
            sensor_stix_min_packets, "scan packets a source needs in a bin to be published"),
};
const size_t rk_settings_count = sizeof(rk_settings_rows) / sizeof(rk_settings_rows[0]);

int rk_settings_load(struct rk_settings *s, const char *path, int must_exist, struct rk_err *err)
{
    struct rk_buf text;
    struct stat st;
    int rc;

    memset(s, 0, sizeof(*s));
    if ((rc = rk_config_defaults(rk_settings_rows, rk_settings_count, s, err)) != 0)
        return rc;
    if (!path || (!must_exist && stat(path, &st) != 0 && errno == ENOENT))
        return 0;
    rk_buf_init(&text, RK_CONFIG_MAX_FILE);
    if ((rc = rk_buf_read_file(&text, path, err)) == 0)
        rc = rk_config_parse(rk_settings_rows, rk_settings_count, s, rk_buf_cstr(&text),
                             rk_buf_len(&text), err);
    if (rc != 0)
        rk_err_prefix(err, "%s: ", path);
    rk_buf_free(&text);
    return rc;
}
