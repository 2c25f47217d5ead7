"""sync_links.py - what a partner's sync account meets on this node, over real HTTP:

  - every object page it reads (Get Objects, Get an Object) is in the egress log, the same
    hash-chained log push writes: one entry per object sent, with its id, version and the
    SHA-256 of the bytes sent, one batch ("read:...") per page; the chain verifies. Manifests
    carry no objects and are not logged; an ordinary reader's reads are not logged either;
  - one sharing group per link: `partner add/set` refuses a pull mapping, or a collection its
    sync accounts may write, that leaves more than one group in common with the partner, and
    says what to do; when groups change afterwards, the partner's TLP:AMBER objects posted into
    such a collection are refused with the reason while CLEAR, GREEN and AMBER+STRICT are kept.
"""
import hashlib
import json
import os

from taxii_lib import Node, check, finish, indicator, page_all, post_objects

API = "/api/collections/%s/objects/"


def egress(node):
    return json.loads(node.cli("audit", "egress", "--limit", "0", "--json").stdout)


def setup():
    node = Node(name="jp", org="jp", tls=False)
    for g in ("quad", "jp-asean"):
        node.cli("group", "add", g)
        node.cli("group", "member", "add", g, "jp")
    shared = node.collection("shared", "--group", "quad")
    node.cli("partner", "add", "us", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
             "--group", "quad")
    secrets = {"us": node.user("us-sync", "us", "sync"),
               "alice": node.user("alice", "jp", "reader")}
    node.cli("collection", "grant", "shared", "org:us", "read")
    node.cli("collection", "grant", "shared", "org:jp", "read")
    objs = [indicator(i, tlp) for i, tlp in enumerate(["clear", "green", "amber", "amber",
                                                       "green", "red", "amber+strict"])]
    path = os.path.join(node.dir, "objs.jsonl")
    with open(path, "w") as f:
        for o in objs:
            f.write(json.dumps(o) + "\n")
    node.cli("import", "-c", "shared", "--group", "quad", path)
    return node, shared, secrets, objs


def test_reads_logged(node, shared, secrets, objs):
    us = node.client("us-sync", secrets["us"])
    alice = node.client("alice", secrets["alice"])
    # a reader of this node's organisation: its reads are no egress
    items, pages, _ = page_all(alice, API % shared, limit=2)
    check(len(items) >= 5, "alice reads the collection (%d objects)" % len(items))
    check(egress(node) == [], "an ordinary reader's reads are not in the egress log")

    items, pages, _ = page_all(us, API % shared, limit=2)
    ids = sorted(o["id"] for o in items)
    # what us may be sent: CLEAR, GREEN, AMBER of quad (not RED, not AMBER+STRICT of jp)
    want = sorted(o["id"] for o in objs if o["object_marking_refs"][0] in [
        objs[0]["object_marking_refs"][0], objs[1]["object_marking_refs"][0],
        objs[2]["object_marking_refs"][0]])
    check(ids == want, "us-sync reads what may be sent to us: %s" % ids)
    log = egress(node)
    check(sorted(e["object"] for e in log) == ids,
          "every object us-sync read is in the egress log once: %s" % [e["object"] for e in log])
    check(all(e["partner"] == "us" and e["collection"] == shared for e in log),
          "entries name the partner and the collection: %s" % log[:1])
    check(all(e["batch"].startswith("read:") for e in log), "entries are read batches")
    check(len({e["batch"] for e in log}) == pages,
          "one batch per page (%d pages, %d batches)" % (pages, len({e["batch"] for e in log})))
    check(all(e["version"] == "2021-06-10T12:00:00.000Z" for e in log), "versions recorded")

    # Get an Object: the SHA-256 is of the very bytes sent
    oid = ids[0]
    r = us.get(API % shared + oid + "/")
    check(r.status == 200, "GET object: %d" % r.status)
    prefix, suffix = b'{"objects":[', b']}'
    raw = r.body[len(prefix):-len(suffix)] if r.body.startswith(prefix) else b""
    log2 = egress(node)
    check(len(log2) == len(log) + 1, "Get an Object adds one entry")
    check(log2[-1]["object"] == oid and log2[-1]["sha256"] == hashlib.sha256(raw).hexdigest(),
          "the entry's SHA-256 is of the bytes sent")

    # the manifest carries no objects: audit log only
    r = us.get("/api/collections/%s/manifest/" % shared)
    check(r.status == 200 and len(egress(node)) == len(log2), "manifest reads are not logged")

    p = node.cli("audit", "egress", "--verify", ok=False)
    check(p.returncode == 0 and "chain holds" in p.stdout, "the chain verifies: %s" % p.stdout)


def test_link_checks(node):
    node.cli("partner", "add", "sg", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
             "--group", "jp-asean")
    node.collection("mixed")  # names no group: it takes all of a partner's groups
    node.collection("quad-in", "--group", "quad")
    node.collection("both-in", "--group", "quad", "--group", "jp-asean")

    p = node.cli("partner", "add", "in2", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
                 "--group", "quad", "--group", "jp-asean", "--pull", "THEIRS=mixed", ok=False)
    check(p.returncode != 0 and "collection add" in p.stderr and "--group" in p.stderr,
          "partner add refuses a pull into a collection with no group for a partner in two, "
          "and says what to do: %s" % p.stderr.strip())
    check(node.cli("partner", "show", "in2", ok=False).returncode != 0,
          "nothing of the refused partner was written")
    p = node.cli("partner", "add", "in2", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
                 "--group", "quad", "--group", "jp-asean", "--pull", "THEIRS=both-in", ok=False)
    check(p.returncode != 0, "a collection in both of the partner's groups is refused too")
    p = node.cli("partner", "add", "in2", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
                 "--group", "quad", "--group", "jp-asean", "--pull", "THEIRS=quad-in", ok=False)
    check(p.returncode == 0, "one group in common is accepted: %s" % p.stderr.strip())

    # sg pulls into mixed (one group: fine); putting sg in a second group is then refused
    node.cli("partner", "set", "sg", "--pull", "SG=mixed")
    p = node.cli("partner", "set", "sg", "--group", "quad", ok=False)
    check(p.returncode != 0 and "SG=mixed" in p.stderr,
          "partner set refuses a group that makes an existing pull ambiguous: %s" %
          p.stderr.strip())
    # a write grant counts as a link too (the partner pushes into it through its sync account)
    node.cli("collection", "grant", "both-in", "org:sg", "write")
    p = node.cli("partner", "set", "sg", "--no-pull", "SG=mixed", "--group", "quad", ok=False)
    check(p.returncode != 0 and "both-in" in p.stderr,
          "partner set refuses a group that makes a writable collection ambiguous: %s" %
          p.stderr.strip())


def test_push_into_ambiguous(node):
    """Groups changed behind the check: the sync account's AMBER posts are refused, not widened."""
    node.cli("partner", "add", "vn", "--url", "http://127.0.0.1:9/taxii2/", "--insecure-http",
             "--group", "jp-asean")
    coll = node.collection("vn-in", "--group", "quad", "--group", "jp-asean")
    node.cli("collection", "grant", "vn-in", "org:vn", "read,write")
    secret = node.user("vn-sync", "vn", "sync")
    check(node.cli("partner", "refused", "vn").stdout.strip() ==
          "partner vn: nothing refused in either direction", "no refusals yet, and it says so")
    node.cli("group", "member", "add", "quad", "vn")  # now vn is in both: the link is ambiguous
    sg = node.client("vn-sync", secret)
    objs = [indicator(100 + i, tlp) for i, tlp in enumerate(["clear", "green", "amber",
                                                             "amber+strict"])]
    st = post_objects(sg, coll, objs) or {}
    check(st.get("success_count") == 3 and st.get("failure_count") == 1,
          "CLEAR, GREEN, AMBER+STRICT kept, AMBER refused: %s" % st)
    fails = st.get("failures") or [{}]
    check(fails[0].get("id") == objs[2]["id"] and
          "more than one sharing group" in fails[0].get("message", ""),
          "the refusal names the AMBER object and the reason: %s" % fails)
    listed = node.cli("partner", "refused", "vn").stdout
    check(objs[2]["id"] in listed and "nothing refused" not in listed,
          "partner refused lists the AMBER object: %s" % listed)


def main():
    node, shared, secrets, objs = setup()
    try:
        node.start()
        test_reads_logged(node, shared, secrets, objs)
        test_push_into_ambiguous(node)
        check(node.stop() == 0, "the server exits cleanly")
        test_link_checks(node)
    finally:
        node.cleanup()
    finish("sync_links")


if __name__ == "__main__":
    main()
