/* stix_check.c - renkei's verdict on every object of a STIX input, one line per object, for the
 * schema agreement test and for looking at corpus files by hand.
 *
 *   stix_check [--v20=upgrade|reject] [--no-custom] [--warnings] [--canonical] FILE...
 *
 * Per object: "<index>\tvalid\t<id>" or "<index>\tinvalid\t<id>\t<path>: <message> (byte N)";
 * with --warnings also "<index>\twarning\t<id>\t<path>: <message>"; with --canonical the valid
 * object's canonical JSON follows on its own line. Whole-input findings are printed as
 * "input\terror|warning\t<id>\t<message> (byte N)". A read failure prints "fatal\t..." and
 * exits 2; otherwise the exit code is 1 when some object was rejected, else 0. */
#include "renkei/stix.h"

#include <stdio.h>
#include <string.h>

struct opts {
    struct rk_stix_options stix;
    int warnings;
    int canonical;
};

static void print_finding(const char *label, const char *kind, const struct rk_stix_finding *f)
{
    printf("%s\t%s\t%s\t%s%s%s (byte %lld)\n", label, kind, f->object_id, f->path,
           f->path[0] ? ": " : "", f->message, f->offset);
}

static void print_item(const struct opts *o, const struct rk_stix_item *it)
{
    char label[32];
    size_t n = rk_stix_findings_count(it->findings);
    const struct rk_stix_finding *first = NULL;

    snprintf(label, sizeof(label), "%zu", it->index);
    for (size_t i = 0; i < n && !first; i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(it->findings, i);

        if (f->severity == RK_STIX_ERROR)
            first = f;
    }
    if (it->object)
        printf("%s\tvalid\t%s\n", label, it->id);
    else if (first)
        print_finding(label, "invalid", first);
    else
        printf("%s\tinvalid\t%s\t(no reason given)\n", label, it->id);
    for (size_t i = 0; o->warnings && i < n; i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(it->findings, i);

        if (f->severity == RK_STIX_WARNING)
            print_finding(label, "warning", f);
    }
    if (o->canonical && it->object)
        printf("%s\n", rk_stix_object_canonical(it->object, NULL));
}

static int check_file(const struct opts *o, const char *path, int *rejected)
{
    struct rk_stix_reader *r = NULL;
    struct rk_stix_item it;
    struct rk_err err;
    const struct rk_stix_findings *in;
    int rc;

    rk_err_clear(&err);
    if (rk_stix_reader_open_file(&r, path, &o->stix, &err) != 0) {
        printf("fatal\t%s\n", err.message);
        return 2;
    }
    while ((rc = rk_stix_reader_next(r, &it, &err)) == 1) {
        if (!it.object)
            (*rejected)++;
        print_item(o, &it);
        rk_stix_item_clear(&it);
    }
    in = rk_stix_reader_findings(r);
    for (size_t i = 0; i < rk_stix_findings_count(in); i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(in, i);

        print_finding("input", f->severity == RK_STIX_ERROR ? "error" : "warning", f);
    }
    rk_stix_reader_free(r);
    if (rc < 0) {
        printf("fatal\t%s (byte %lld)\n", err.message, err.offset);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    int rejected = 0, status = 0, files = 0;

    memset(&o, 0, sizeof(o));
    rk_stix_options_init(&o.stix);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--v20=reject") == 0)
            o.stix.v20 = RK_STIX_V20_REJECT;
        else if (strcmp(argv[i], "--v20=upgrade") == 0)
            o.stix.v20 = RK_STIX_V20_UPGRADE;
        else if (strcmp(argv[i], "--no-custom") == 0)
            o.stix.allow_custom = 0;
        else if (strcmp(argv[i], "--warnings") == 0)
            o.warnings = 1;
        else if (strcmp(argv[i], "--canonical") == 0)
            o.canonical = 1;
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "stix_check: unknown option %s\n", argv[i]);
            return 2;
        } else {
            files++;
            if (check_file(&o, argv[i], &rejected) != 0)
                status = 2;
        }
    }
    if (files == 0) {
        fprintf(stderr, "usage: stix_check [--v20=upgrade|reject] [--no-custom] [--warnings] "
                        "[--canonical] FILE...\n");
        return 2;
    }
    return status ? status : (rejected ? 1 : 0);
}
