/* config.c - the declarative settings engine. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/error.h"
#include "util/config.h"

struct conf {
    char name[RK_CONFIG_STR_MAX];
    int64_t port;
    int64_t body;
    int64_t timeout;
    int tls;
    int level;
};

static const char *const levels[] = {"error", "warn", "info", NULL};

static const struct rk_config_row rows[] = {
        {"node.name", RK_CFG_STRING, "demo", 0, 0, 0, NULL, offsetof(struct conf, name), NULL, NULL,
         "name"},
        {"taxii.port", RK_CFG_INT, "8443", 1, 65535, 0, NULL, offsetof(struct conf, port), NULL,
         NULL, "port"},
        {"taxii.max_body", RK_CFG_SIZE, "10M", 1024, 1 << 30, 0, NULL, offsetof(struct conf, body),
         NULL, NULL, "body cap"},
        {"taxii.timeout", RK_CFG_DURATION, "30s", 1, 3600, 1, NULL, offsetof(struct conf, timeout),
         NULL, NULL, "timeout"},
        {"taxii.tls", RK_CFG_BOOL, "yes", 0, 0, 0, NULL, offsetof(struct conf, tls), NULL, NULL,
         "tls"},
        {"log.level", RK_CFG_ENUM, "warn", 0, 0, 1, levels, offsetof(struct conf, level), NULL,
         NULL, "level"},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static void test_util_config__defaults_file_and_override(void **state)
{
    const char *text = "# a node\n\n taxii.port = 9443 \ntaxii.max_body=64M\r\n"
                       "taxii.timeout = 2m\ntaxii.tls = off\nlog.level = info\n"
                       "node.name = \"jp csirt\"\n";
    struct conf c;
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_config_defaults(rows, N_ROWS, &c, &err), 0);
    assert_int_equal(c.port, 8443);
    assert_int_equal(c.body, 10 << 20);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(rk_config_parse(rows, N_ROWS, &c, text, strlen(text), &err), 0);
    assert_int_equal(c.port, 9443);
    assert_int_equal(c.body, 64 << 20);
    assert_int_equal(c.timeout, 120);
    assert_int_equal(c.tls, 0);
    assert_int_equal(c.level, 2);
    assert_string_equal(c.name, "jp csirt");
    /* the command line overrides the file */
    assert_int_equal(rk_config_set(rows, N_ROWS, &c, "taxii.port", "10443", &err), 0);
    assert_int_equal(c.port, 10443);
}

static void test_util_config__errors_name_line_and_setting(void **state)
{
    struct {
        const char *text;
        int rc;
        const char *msg;
    } bad[] = {
            {"taxii.port = 70000\n", RK_ELIMIT, "line 1: taxii.port: 70000 is outside 1..65535"},
            {"\n\ntaxii.port = eighty\n", RK_EFORMAT, "line 3: taxii.port: 'eighty' is not a whole number"},
            {"taxii.max_body = 5Q\n", RK_EFORMAT, "line 1: taxii.max_body: '5Q' is not a size (e.g. 64M, or 2% of memory)"},
            {"taxii.max_body = 101%\n", RK_EFORMAT, "line 1: taxii.max_body: '101%' is not a size (e.g. 64M, or 2% of memory)"},
            {"taxii.max_body = %\n", RK_EFORMAT, "line 1: taxii.max_body: '%' is not a size (e.g. 64M, or 2% of memory)"},
            {"taxii.max_body = 5M%\n", RK_EFORMAT, "line 1: taxii.max_body: '5M%' is not a size (e.g. 64M, or 2% of memory)"},
            {"taxii.max_body = 0%\n", RK_ELIMIT, "line 1: taxii.max_body: 0% is outside 1024..1073741824"},
            {"log.level = loud\n", RK_EFORMAT, "line 1: log.level: 'loud' is not one of error, warn, info"},
            {"taxii.tls = maybe\n", RK_EFORMAT, "line 1: taxii.tls: 'maybe' is not true or false"},
            {"x.y = 1\n", RK_ENOTFOUND, "line 1: unknown setting 'x.y'"},
            {"just words\n", RK_EFORMAT, "line 1: expected 'name = value'"},
    };
    struct conf c;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rk_err_clear(&err);
        rk_config_defaults(rows, N_ROWS, &c, &err);
        assert_int_equal(rk_config_parse(rows, N_ROWS, &c, bad[i].text, strlen(bad[i].text), &err),
                         bad[i].rc);
        assert_string_equal(err.message, bad[i].msg);
    }
}

static void test_util_config__dump_shows_effective_values(void **state)
{
    struct conf c;
    struct rk_buf out;

    rk_config_defaults(rows, N_ROWS, &c, NULL);
    rk_buf_init(&out, RK_BUF_UNLIMITED);
    assert_int_equal(rk_config_dump(rows, N_ROWS, &c, &out), 0);
    assert_non_null(strstr(rk_buf_cstr(&out), "taxii.max_body = 10485760  # body cap\n"));
    assert_non_null(strstr(rk_buf_cstr(&out), "log.level = warn  # level (reloadable)\n"));
    rk_buf_free(&out);
}

/* MemTotal of /proc/meminfo in bytes: the machine's memory, read independently of sysconf. */
static uint64_t mem_total(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;

    assert_non_null(f);
    assert_int_equal(fscanf(f, "MemTotal: %llu kB", &kb), 1);
    fclose(f);
    return (uint64_t)kb * 1024;
}

/* A size may be a share of the machine's memory, within the setting's bounds. */
static void test_util_config__size_as_share_of_memory(void **state)
{
    struct conf c;
    struct rk_err err;
    uint64_t mem = mem_total();

    assert_int_equal(rk_config_physical_memory(), mem);
    rk_config_defaults(rows, N_ROWS, &c, NULL);
    assert_int_equal(rk_config_set(rows, N_ROWS, &c, "taxii.max_body", "1%", &err),
                     mem / 100 > (1u << 30) ? RK_ELIMIT : 0); /* bounded at 1 GiB */
    assert_int_equal(c.body, mem / 100 > (1u << 30) ? 10 << 20 : (int64_t)(mem / 100));
    assert_int_equal(rk_config_set(rows, N_ROWS, &c, "taxii.max_body", "100%", &err),
                     mem > (1u << 30) ? RK_ELIMIT : 0);
}

int test_util_config_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_config__defaults_file_and_override),
            cmocka_unit_test(test_util_config__errors_name_line_and_setting),
            cmocka_unit_test(test_util_config__dump_shows_effective_values),
            cmocka_unit_test(test_util_config__size_as_share_of_memory),
    };

    return cmocka_run_group_tests_name("util_config", tests, NULL, NULL);
}
