#!/usr/bin/python3
"""Import every STIX object of ../shared/corpus/stix into a fresh node, export it back, and
check, independently of renkei's own code:

- every exported object is JSON-equal to the first copy of that id+version in the input
  (STIX 2.0 input: equal after the documented upgrade, compared property by property);
- the counts per type of the export equal the counts computed here from the input files
  (distinct id+version of accepted objects);
- the conflicts renkei reports equal the id+versions whose later copies differ from the
  first (real case: ATT&CK ICS 17.1 vs 18.1), and the duplicates likewise;
- exactly the objects the official JSON schemas reject are rejected, each with a reason
  (spec excerpts, the TLP 2.0 example with the bad timestamp, ...), except where the spec and
  the schemas disagree (SPEC_STRICTER, SCHEMA_STRICTER): there the spec decides.
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

CORPUS = os.environ["RK_CORPUS"] + "/stix"
RENKEI = os.environ["RENKEI"]

STIX_FILES = [
    "attack/ics-attack-17.1.json", "attack/ics-attack-18.1.json",
    "attack/mobile-attack-17.1.json",
] + sorted(
    os.path.join(d, f)[len(CORPUS) + 1:]
    for sub in ("examples/oasis-cti-documentation", "examples/oasis-json-schemas",
                "examples/oasis-json-schemas/threat-reports", "common-objects", "extensions",
                "markings/tlp1", "markings/tlp2", "stix20")
    for d in [os.path.join(CORPUS, sub)]
    for f in os.listdir(d)
    if f.endswith(".json") and "schema" not in f and os.path.isfile(os.path.join(d, f)))


def objects_of(doc):
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and "objects" in doc and doc.get("type", "bundle") == "bundle":
        return doc["objects"]
    return [doc]


def inputs(tmp):
    """(label, path, objects, is_stix20) for every input, extracting wrapped objects."""
    out = []
    for rel in STIX_FILES:
        doc = json.load(open(os.path.join(CORPUS, rel)))
        out.append((rel, os.path.join(CORPUS, rel), objects_of(doc), rel.startswith("stix20/")))
    spec = json.load(open(os.path.join(CORPUS, "examples/stix21-spec/stix21-spec-examples.json")))
    objs = [e["object"] for e in spec if isinstance(e["object"], dict)]
    path = os.path.join(tmp, "spec-examples.jsonl")
    with open(path, "w") as f:
        for o in objs:
            f.write(json.dumps(o) + "\n")
    out.append(("spec examples", path, objs, False))
    medallion = json.load(open(os.path.join(CORPUS, "taxii/medallion-default_data.json")))
    objs = [o for c in medallion["trustgroup1"]["collections"] for o in c.get("objects", [])]
    path = os.path.join(tmp, "medallion.json")
    json.dump(objs, open(path, "w"))
    out.append(("medallion", path, objs, False))
    return out


def version_of(o):
    return o.get("modified") or o.get("created")


def run(*args, ok=(0,)):
    p = subprocess.run([RENKEI] + list(args), capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit("renkei %s exited %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def parse_rejections(stderr):
    """file -> list of (object index, id, message) from `renkei import` error lines."""
    rej = collections.defaultdict(list)
    pat = re.compile(r"^(.*?): object (\d+) \(byte \d+\)( \S+)?(?: at \S+)?: (?!warning: )(.*)$")
    for line in stderr.splitlines():
        m = pat.match(line)
        if m:
            rej[m.group(1)].append((int(m.group(2)), m.group(3), m.group(4)))
    return rej


# Where the specification and the official schemas disagree (tests/integration/
# stix_schema_agreement.sh explains each): the spec wins.
SPEC_STRICTER = {"marking-definition--62fd3f9b-15f3-4ebc-802c-91fce9536bcf"}  # sections 3.2, 7.2.1
SCHEMA_STRICTER = {("spec examples", 138)}  # section 7.2.3: lang-only granular marking


def schema_verdicts(ins, tmp):
    """{(label, 1-based index): True when the official JSON schemas accept the object}."""
    keys, path = [], os.path.join(tmp, "oracle-input.jsonl")
    with open(path, "w") as f:
        for label, _, objs, v20 in ins:
            if v20:
                continue  # the schemas describe 2.1; 2.0 input is upgraded, never rejected
            for i, o in enumerate(objs, 1):
                keys.append((label, i))
                f.write(json.dumps(o) + "\n")
    oracle = os.path.join(os.environ["RK_SOURCE_DIR"], "tests/tools/schema_oracle.py")
    p = subprocess.run(["/usr/bin/python3", "-W", "ignore", oracle, "check",
                        CORPUS + "/schemas/schemas", path], capture_output=True, text=True, check=True)
    verdicts = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        verdicts[keys[int(f[0])]] = f[1] == "valid"
    return verdicts


def expected_rejection(verdicts, label, i, obj):
    """Why an input object must be rejected, or None when it must be stored."""
    if obj.get("id") in SPEC_STRICTER:
        return "spec stricter than the schemas"
    if (label, i) in SCHEMA_STRICTER:
        return None
    if verdicts.get((label, i), True) is False:
        return "the official schemas reject it"
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="renkei-corpus-")
    node = os.path.join(tmp, "node")
    run("--data", node, "init", "--name", "corpus-test")
    ins = inputs(tmp)
    # 2.1 input with --reject-stix20 (an object without spec_version in a 2.1 file is then an
    # error, as the schemas say); the real STIX 2.0 bundles with the documented upgrade.
    rejected, totals = {}, [0, 0, 0, 0]
    for v20 in (False, True):
        paths = [path for _, path, _, is20 in ins if is20 == v20]
        p = run("--data", node, "import", *([] if v20 else ["--reject-stix20"]), *paths,
                ok=(0, 1))
        rejected.update(parse_rejections(p.stderr))
        summary = re.search(r"(\d+) stored, (\d+) duplicate, (\d+) conflict, (\d+) rejected",
                            p.stdout)
        assert summary, "no import summary in: " + p.stdout
        totals = [a + int(b) for a, b in zip(totals, summary.groups())]
    stored, dups, conflicts, n_rejected = totals
    verdicts = schema_verdicts(ins, tmp)

    # Expected store contents, computed from the inputs and the rejection list.
    first = {}
    exp_dups = exp_conflicts = 0
    rejected_ids = set()
    for label, path, objs, v20 in ins:
        bad = {}
        for idx, _, msg in rejected.get(path, []):
            bad[idx] = bad.get(idx, "") + msg + "; "
        for i, o in enumerate(objs, 1):
            reason = expected_rejection(verdicts, label, i, o)
            if i in bad:
                assert reason, "%s object %d (%s) was rejected unexpectedly: %s" % (
                    label, i, o.get("id"), bad[i])
                assert bad[i].strip(), "%s object %d rejected without a reason" % (label, i)
                rejected_ids.add(o.get("id"))
                continue
            assert not reason, "%s object %d (%s) was stored, but %s" % (label, i, o.get("id"), reason)
            key = (o["id"], version_of(o))
            if key not in first:
                first[key] = (o, v20, label)
            elif first[key][0] == o:
                exp_dups += 1
            else:
                exp_conflicts += 1
    n_bad = sum(len({idx for idx, _, _ in v}) for v in rejected.values())
    assert n_bad == n_rejected, "rejections printed %d, summary says %d" % (n_bad, n_rejected)
    assert exp_conflicts == conflicts, "conflicts: expected %d, renkei %d" % (exp_conflicts, conflicts)
    assert exp_dups == dups, "duplicates: expected %d, renkei %d" % (exp_dups, dups)
    # the node's own identity object is stored at init, in addition to the corpus
    assert stored == len(first), "stored: expected %d, renkei %d" % (len(first), stored)

    exp = run("--data", node, "export", "--all-versions", "--format", "ndjson").stdout
    exported = [json.loads(l) for l in exp.splitlines() if l.strip()]
    exported = [o for o in exported if not (o["type"] == "identity" and o.get("name") == "corpus-test")]
    got = {(o["id"], version_of(o)): o for o in exported}
    assert len(got) == len(exported), "the export holds duplicate id+versions"
    assert set(got) == set(first), "export differs: missing %s, extra %s" % (
        list(set(first) - set(got))[:5], list(set(got) - set(first))[:5])
    for key, (o, v20, label) in first.items():
        if v20:
            for k, v in o.items():  # 2.0 upgrade: every original property survives unchanged
                if k not in ("labels", "spec_version"):
                    assert got[key].get(k) == v, "%s %s: property %s changed by the upgrade" % (label, key, k)
            assert got[key]["spec_version"] == "2.1"
        else:
            assert got[key] == o, "%s: %s came back different" % (label, key)
    by_type_exp = collections.Counter(k[0].split("--")[0] for k in first)
    by_type_got = collections.Counter(o["type"] for o in exported)
    assert by_type_exp == by_type_got, "counts per type differ: %s" % (by_type_exp - by_type_got or by_type_got - by_type_exp)
    print("corpus round trip: %d objects stored, %d duplicates, %d conflicts, %d rejected; "
          "%d types; every object JSON-equal" % (stored, dups, conflicts, n_rejected, len(by_type_got)))


main()
