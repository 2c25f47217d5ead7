/* main.c - sensor unit tests: one cmocka group per topic. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_sensor_decode_run();
    failed += test_sensor_classify_run();
    failed += test_sensor_reader_run();
    failed += test_sensor_lists_run();
    failed += test_sensor_agg_run();
    failed += test_sensor_approx_run();
    failed += test_sensor_dos_run();
    failed += test_sensor_detect_run();
    failed += test_sensor_stix_run();
    failed += test_sensor_output_run();
    failed += test_sensor_live_run();
    failed += test_sensor_persist_run();
    failed += test_sensor_store_run();
    return failed ? 1 : 0;
}
