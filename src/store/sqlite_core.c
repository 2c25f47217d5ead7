/* sqlite_core.c - the core schema: collections, object versions with their JSON, provenance and
 * sharing lists, conflicts, node settings. Released steps are never edited; add a new step. */
#include "store/sqlite.h"

static const struct rk_sqlite_step steps[] = {
        {1, "collections, objects, origins, conflicts, settings",
         /* counters: date_added_hw is the highest date_added ever handed out (deletes do not lower
          * it); conflicts_total counts conflicts ever recorded */
         "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
         "INSERT INTO meta (key, value) VALUES ('date_added_hw', 0), ('conflicts_total', 0);"
         "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
         "CREATE TABLE collections ("
         " coll INTEGER PRIMARY KEY,"
         " id TEXT NOT NULL UNIQUE,"
         " alias TEXT UNIQUE," /* NULL when none */
         " title TEXT NOT NULL,"
         " description TEXT NOT NULL,"
         " created_us INTEGER NOT NULL);"
         /* one row per distinct provenance + sharing lists; groups/readers are the sorted names
          * joined by LF (names hold no control characters), the row's identity */
         "CREATE TABLE origins ("
         " origin INTEGER PRIMARY KEY,"
         " kind TEXT NOT NULL, source TEXT NOT NULL, org TEXT NOT NULL,"
         " groups TEXT NOT NULL, readers TEXT NOT NULL,"
         " UNIQUE (kind, source, org, groups, readers));"
         "CREATE INDEX origins_org ON origins (org);"
         /* kind 1: sharing group, 2: named reader */
         "CREATE TABLE origin_members ("
         " kind INTEGER NOT NULL, name TEXT NOT NULL, origin INTEGER NOT NULL,"
         " PRIMARY KEY (kind, name, origin)) WITHOUT ROWID;"
         /* one row per stored object version; date_added (microseconds) is the rowid */
         "CREATE TABLE objects ("
         " date_added INTEGER PRIMARY KEY,"
         " coll INTEGER NOT NULL,"
         " idh INTEGER NOT NULL," /* rk_sqlite_idh(id): the key of the id index (step 3) */
         " id TEXT NOT NULL,"
         " vkey BLOB NOT NULL," /* version key, x'' when unversioned */
         " sha256 BLOB NOT NULL,"
         " is_first INTEGER NOT NULL,"
         " is_last INTEGER NOT NULL,"
         " spec_top INTEGER NOT NULL," /* spec_rank is the highest of this (coll, id) */
         " tlp INTEGER NOT NULL,"
         " origin INTEGER NOT NULL,"
         " type TEXT NOT NULL,"
         " spec_version TEXT NOT NULL,"
         " spec_rank INTEGER NOT NULL,"
         " created TEXT,"
         " modified TEXT,"
         " revoked INTEGER NOT NULL,"
         " json TEXT NOT NULL);" /* last: reading the columns before it skips its overflow pages */
         /* small entries (no id text) keep this randomly-written index compact; (coll, id, vkey)
          * is unique, which the put path maintains under the write lock */
         "CREATE INDEX objects_id ON objects (coll, idh);"
         /* (coll, is_last, date_added): paging by date_added, latest versions or all */
         "CREATE INDEX objects_coll ON objects (coll, is_last);"
         "CREATE TABLE conflicts ("
         " conflict INTEGER PRIMARY KEY,"
         " coll INTEGER NOT NULL, id TEXT NOT NULL, version TEXT, vkey BLOB NOT NULL,"
         " kept_sha256 BLOB NOT NULL, offered_sha256 BLOB NOT NULL,"
         " source TEXT NOT NULL, at_us INTEGER NOT NULL,"
         " UNIQUE (coll, id, vkey, offered_sha256));",
         NULL},
        {2, "removals counter (the change mark)",
         /* deletes and collection removals so far: with date_added_hw, the change mark */
         "INSERT INTO meta (key, value) VALUES ('removals', 0);", NULL},
        {3, "the id index in two levels: settled and fresh",
         /* objects_id took every new id at a random place: a commit of 1,000 new ids rewrote
          * some 900 of its leaves. New rows now enter the small ids_fresh, whose few pages stay
          * hot; rk_sqlite_merge_fresh_ids moves them into ids_settled in key order, many at a
          * time (sqlite_put.c). A row's entry is in exactly one of the two; ids_all is both. The
          * put path inserts a new row's entry itself (a trigger cost a third of a put); deletes
          * of any kind remove it by trigger. */
         "CREATE TABLE ids_settled (coll INTEGER NOT NULL, idh INTEGER NOT NULL,"
         " date_added INTEGER NOT NULL, PRIMARY KEY (coll, idh, date_added)) WITHOUT ROWID;"
         "CREATE TABLE ids_fresh (coll INTEGER NOT NULL, idh INTEGER NOT NULL,"
         " date_added INTEGER NOT NULL, PRIMARY KEY (coll, idh, date_added)) WITHOUT ROWID;"
         "CREATE VIEW ids_all AS SELECT coll, idh, date_added FROM ids_settled"
         " UNION ALL SELECT coll, idh, date_added FROM ids_fresh;"
         "INSERT INTO ids_settled (coll, idh, date_added)"
         " SELECT coll, idh, date_added FROM objects ORDER BY coll, idh, date_added;"
         "DROP INDEX objects_id;"
         "CREATE TRIGGER objects_ids_delete AFTER DELETE ON objects BEGIN"
         " DELETE FROM ids_settled"
         "  WHERE coll = old.coll AND idh = old.idh AND date_added = old.date_added;"
         " DELETE FROM ids_fresh"
         "  WHERE coll = old.coll AND idh = old.idh AND date_added = old.date_added;"
         " END;",
         NULL},
        {4, "TLP markings in granular_markings mark the whole row",
         /* rows stored before the row's TLP counted granular_markings (stix/object.c tlp_of):
          * raise tlp to the most restrictive TLP marking among them. The ids are the fixed
          * TLP 1.0 and 2.0 marking definitions (stix/tlp.c). */
         "UPDATE objects SET tlp = max(tlp, (SELECT coalesce(max("
         " CASE json_extract(g.value, '$.marking_ref')"
         "  WHEN 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9' THEN 1"
         "  WHEN 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487' THEN 1"
         "  WHEN 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da' THEN 2"
         "  WHEN 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb' THEN 2"
         "  WHEN 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82' THEN 3"
         "  WHEN 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421' THEN 3"
         "  WHEN 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003' THEN 4"
         "  WHEN 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed' THEN 5"
         "  WHEN 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1' THEN 5"
         "  ELSE 0 END), 0)"
         " FROM json_each(objects.json, '$.granular_markings') AS g))"
         " WHERE instr(json, '\"granular_markings\"') > 0"
         " AND json_type(json, '$.granular_markings') = 'array';",
         NULL},
};

const struct rk_sqlite_component rk_sqlite_core_schema = {
        "core",
        steps,
        sizeof(steps) / sizeof(steps[0]),
};
