/* placeholder */
#include "cmd_sensor.h"
int cmd_sensor_capture(struct rk_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 0; }
int cmd_sensor_export(struct rk_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 0; }
int cmd_sensor_plot(struct rk_cli *cli, int argc, char **argv) { (void)cli; (void)argc; (void)argv; return 0; }
