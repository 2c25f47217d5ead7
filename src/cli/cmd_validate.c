/* cmd_validate.c - `renkei validate`: a STIX 2.1 linter; validates without storing. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/stix.h"

struct validate_totals {
    unsigned long long objects, invalid, errors, warnings, broken_inputs;
};

static void validate_usage(void)
{
    printf("usage: renkei validate [OPTIONS] FILE...\n\n"
           "Check STIX 2.1 input against the specification without storing anything, and\n"
           "print every finding: errors (violations; such an object would be rejected) and\n"
           "warnings (legal but worth knowing, e.g. a reference to an object the input does\n"
           "not contain, or a value outside an open vocabulary). Each finding names the file,\n"
           "the object's position and byte offset, its id, the JSON path and the reason.\n"
           "FILE may be - for standard input.\n\n"
           "Options:\n"
           "  --reject-stix20   report STIX 2.0 objects as errors instead of upgrading them\n"
           "  --errors-only     do not print warnings\n\n"
           "Exit status: 0 valid (warnings allowed), 1 at least one error.\n");
}

static void print_finding(const char *file, const struct rk_stix_item *item,
                          const struct rk_stix_finding *f)
{
    printf("%s: %s: object %zu (byte %lld)%s%s%s%s: %s\n", file,
           f->severity == RK_STIX_ERROR ? "error" : "warning", item->index + 1,
           f->offset >= 0 ? f->offset : item->offset, f->object_id[0] ? " " : "", f->object_id,
           f->path[0] ? " at " : "", f->path, f->message);
}

static void report_findings(const char *file, const struct rk_stix_item *item,
                            struct validate_totals *t, int errors_only)
{
    size_t n = item->findings ? rk_stix_findings_count(item->findings) : 0;

    for (size_t i = 0; i < n; i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(item->findings, i);

        if (f->severity == RK_STIX_ERROR)
            t->errors++;
        else
            t->warnings++;
        if (f->severity == RK_STIX_ERROR || !errors_only)
            print_finding(file, item, f);
    }
}

static void report_input_warnings(const char *file, const struct rk_stix_reader *r,
                                  struct validate_totals *t, int errors_only)
{
    const struct rk_stix_findings *f = rk_stix_reader_findings(r);
    size_t n = f ? rk_stix_findings_count(f) : 0;

    for (size_t i = 0; i < n; i++) {
        const struct rk_stix_finding *w = rk_stix_findings_at(f, i);

        t->warnings++;
        if (!errors_only)
            printf("%s: warning: %s%s%s: %s\n", file, w->object_id, w->path[0] ? " at " : "",
                   w->path, w->message);
    }
}

static void validate_file(const char *file, const struct rk_stix_options *sopt,
                          struct validate_totals *t, int errors_only)
{
    struct rk_stix_reader *r = NULL;
    struct rk_stix_item item;
    struct rk_err err;
    char detail[1024];
    int rc;

    rk_err_clear(&err);
    if ((rc = rk_stix_reader_open_file(&r, file, sopt, &err)) != 0) {
        printf("%s: error: %s\n", file, rk_err_format(&err, detail, sizeof(detail)));
        t->broken_inputs++;
        return;
    }
    memset(&item, 0, sizeof(item));
    while ((rc = rk_stix_reader_next(r, &item, &err)) == 1) {
        t->objects++;
        if (!item.object)
            t->invalid++;
        report_findings(file, &item, t, errors_only);
        rk_stix_item_clear(&item);
    }
    if (rc < 0) {
        printf("%s: error: %s\n", file, rk_err_format(&err, detail, sizeof(detail)));
        t->broken_inputs++;
    }
    report_input_warnings(file, r, t, errors_only);
    rk_stix_reader_free(r);
}

int cmd_validate(struct rk_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"reject-stix20", no_argument, NULL, '2'},
                                         {"errors-only", no_argument, NULL, 'e'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct validate_totals t = {0};
    struct rk_stix_options sopt;
    int c, errors_only = 0;

    rk_stix_options_init(&sopt);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case '2': sopt.v20 = RK_STIX_V20_REJECT; break;
        case 'e': errors_only = 1; break;
        case 'h': validate_usage(); return RK_EXIT_OK;
        default: return cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("validate", "no file given");
    for (int i = optind; i < argc; i++)
        validate_file(argv[i], &sopt, &t, errors_only);
    if (!cli->quiet)
        printf("validate: %llu objects, %llu invalid, %llu errors, %llu warnings%s\n", t.objects,
               t.invalid, t.errors, t.warnings,
               t.broken_inputs ? ", some input could not be read to the end" : "");
    return t.invalid || t.errors || t.broken_inputs ? RK_EXIT_FAIL : RK_EXIT_OK;
}
