/* fuzz.c - libFuzzer target for the sensor's parsers of untrusted bytes.
 *
 * The first byte picks the mode:
 *   even: one frame. Byte 1 picks the link type, bytes 2..3 a time offset (seconds), the rest
 *         is the
 *         frame. It is decoded and classified, then counted by an engine whose sensors cover
 *         every address (so every packet reaches the aggregation, DoS and STIX code).
 *   odd:  the rest is a whole capture file (classic pcap or pcapng) read from memory; every
 *         frame goes through an engine.
 * Nothing may crash, leak or read out of bounds; the decoder must report a drop reason for
 * every frame it does not accept. */
#include "renkei/sensor.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define T0_NS (1714521600LL * 1000000000LL)

static const uint32_t links[] = {RK_SENSOR_LINK_ETHERNET,
                                 RK_SENSOR_LINK_RAW,
                                 RK_SENSOR_LINK_LINUX_SLL,
                                 RK_SENSOR_LINK_LINUX_SLL2,
                                 RK_SENSOR_LINK_NULL,
                                 RK_SENSOR_LINK_LOOP,
                                 RK_SENSOR_LINK_IPV4,
                                 RK_SENSOR_LINK_IPV6,
                                 RK_SENSOR_LINK_DLT_RAW_12,
                                 RK_SENSOR_LINK_DLT_RAW_14,
                                 105 /* unsupported */};

static struct rk_sensor_engine *engine(void)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;

    rk_sensor_config_init(&cfg);
    cfg.now_ns = T0_NS + 86400LL * 1000000000LL;
    cfg.mem_cap = (uint64_t)8 << 20;
    cfg.bin_secs = 86400;
    if (rk_sensor_engine_new(&e, &cfg, NULL) != 0)
        abort();
    if (rk_sensor_engine_add_sensor(e, "v4", "JP", RK_TLP_AMBER, "0.0.0.0/1 128.0.0.0/1", NULL) ||
        rk_sensor_engine_add_sensor(e, "v6", NULL, RK_TLP_GREEN, "::/0", NULL))
        abort();
    return e;
}

static void drain(struct rk_sensor_engine *e)
{
    struct rk_sensor_bin *b;
    struct rk_sensor_dos_row a;
    char sensor[RK_SENSOR_NAME_MAX];

    int n = 0;

    rk_sensor_engine_flush(e, NULL);
    while (rk_sensor_engine_take_bin(e, &b) == 1) {
        if (n++ < 4) { /* empty bins of long silences need no STIX each */
            json_t *objects = json_array();

            rk_sensor_stix_bin(b, NULL, objects, NULL);
            json_decref(objects);
        }
        rk_sensor_bin_free(b);
    }
    while (rk_sensor_engine_take_attack(e, &a, sensor) == 1)
        ;
    rk_sensor_engine_free(e);
}

static void one_frame(const uint8_t *data, size_t size)
{
    struct rk_sensor_engine *e;
    struct rk_sensor_frame f;
    struct rk_sensor_pkt k;
    int drop = -1, rc;

    if (size < 3)
        return;
    f.linktype = links[data[0] % (sizeof(links) / sizeof(links[0]))];
    f.ts_ns = T0_NS + (int64_t)(data[1] << 8 | data[2]) * 1000000000LL;
    f.data = data + 3;
    f.caplen = (uint32_t)(size - 3);
    f.wirelen = f.caplen;
    rc = rk_sensor_decode(&f, 4, 8, &k, &drop);
    if ((rc == 0) != (drop == RK_SENSOR_OK) || drop < 0 || drop >= RK_SENSOR_DROP_COUNT)
        abort();
    if (rc == 0) {
        rk_sensor_classify(&k);
        if (k.cls >= RK_SENSOR_CLASS_COUNT)
            abort();
    }
    e = engine();
    rk_sensor_engine_packet(e, &f);
    drain(e);
}

static void whole_capture(const uint8_t *data, size_t size)
{
    struct rk_sensor_engine *e = engine();
    struct rk_sensor_reader *r;
    struct rk_sensor_frame f;
    struct rk_err err;
    int rc, n = 0;

    if (rk_sensor_reader_open_mem(&r, data, size, NULL, &err) != 0)
        abort();
    while ((rc = rk_sensor_reader_next(r, &f, &err)) != 0 && n++ < 100000) {
        if (rc == 1)
            rk_sensor_engine_packet(e, &f);
    }
    rk_sensor_reader_free(r);
    drain(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        whole_capture(data + 1, size - 1);
    else
        one_frame(data + 1, size - 1);
    return 0;
}
