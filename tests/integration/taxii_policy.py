"""taxii_policy.py - the full TLP x reader matrix over real HTTP, for every read path: every
marking (clear, green, amber, amber+strict, red, unmarked) against every relation of reader to
object (named reader, same organisation, same sharing group, other group, other organisation,
anonymous), through Get Objects, Get an Object, Get Object Versions and Get Object Manifests.

The expected matrix is DESIGN.md's sharing table written out by hand, and it is checked to be
what rk_policy_may_read says (tests/tools/policy_expect) before the HTTP paths are compared to
it, so the store's SQL filter, the paging state and the per-object rules all agree. Counts,
"more", "next" and the date headers are checked never to reveal an invisible object."""
import datetime
import os
import re
import subprocess

from taxii_lib import (TLP_IDS, TOOLS, Node, check, finish, indicator, page_all, post_objects,
                       sco)

MARKINGS = ["clear", "green", "amber", "amber+strict", "red", None]
READERS = {  # name: (authenticated, org, groups)
    "alice": (1, "org-a", "quad"),   # the poster: named reader of what she posts
    "amy": (1, "org-a", "quad"),     # same organisation as the owner
    "bob": (1, "org-b", "quad"),     # same sharing group
    "carol": (1, "org-c", "asean"),  # another group
    "dave": (1, "org-d", "-"),       # another organisation, no group
    "anonymous": (0, "-", "-"),
}
# DESIGN.md: who may read on this node (unmarked counts as the default, AMBER)
DESIGN = {
    "clear": {"alice", "amy", "bob", "carol", "dave", "anonymous"},
    "green": {"alice", "amy", "bob", "carol", "dave"},
    "amber": {"alice", "amy", "bob"},
    "amber+strict": {"alice", "amy"},
    "red": {"alice"},
    None: {"alice", "amy", "bob"},
}


def policy_says():
    """rk_policy_may_read for every (marking, reader)."""
    lines, keys = [], []
    for m in MARKINGS:
        for name, (auth, org, groups) in READERS.items():
            lines.append("amber %s org-a quad alice %d %s %s %s" % (
                m or "none", auth, name if auth else "-", org, groups))
            keys.append((m, name))
    out = subprocess.run([os.path.join(TOOLS, "policy_expect")], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout.split()
    return {k: v == "1" for k, v in zip(keys, out)}


def setup(node):
    cli = node.cli
    for org in ("org-b", "org-c", "org-d"):
        cli("org", "add", org)
    cli("group", "add", "quad")
    cli("group", "add", "asean")
    for g, o in (("quad", "org-a"), ("quad", "org-b"), ("asean", "org-c")):
        cli("group", "member", "add", g, o)
    secrets = {"alice": node.user("alice", "org-a", "writer")}
    for name in ("amy", "bob", "carol", "dave"):
        secrets[name] = node.user(name, READERS[name][1], "reader")
    node.collection("matrix", "--read", "public", "--read", "authenticated", "--write",
                    "org:org-a", "--group", "quad")
    node.collection("strict", "--read", "authenticated", "--write", "org:org-a",
                    "--unmarked", "reject")
    node.collection("greenish", "--read", "authenticated", "--write", "org:org-a",
                    "--unmarked", "green")
    secrets["wes"] = node.user("wes", "org-c", "writer")
    secrets["syncb"] = node.user("syncb", "org-b", "sync")  # a partner's account
    node.collection("claims", "--read", "authenticated", "--write", "authenticated")
    secrets["badmin"] = node.user("badmin", "org-b", "admin")
    node.collection("shared", "--read", "authenticated", "--write", "org:org-a", "--write",
                    "org:org-c")
    return secrets


def post_matrix(alice):
    """Two versions of one object per marking, posted one envelope at a time, so each has its
    own date_added; the most restricted come last, so "more" would leak them if it could."""
    objs = {}
    for n, m in enumerate(MARKINGS):
        v1 = indicator(n, tlp=m, modified="2021-06-10T12:00:00.000Z")
        v2 = dict(v1, modified="2021-06-11T12:00:00.000Z")
        post_objects(alice, "matrix", [v1])
        post_objects(alice, "matrix", [v2])
        objs[m] = v1["id"]
    return objs


def check_reader(name, client, objs, visible, added):
    base = "/api/collections/matrix/"
    want = {objs[m] for m in MARKINGS if visible[m]}
    # Get Objects, one object per page: pages, next and headers only ever show visible ones
    items, pages, _ = page_all(client, base + "objects/", limit=1)
    got = [o["id"] for o in items]
    check(set(got) == want and len(got) == len(want),
          "%s: objects %r, expected %r" % (name, sorted(got), sorted(want)))
    check(pages == max(1, len(want)), "%s: %d pages for %d visible objects" % (name, pages,
                                                                                len(want)))
    r = client.get(base + "objects/?limit=%d" % max(1, len(want)))
    d = r.json() or {}
    check("more" not in d, "%s: no 'more' after the last visible object" % name)
    if want:
        last_visible = max(added[i] for i in want)
        check(r.header("X-TAXII-Date-Added-Last") == last_visible,
              "%s: X-TAXII-Date-Added-Last is the last visible object's" % name)
    items, _, _ = page_all(client, base + "objects/", params="match[version]=all", limit=1)
    check(len(items) == 2 * len(want), "%s: all versions of visible objects only" % name)
    # Get Object Manifests
    items, _, _ = page_all(client, base + "manifest/", params="match[version]=all", limit=1,
                           use_next=False)
    check({x["id"] for x in items} == want and len(items) == 2 * len(want),
          "%s: manifest" % name)
    # Get an Object and Get Object Versions
    for m in MARKINGS:
        oid = objs[m]
        r = client.get(base + "objects/%s/" % oid)
        v = client.get(base + "objects/%s/versions/" % oid)
        if visible[m]:
            check(r.status == 200 and r.json()["objects"][0]["id"] == oid,
                  "%s may get the %s object" % (name, m))
            check(v.status == 200 and len(v.json()["versions"]) == 2,
                  "%s may list versions of the %s object" % (name, m))
        else:
            check(r.status == 404 and v.status == 404,
                  "%s gets 404 for the %s object (%d, %d)" % (name, m, r.status, v.status))
    # match[id] on a hidden object yields an empty envelope, as for one that does not exist
    hidden = [objs[m] for m in MARKINGS if not visible[m]]
    if hidden:
        r = client.get(base + "objects/?match[id]=%s" % ",".join(hidden))
        check(r.status == 200 and r.json() == {}, "%s: match[id] of hidden objects: {}" % name)


def test_unmarked_rules(c):
    st = post_objects(c["alice"], "strict", [indicator(50), indicator(51, tlp="green")])
    check(st["success_count"] == 1 and st["failure_count"] == 1 and
          "TLP marking" in st["failures"][0]["message"],
          "--unmarked reject refuses unmarked objects: %r" % st)
    o = indicator(52)
    post_objects(c["alice"], "greenish", [o])
    r = c["dave"].get("/api/collections/greenish/objects/%s/" % o["id"])
    check(r.status == 200, "--unmarked green: an unmarked object counts as GREEN for others")
    r = c["dave"].get("/api/collections/matrix/objects/%s/" % o["id"])
    check(r.status == 404, "objects are not visible through another collection")


def test_unmarked_duplicates(node, c):
    """5.5: re-posting an exact duplicate of a stored object is never a failure, also when the
    collection rejects unmarked objects and the stored one is unmarked (stored before the rule,
    here). An unmarked object that is not an exact duplicate is still refused, and so is an
    exact duplicate of an object the poster may not read (as if it were not there)."""
    u = indicator(80)
    ip = sco("192.0.2.80")
    st = post_objects(c["alice"], "shared", [u, ip])
    check(st["success_count"] == 2, "unmarked objects stored while the rule is 'node': %r" % st)
    node.cli("collection", "sharing", "shared", "--unmarked", "reject")
    try:
        st = post_objects(c["alice"], "shared", [u, ip])
        ok = st.get("successes") or []
        check(st["success_count"] == 2 and st["failure_count"] == 0,
              "exact duplicates of stored unmarked objects are successes: %r" % st)
        man = c["alice"].get("/api/collections/shared/manifest/?match[id]=%s" % ip["id"]).json()
        added = man["objects"][0]["date_added"]
        check([x.get("version") for x in ok] == [u["modified"], added],
              "their versions: modified, and the SCO's date_added as in the manifest: %r" % ok)
        changed = dict(u, name="same id and version, other content")
        st = post_objects(c["alice"], "shared", [changed, indicator(81)])
        check(st["success_count"] == 0 and st["failure_count"] == 2 and
              all("TLP marking" in x["message"] for x in st.get("failures", [])),
              "unmarked objects that are not exact duplicates are refused: %r" % st)
        st = post_objects(c["wes"], "shared", [u])
        check(st["success_count"] == 0 and "TLP marking" in st["failures"][0]["message"],
              "an exact duplicate of an object the poster may not read is refused like any "
              "unmarked object: %r" % st)
        r = c["alice"].get("/api/collections/shared/objects/%s/?match[version]=all" % u["id"])
        check(r.status == 200 and [x["name"] for x in r.json()["objects"]] == [u["name"]],
              "nothing new was stored")
    finally:
        node.cli("collection", "sharing", "shared", "--unmarked", "node")


def test_conflicts_reveal_nothing(node, c):
    """A writer who posts the id and version of an object it may not read gets a success, as
    for a new object, not a conflict that would tell it the object exists; the stored copy is
    kept and the conflict recorded for the operators. A conflict with an object the writer may
    read is reported."""
    red, green = indicator(70, tlp="red"), indicator(71, tlp="green")
    post_objects(c["alice"], "shared", [red, green])
    red2 = dict(red, name="a guess at the red object")
    green2 = dict(green, name="other content, same id and version")
    st = post_objects(c["wes"], "shared", [red2, green2])
    check(st["success_count"] == 1 and [x["id"] for x in st.get("successes", [])] == [red["id"]],
          "a conflict with a hidden object is reported as a success: %r" % st)
    f = (st.get("failures") or [{}])[0]
    check(st["failure_count"] == 1 and f.get("id") == green["id"] and
          "id and version" in f.get("message", ""),
          "a conflict with a visible object is reported: %r" % st)
    r = c["alice"].get("/api/collections/shared/objects/%s/" % red["id"])
    check(r.status == 200 and r.json()["objects"][0]["name"] == red["name"],
          "the stored red object is kept")
    check(c["wes"].get("/api/collections/shared/objects/%s/" % red["id"]).status == 404,
          "the writer still cannot read the red object")
    out = node.cli("stats", "--conflicts").stdout
    check(red["id"] in out and green["id"] in out, "both conflicts are recorded: %r" % out)
    # an SCO names its version by date_added; that of a row the poster may not read is not told
    ip = dict(sco("192.0.2.71"), object_marking_refs=[TLP_IDS["red"]])
    mine = post_objects(c["alice"], "shared", [ip])["successes"][0]["version"]
    st = post_objects(c["wes"], "shared", [ip])
    theirs = (st.get("successes") or [{}])[0].get("version", "")
    check(st["success_count"] == 1 and re.match(r"^\d{4}-\d\d-\d\dT.*Z$", theirs) and
          theirs != mine, "a hidden SCO's date_added is not told to another poster: %r %r" %
          (mine, theirs))
    # ... and the stand-in takes its place in the batch's sequence: new rows take consecutive
    # microseconds, so a value out of sequence would tell the hidden one from the new ones
    batch = [sco("192.0.2.81"), ip, sco("192.0.2.82"), sco("192.0.2.83")]
    st = post_objects(c["wes"], "shared", batch)
    told = [x["version"] for x in st.get("successes", [])]
    us = [round(datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1e6)
          for v in told]
    check(len(told) == 4 and [b - a for a, b in zip(us, us[1:])] == [1, 1, 1],
          "a hidden SCO's stand-in is in sequence with the new ones: %r" % told)


def test_page_cache(node, c, objs):
    """A page asked for again comes from the page cache, and never once the objects or the
    access rights have changed: the same request then sees the new state at once."""
    path = "/api/collections/matrix/objects/?limit=1000"
    first = c["bob"].get(path)
    again = c["bob"].get(path)
    check(first.status == 200 and again.status == 200 and again.body == first.body and
          again.header("X-TAXII-Date-Added-Last") == first.header("X-TAXII-Date-Added-Last"),
          "a page asked for again is the same page")
    before = [x["id"] for x in first.json()["objects"]]
    o = indicator(60, tlp="green")
    post_objects(c["alice"], "matrix", [o])
    after = [x["id"] for x in c["bob"].get(path).json()["objects"]]
    check(after == before + [o["id"]], "after a write the same request shows the new object")
    check(objs["amber"] in after, "bob sees AMBER objects of his group")
    node.cli("group", "member", "remove", "quad", "org-b")
    r = c["bob"].get(path).json() or {}
    left = [x["id"] for x in r.get("objects", [])]
    check(objs["amber"] not in left and objs[None] not in left and objs["green"] in left,
          "once org-b leaves quad the same request hides quad's AMBER objects: %r" % left)
    node.cli("group", "member", "add", "quad", "org-b")
    back = [x["id"] for x in c["bob"].get(path).json()["objects"]]
    check(back == after, "back in the group, the page is as before")
    # another reader asking the same URL gets its own page, not bob's
    dave = [x["id"] for x in c["dave"].get(path).json()["objects"]]
    check(objs["amber"] not in dave and o["id"] in dave, "dave's page of the same URL is his own")


def node_identity(node):
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(node.data, "renkei.db"), uri=True)
    try:
        return con.execute("SELECT value FROM settings WHERE key = 'node.identity'").fetchone()[0]
    finally:
        con.close()


def test_claims_reveal_nothing(node, c):
    """A partner posting an object that claims this node made it (created_by_ref) is accepted
    only for a version the node holds and shows to that partner: a version hidden from it (here
    TLP:RED) is refused exactly as a version the node never made, so claims cannot probe."""
    nid = node_identity(node)
    green = dict(indicator(950, tlp="green", modified="2021-06-10T12:00:00.000Z"),
                 created_by_ref=nid)
    red = dict(green, modified="2021-06-11T12:00:00.000Z",
               object_marking_refs=[TLP_IDS["red"]])
    post_objects(c["alice"], "claims", [green, red])  # the node's own, as a local user posts
    claims = [dict(green, modified=m) for m in
              ("2021-06-10T12:00:00.000Z", "2021-06-11T12:00:00.000Z",
               "2021-06-12T12:00:00.000Z")]
    st = post_objects(c["syncb"], "claims", claims)
    ok = {s["version"] for s in st.get("successes", [])}
    failed = {f["version"]: f["message"] for f in st.get("failures", [])}
    check(ok == {"2021-06-10T12:00:00.000Z"},
          "the partner's claim to the version it may see is accepted: %r" % st)
    check(set(failed) == {"2021-06-11T12:00:00.000Z", "2021-06-12T12:00:00.000Z"} and
          failed["2021-06-11T12:00:00.000Z"] == failed["2021-06-12T12:00:00.000Z"],
          "a hidden version and one never made are refused alike: %r" % failed)


def test_hidden_latest_version(c):
    """A reader who may not see an object's latest version gets the latest it may see: the
    object does not vanish from its feed (which would tell it a hidden version exists)."""
    v1 = indicator(960, tlp="green", modified="2021-06-10T12:00:00.000Z")
    v2 = dict(v1, modified="2021-06-11T12:00:00.000Z", object_marking_refs=[TLP_IDS["red"]])
    post_objects(c["alice"], "matrix", [v1])
    post_objects(c["alice"], "matrix", [v2])
    base = "/api/collections/matrix/"
    r = c["bob"].get(base + "objects/%s/" % v1["id"])
    got = [o["modified"] for o in (r.json() or {}).get("objects", [])]
    check(r.status == 200 and got == [v1["modified"]],
          "Get an Object gives the latest version the reader may see: %d %r" % (r.status, got))
    r = c["bob"].get(base + "objects/?match[id]=%s" % v1["id"])
    check([o["modified"] for o in (r.json() or {}).get("objects", [])] == [v1["modified"]],
          "Get Objects too")
    r = c["bob"].get(base + "manifest/?match[id]=%s" % v1["id"])
    check([m["version"] for m in (r.json() or {}).get("objects", [])] == [v1["modified"]],
          "and the manifest")
    r = c["alice"].get(base + "objects/%s/" % v1["id"])
    check([o["modified"] for o in r.json()["objects"]] == [v2["modified"]],
          "the named reader gets the latest version")


def test_admins_delete_their_own(c):
    """An administrator of another organisation than the node's deletes only what its
    organisation owns; the node's own administrators (tests/integration/taxii_api.py) delete
    anything they may see."""
    theirs = indicator(970, tlp="green")
    mine = indicator(971, tlp="green")
    post_objects(c["alice"], "claims", [theirs])
    post_objects(c["badmin"], "claims", [mine])
    base = "/api/collections/claims/objects/%s/"
    r = c["badmin"].request("DELETE", base % theirs["id"])
    check(r.status == 404, "another organisation's object is not deleted (%d)" % r.status)
    check(c["alice"].get(base % theirs["id"]).status == 200, "and is still there")
    r = c["badmin"].request("DELETE", base % mine["id"])
    check(r.status == 200, "its own organisation's object is deleted (%d)" % r.status)
    check(c["alice"].get(base % mine["id"]).status == 404, "and is gone")


def test_versions_by_their_creator(c):
    """Only an object's creator publishes new versions of it (STIX 2.1 section 3.6): another
    organisation's new version of an object it sees is refused; a re-post of a stored version
    stays a duplicate; versions it may not see do not count (nothing about them is told); the
    node's own organisation may version anything."""
    base = "/api/collections/claims/objects/%s/versions/"
    x1 = indicator(980, tlp="green", modified="2021-06-10T12:00:00.000Z")
    x2 = dict(x1, modified="2021-06-11T12:00:00.000Z")
    x3 = dict(x1, modified="2021-06-12T12:00:00.000Z")
    y1 = indicator(981, tlp="red", modified="2021-06-10T12:00:00.000Z")
    y2 = dict(y1, modified="2021-06-11T12:00:00.000Z", object_marking_refs=[TLP_IDS["green"]])
    post_objects(c["wes"], "claims", [x1, y1])
    st = post_objects(c["badmin"], "claims", [x2, x1, y2])
    failed = {f["version"]: f["message"] for f in st.get("failures", [])}
    ok = [s["version"] for s in st.get("successes", [])]
    check(list(failed) == [x2["modified"]] and "creator" in failed[x2["modified"]],
          "another organisation's new version is refused, saying why: %r" % st)
    check(ok == [x1["modified"], y2["modified"]],
          "a duplicate, and a version of an object whose versions it cannot see, pass: %r" % st)
    check(post_objects(c["wes"], "claims", [x2]).get("success_count") == 1,
          "the creator's organisation publishes the new version")
    check(post_objects(c["alice"], "claims", [x3]).get("success_count") == 1,
          "the node's own organisation may version anything")
    got = [v for v in (c["wes"].get(base % x1["id"]).json() or {}).get("versions", [])]
    check(sorted(got) == [x1["modified"], x2["modified"], x3["modified"]],
          "the versions stored are the creator's and the node's: %r" % got)


def test_granular_markings(c):
    """A TLP in granular_markings marks the whole object: a CLEAR indicator whose description
    is marked RED is served only to RED's readers (the poster), never to anyone else."""
    base = "/api/collections/matrix/objects/"
    clear = indicator(900, tlp="clear")
    red_part = dict(indicator(901, tlp="clear"), description="red only",
                    granular_markings=[{"marking_ref": TLP_IDS["red"],
                                        "selectors": ["description"]}])
    post_objects(c["alice"], "matrix", [clear, red_part])
    check(c["anonymous"].get(base + clear["id"] + "/").status == 200,
          "anonymous reads the CLEAR control object")
    for name in ("anonymous", "amy", "bob", "dave"):
        r = c[name].get(base + red_part["id"] + "/")
        check(r.status == 404 and b"red only" not in (r.body or b""),
              "%s does not get a CLEAR object with a RED description (%d)" % (name, r.status))
    r = c["alice"].get(base + red_part["id"] + "/")
    check(r.status == 200 and r.json()["objects"][0]["description"] == "red only",
          "the poster, RED's named reader, gets it")


def main():
    node = Node()
    try:
        secrets = setup(node)
        node.start()
        c = {n: node.client(n, s) for n, s in secrets.items()}
        c["anonymous"] = node.client()
        expected = policy_says()
        for m in MARKINGS:
            for name in READERS:
                check(expected[(m, name)] == (name in DESIGN[m]),
                      "rk_policy_may_read(%s, %s) matches DESIGN.md" % (m, name))
        objs = post_matrix(c["alice"])
        man = c["alice"].get("/api/collections/matrix/manifest/?limit=100").json()["objects"]
        added = {}
        for rec in man:
            added[rec["id"]] = rec["date_added"]
        check(len(added) == len(MARKINGS), "the poster sees every object it posted")
        for name in READERS:
            visible = {m: expected[(m, name)] for m in MARKINGS}
            check_reader(name, c[name], objs, visible, added)
        test_unmarked_rules(c)
        test_unmarked_duplicates(node, c)
        test_conflicts_reveal_nothing(node, c)
        test_granular_markings(c)
        test_hidden_latest_version(c)
        test_admins_delete_their_own(c)
        test_versions_by_their_creator(c)
        test_claims_reveal_nothing(node, c)
        test_page_cache(node, c, objs)
        check(node.stop() == 0, "the server stops cleanly")
        m = re.search(r"page cache: (\d+) hits, (\d+) misses", node.stderr)
        check(m and int(m.group(1)) > 0 and int(m.group(2)) > 0,
              "the server reports page cache hits and misses: %r" % node.stderr[-300:])
    finally:
        node.cleanup()
    finish("taxii_policy")


if __name__ == "__main__":
    main()
