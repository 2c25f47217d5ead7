/* raw_limit.c - the raw limit for the import benchmark: only parse each object with jansson
 * and insert its row into SQLite, in one transaction. No validation, no versions, no indexes
 * beyond the primary key. renkei's `import` is compared against this loop. The page size and
 * page cache are renkei's own (8 KiB pages, 64 MiB cache), so the comparison is of the work done,
 * not of SQLite settings.
 *
 *   raw_limit BUNDLE DB      (BUNDLE as written by gen_stix: one object per line)
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int insert_line(sqlite3_stmt *ins, const char *line, size_t len)
{
    json_error_t jerr;
    json_t *o;
    int rc;

    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ','))
        len--;
    if (len < 2 || line[0] != '{')
        return 0; /* the bundle's last line */
    if (!(o = json_loadb(line, len, 0, &jerr))) {
        fprintf(stderr, "raw_limit: %s\n", jerr.text);
        return -1;
    }
    sqlite3_bind_text(ins, 1, json_string_value(json_object_get(o, "id")), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, json_string_value(json_object_get(o, "type")), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, json_string_value(json_object_get(o, "modified")), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 4, line, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(ins) == SQLITE_DONE ? 1 : -1;
    sqlite3_reset(ins);
    json_decref(o);
    return rc;
}

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long rows = 0;
    FILE *f;

    if (argc != 3 || !(f = fopen(argv[1], "r"))) {
        fprintf(stderr, "usage: raw_limit BUNDLE DB\n");
        return 2;
    }
    remove(argv[2]);
    if (sqlite3_open(argv[2], &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA page_size=8192; PRAGMA journal_mode=WAL;"
                         " PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                         "CREATE TABLE objects(id TEXT, type TEXT, modified TEXT, json TEXT,"
                         " PRIMARY KEY(id, modified)); BEGIN",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO objects VALUES(?,?,?,?)", -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "raw_limit: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    if (getline(&line, &cap, f) <= 0) /* the bundle's own first line: {"type":"bundle",... */
        return 1;
    while ((len = getline(&line, &cap, f)) > 0) {
        int rc = insert_line(ins, line, (size_t)len);

        if (rc < 0)
            return 1;
        rows += rc;
    }
    sqlite3_finalize(ins);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return 1;
    sqlite3_close(db);
    free(line);
    fclose(f);
    printf("%ld\n", rows);
    return 0;
}
