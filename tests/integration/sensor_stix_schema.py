#!/usr/bin/python3
"""Validate every object of a STIX 2.1 bundle against the official OASIS JSON schemas.

usage: sensor_stix_schema.py SCHEMA_DIR BUNDLE.json

SCHEMA_DIR is cti-stix2-json-schemas/schemas (common/, sdos/, sros/, observables/). Objects of
a type the schemas do not know (new SDOs defined by an extension-definition) are checked
against common/core.json, and must carry an extension of extension_type "new-sdo". Exits 1
with one line per violation.
"""
import json
import os
import sys

import jsonschema


def load_store(root):
    store = {}
    by_path = {}
    for sub in ("common", "sdos", "sros", "observables"):
        for name in os.listdir(os.path.join(root, sub)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(root, sub, name)
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
            store[schema["$id"]] = schema
            by_path[(sub, name[:-5])] = schema
    return store, by_path


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    store, by_path = load_store(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        bundle = json.load(f)
    bad = 0
    checked = {}

    def check(obj, schema, what):
        nonlocal bad
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
        cls = jsonschema.validators.validator_for(schema)
        for err in cls(schema, resolver=resolver).iter_errors(obj):
            bad += 1
            print(f"{what} {obj.get('id')}: {err.message} at {list(err.absolute_path)}")

    # The bundle schema's list of object schemas lacks extension-definition, note, grouping,
    # location and opinion, and its custom-object branch rejects objects that are valid under
    # both core and cyber-observable-core: check the envelope here and every object against its
    # own schema below.
    envelope = dict(bundle)
    envelope["objects"] = [{"type": "x-placeholder", "id": "x-placeholder--" +
                            "00000000-0000-4000-8000-000000000000"}]
    check(envelope, by_path[("common", "bundle")], "bundle")
    for obj in bundle["objects"]:
        t = obj["type"]
        schema = None
        for sub in ("sdos", "sros", "observables", "common"):
            schema = by_path.get((sub, t)) or schema
        if schema is None:
            schema = by_path[("common", "core")]
            exts = obj.get("extensions", {})
            if not any(v.get("extension_type") == "new-sdo" for v in exts.values()):
                bad += 1
                print(f"{t} {obj['id']}: unknown type without a new-sdo extension")
        check(obj, schema, t)
        checked[t] = checked.get(t, 0) + 1
    print("checked " + ", ".join(f"{k} {v}" for k, v in sorted(checked.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
