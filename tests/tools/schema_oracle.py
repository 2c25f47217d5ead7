#!/usr/bin/python3
"""schema_oracle.py - the official STIX 2.1 JSON schemas' verdict per object.

Used by tests/integration/stix_schema_agreement.sh to cross-check renkei's validator against
the OASIS cti-stix2-json-schemas (draft 2020-12), with every $ref resolved locally from the
schema directory (no network access).

    schema_oracle.py extract CORPUS_DIR OUT.jsonl OUT.labels
        Write every STIX object of the shared corpus (ATT&CK bundles, OASIS examples, the
        spec's examples, common objects, markings, extensions, the TAXII test data) as one
        compact JSON line of OUT.jsonl, and one label line per object in OUT.labels:
        "<file>#<index>\t<ellipsis_removed 0|1>".  STIX 2.0 bundles are not extracted: the
        schemas describe 2.1 only.

    schema_oracle.py check SCHEMA_DIR OBJECTS.jsonl
        Print "<line>\tvalid" or "<line>\tinvalid\t<first error>" for each line (from 0).

Which schema applies: the one named after the object's "type" (sdos/, sros/, observables/,
common/); for a type the schemas do not define (custom objects and extension-defined
objects), common/core.json when the object has "created" (an SDO/SRO-like object) and
common/cyber-observable-core.json otherwise, as the schemas' own README suggests.
"""
import glob
import json
import os
import sys

import jsonschema

SKIP_FILES = ("schema",)  # JSON schema documents in the corpus are not STIX content


def corpus_files(corpus):
    stix = os.path.join(corpus, "stix")
    pats = ["attack/*-attack-*.json", "examples/**/*.json", "common-objects/*.json",
            "markings/**/*.json", "extensions/*.json", "taxii/medallion-default_data.json"]
    for pat in pats:
        for path in sorted(glob.glob(os.path.join(stix, pat), recursive=True)):
            if any(s in os.path.basename(path) for s in SKIP_FILES):
                continue
            yield os.path.relpath(path, stix), path


def objects_of(rel, doc):
    """Yield (index, object, ellipsis_removed) for one corpus document."""
    if rel.startswith("taxii/"):
        for api in sorted(k for k in doc if not k.startswith("/")):
            for coll in doc[api].get("collections", []):
                for o in coll.get("objects", []):
                    yield o, False
        return
    if isinstance(doc, list):
        for e in doc:
            if isinstance(e, dict) and "spec_line" in e and "object" in e:
                yield e["object"], bool(e.get("ellipsis_removed"))
            else:
                yield e, False
    elif isinstance(doc, dict) and isinstance(doc.get("objects"), list):
        for o in doc["objects"]:
            yield o, False
    else:
        yield doc, False


def extract(corpus, out_jsonl, out_labels):
    n = 0
    with open(out_jsonl, "w", encoding="utf-8") as oj, open(out_labels, "w") as ol:
        for rel, path in corpus_files(corpus):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            for i, (obj, ellipsis) in enumerate(objects_of(rel, doc)):
                oj.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
                ol.write("%s#%d\t%d\n" % (rel, i, 1 if ellipsis else 0))
                n += 1
    print("extracted %d objects" % n, file=sys.stderr)


def load_store(schema_dir):
    store = {}
    by_type = {}
    for path in glob.glob(os.path.join(schema_dir, "**", "*.json"), recursive=True):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        store[schema["$id"]] = schema
        sub = os.path.basename(os.path.dirname(path))
        name = os.path.splitext(os.path.basename(path))[0]
        if sub in ("sdos", "sros", "observables") or name in (
                "marking-definition", "language-content", "extension-definition", "bundle"):
            by_type[name] = schema
    return store, by_type


def check(schema_dir, objects_path):
    store, by_type = load_store(schema_dir)
    core = next(s for s in store.values() if s["$id"].endswith("/common/core.json"))
    sco_core = next(s for s in store.values()
                    if s["$id"].endswith("/common/cyber-observable-core.json"))
    validators = {}

    def validator_for(schema):
        key = schema["$id"]
        if key not in validators:
            resolver = jsonschema.RefResolver(base_uri=key, referrer=schema, store=store)
            validators[key] = jsonschema.Draft202012Validator(schema, resolver=resolver)
        return validators[key]

    with open(objects_path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
                print("%d\tinvalid\tnot a STIX object with a type" % n)
                continue
            schema = by_type.get(obj["type"])
            if schema is None:
                schema = core if "created" in obj else sco_core
            err = jsonschema.exceptions.best_match(validator_for(schema).iter_errors(obj))
            if err is None:
                print("%d\tvalid" % n)
            else:
                where = "/".join(str(p) for p in err.absolute_path)
                msg = err.message.replace("\n", " ").replace("\t", " ")[:200]
                print("%d\tinvalid\t%s: %s" % (n, where, msg))


def main(argv):
    if len(argv) == 5 and argv[1] == "extract":
        extract(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "check":
        check(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
