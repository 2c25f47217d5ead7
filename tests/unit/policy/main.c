/* main.c - policy unit tests. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_policy_read_run();
    failed += test_policy_egress_run();
    failed += test_policy_secret_run();
    failed += test_policy_rights_run();
    failed += test_policy_ingress_run();
    return failed ? 1 : 0;
}
