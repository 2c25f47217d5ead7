"""taxii_api.py - every TAXII 2.1 endpoint and filter over real HTTP, on the reference server's
test data (../shared/corpus/stix/taxii/medallion-default_data.json): discovery, API root,
collections, status, objects with every filter and paging, object, versions, manifest, delete,
content negotiation, rights, error documents and the audit log."""
import http.client
import json
import os
import re
import uuid

from taxii_lib import (CORPUS, TAXII, Node, check, finish, indicator, page_all, post_objects,
                       sco)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def medallion_objects():
    with open(os.path.join(CORPUS, "stix", "taxii", "medallion-default_data.json")) as f:
        data = json.load(f)
    for c in data["trustgroup1"]["collections"]:
        if c["id"] == "91a7b528-80eb-42ed-a74d-c6fbd5a26116":
            return c["objects"]
    raise RuntimeError("the High Value Indicator collection is missing from the corpus")


def is_error_doc(r, status):
    """A TAXII error message whose http_status matches the status line (section 3.6.1)."""
    try:
        doc = r.json()
    except ValueError:
        return False
    return (r.status == status and r.header("Content-Type") == TAXII and
            isinstance(doc.get("title"), str) and doc.get("http_status") == str(status) and
            isinstance(doc.get("description"), str) and doc["description"] != "")


def test_discovery(node, alice):
    anon = node.client()
    for c in (anon, alice):
        r = c.get("/taxii2/")
        d = r.json()
        check(r.status == 200 and r.header("Content-Type") == TAXII, "discovery: 200 taxii")
        check(d.get("title") == "test-node", "discovery title is the node name: %r" % d)
        check(d.get("api_roots") == ["/api/"] and d.get("default") == "/api/",
              "discovery lists the API root as a relative URL: %r" % d)
    r = alice.get("/api/")
    d = r.json()
    check(r.status == 200 and d["versions"] == [TAXII], "api root versions: %r" % d)
    check(isinstance(d.get("max_content_length"), int) and d["max_content_length"] > 0,
          "api root max_content_length")
    check(isinstance(d.get("title"), str), "api root title")
    r = alice.request("HEAD", "/taxii2/")
    check(r.status == 200 and r.body == b"", "HEAD discovery: 200 without a body")


def test_collections(node, c, ids):
    anon, alice, outsider = c["anon"], c["alice"], c["outsider"]
    d = alice.get("/api/collections/").json()
    by_alias = {x.get("alias"): x for x in d.get("collections", [])}
    check(set(by_alias) == {"main", "ro", "wo", "pub"}, "alice's collections: %r" % sorted(by_alias))
    expect = {"main": (True, True), "ro": (True, False), "wo": (False, True), "pub": (True, False)}
    for alias, (r_, w_) in expect.items():
        x = by_alias.get(alias, {})
        check((x.get("can_read"), x.get("can_write")) == (r_, w_),
              "rights on %s: %r" % (alias, x))
        check(x.get("id") == ids[alias] and x.get("media_types") == [
            "application/stix+json;version=2.1"] and x.get("title"), "collection %s: %r" % (alias, x))
    d = anon.get("/api/collections/").json()
    check([x["alias"] for x in d.get("collections", [])] == ["pub"],
          "anonymous sees only the public collection: %r" % d)
    d = outsider.get("/api/collections/").json()
    check([x["alias"] for x in d.get("collections", [])] == ["pub"],
          "another organisation sees only the public collection: %r" % d)
    # rights change while the server runs: the next request sees the change
    node.cli("collection", "revoke", "pub", "public")
    r = anon.get("/api/collections/")
    check(r.status == 200 and r.json() == {}, "no collections: an empty object, not an empty list")
    check(anon.get("/api/collections/pub/objects/").status == 401,
          "a revoked public grant takes effect at once")
    node.cli("collection", "grant", "pub", "public", "read")
    check(len(anon.get("/api/collections/").json().get("collections", [])) == 1,
          "a restored public grant takes effect at once")
    for key in (ids["main"], "main"):
        r = alice.get("/api/collections/%s/" % key)
        check(r.status == 200 and r.json().get("id") == ids["main"], "collection by %s" % key)
    check(is_error_doc(alice.get("/api/collections/nope/"), 404), "unknown collection: 404")
    check(is_error_doc(outsider.get("/api/collections/main/"), 404),
          "a collection without rights: 404 for an authenticated user")
    r = anon.get("/api/collections/main/")
    check(is_error_doc(r, 401) and "Basic" in (r.header("WWW-Authenticate") or ""),
          "a collection without rights: 401 with WWW-Authenticate for anonymous")


def test_add_and_status(node, c, objects):
    alice = c["alice"]
    st = post_objects(alice, "main", objects)
    check(UUID_RE.match(st.get("id", "")) is not None, "status id is a UUID: %r" % st.get("id"))
    check(st.get("status") == "complete" and st.get("pending_count") == 0, "status complete")
    check(st.get("total_count") == len(objects), "total_count %r" % st.get("total_count"))
    check(st.get("success_count") == len(objects) and st.get("failure_count") == 0,
          "all reference objects stored: %r" % st)
    check("failures" not in st and "pendings" not in st, "empty lists are omitted")
    check(all(set(s) == {"id", "version"} for s in st.get("successes", [])), "status-details")
    check(TS_RE.match(st.get("request_timestamp", "")) is not None, "request_timestamp format")
    r = alice.get("/api/status/%s/" % st["id"])
    check(r.status == 200 and r.json() == st, "GET status returns the same status")
    check(is_error_doc(c["reader"].get("/api/status/%s/" % st["id"]), 404),
          "another user's status: 404")
    check(is_error_doc(c["anon"].get("/api/status/%s/" % st["id"]), 401), "status needs auth")
    check(is_error_doc(alice.get("/api/status/%s/" % uuid.uuid4()), 404), "unknown status: 404")
    # the same objects again: duplicates are successes (5.5)
    st2 = post_objects(alice, "main", objects)
    check(st2["success_count"] == len(objects) and st2["failure_count"] == 0,
          "re-posting exact duplicates is not an error: %r" % st2)
    return st


def test_invalid_in_envelope(c):
    alice = c["alice"]
    good1, good2 = indicator(1), indicator(2)
    bad = indicator(3)
    del bad["pattern"]
    conflict = dict(good1, name="other content, same id and version")
    st = post_objects(alice, "main", [good1, bad, good2])
    check(st["total_count"] == 3 and st["success_count"] == 2 and st["failure_count"] == 1,
          "valid objects of an envelope are stored beside an invalid one: %r" % st)
    f = (st.get("failures") or [{}])[0]
    check(f.get("id") == bad["id"] and "pattern" in f.get("message", ""),
          "the failure names the object and says why: %r" % f)
    check(f.get("version") == bad["modified"],
          "a rejected object's failure names its modified as the version (4.3.1): %r" % f)
    created_only = indicator(4)
    del created_only["modified"]
    created_only["created"] = "2021-05-01T00:00:00.000Z"
    st = post_objects(alice, "main", [created_only])
    f = (st.get("failures") or [{}])[0]
    check(st["failure_count"] == 1 and f.get("version") == "2021-05-01T00:00:00.000Z",
          "a rejected object without modified is named by its created: %r" % st)
    odd = indicator(5)
    del odd["pattern"]
    odd["modified"] = 20210610
    st = post_objects(alice, "main", [odd])
    f = (st.get("failures") or [{}])[0]
    check(f.get("version") == odd["created"],
          "a modified that is not a string is passed over for created: %r" % st)
    st = post_objects(alice, "main", [conflict])
    f = (st.get("failures") or [{}])[0]
    check(st["failure_count"] == 1 and "id and version" in f.get("message", ""),
          "same id and version with other content is a failure: %r" % st)
    r = alice.get("/api/collections/main/objects/%s/" % good1["id"])
    check(r.json()["objects"][0]["name"] == good1["name"], "the first copy is kept")
    st = post_objects(alice, "main", [{"type": "indicator"}, 42])
    check(st["failure_count"] == 2 and all(x["id"].startswith(("objects[", "indicator"))
                                           for x in st.get("failures", [])),
          "objects without an id are named by position: %r" % st)
    check(all(x.get("version") == "" for x in st.get("failures", [])),
          "objects without modified or created: the version is empty: %r" % st)


def test_unversioned_status(c):
    """An object without created and modified is named in the status by the same version as
    the manifest and the versions endpoint give it: its date_added."""
    alice = c["alice"]
    o = sco("198.51.100.7")
    st = post_objects(alice, "main", [o])
    v = (st.get("successes") or [{}])[0].get("version", "")
    check(TS_RE.match(v) is not None, "an SCO's success names a timestamp version: %r" % st)
    man = alice.get("/api/collections/main/manifest/?match[id]=%s" % o["id"]).json()
    rec = (man or {}).get("objects", [{}])[0]
    check(rec.get("version") == v and rec.get("date_added") == v,
          "the status and the manifest agree on an SCO's version: %r %r" % (v, rec))
    d = alice.get("/api/collections/main/objects/%s/versions/" % o["id"]).json()
    check(d == {"versions": [v]}, "the versions endpoint agrees: %r" % d)
    st = post_objects(alice, "main", [o])
    check(st["success_count"] == 1 and st["successes"][0]["version"] == v,
          "an exact duplicate of an SCO is named by the stored row's version: %r" % st)


def test_objects_filters(c, objects):
    alice = c["alice"]
    path = "/api/collections/main/objects/"
    hv = [o for o in objects]
    ids = {o["id"] for o in hv}
    r = alice.get(path + "?match[id]=" + ",".join(sorted(ids)))
    d = r.json()
    got = d["objects"]
    check(r.status == 200 and {o["id"] for o in got} == ids, "objects: every id, latest versions")
    check(len(got) == len(ids), "objects: one (the latest) version per id by default")
    ind = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"
    mal = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec"
    latest = {o["id"]: o for o in got}
    check(latest[ind]["modified"] == "2017-01-27T13:49:53.935Z", "latest version of %s" % ind)
    check(latest[mal]["modified"] == "2018-02-23T18:30:00.000Z", "latest version of %s" % mal)
    first = r.header("X-TAXII-Date-Added-First")
    last = r.header("X-TAXII-Date-Added-Last")
    check(TS_RE.match(first or "") and TS_RE.match(last or "") and first <= last,
          "date headers: %r %r" % (first, last))

    def get(q):
        return alice.get(path + "?" + q)

    d = get("match[type]=indicator&match[id]=%s" % ",".join(sorted(ids))).json()
    check(d["objects"] and all(o["type"] == "indicator" for o in d["objects"]), "match[type]")
    d = get("match[type]=indicator,malware&match[id]=%s" % ",".join(sorted(ids))).json()
    check({o["type"] for o in d["objects"]} == {"indicator", "malware"}, "match[type] OR")
    d = get("match[id]=%s&match[version]=all" % ind).json()
    check([o["modified"] for o in d["objects"]] == ["2016-11-03T12:30:59.000Z",
                                                     "2016-12-25T12:30:59.444Z",
                                                     "2017-01-27T13:49:53.935Z"],
          "match[version]=all, in date_added order: %r" % [o["modified"] for o in d["objects"]])
    d = get("match[id]=%s&match[version]=first" % ind).json()
    check([o["modified"] for o in d["objects"]] == ["2016-11-03T12:30:59.000Z"], "first")
    d = get("match[id]=%s&match[version]=first,last" % ind).json()
    check(len(d["objects"]) == 2, "first,last: two versions")
    d = get("match[id]=%s&match[version]=2016-12-25T12:30:59.444Z" % ind).json()
    check([o["modified"] for o in d["objects"]] == ["2016-12-25T12:30:59.444Z"],
          "a specific version")
    d = get("match[id]=%s&match[version]=2000-01-01T00:00:00.000Z" % ind).json()
    check(d == {}, "a version that does not exist: an empty envelope {}")
    d = get("match[id]=%s&match[spec_version]=2.1" % ",".join(sorted(ids))).json()
    check(all(o.get("spec_version") == "2.1" for o in d["objects"]), "match[spec_version]=2.1")
    d = get("match[spec_version]=3.0").json()
    check(d == {}, "match[spec_version] with no such objects: {}")
    # added_after: strictly after the given date_added
    full = get("match[id]=%s&match[version]=all" % ",".join(sorted(ids)))
    allv = full.json()["objects"]
    man = alice.get("/api/collections/main/manifest/?match[id]=%s&match[version]=all" %
                    ",".join(sorted(ids))).json()["objects"]
    check(len(man) == len(allv), "manifest and objects agree on the number of versions")
    d = get("match[id]=%s&match[version]=all&added_after=%s" % (",".join(sorted(ids)),
                                                                man[0]["date_added"])).json()
    check(len(d.get("objects", [])) == len(allv) - 1, "added_after excludes that date_added")
    check(full.header("X-TAXII-Date-Added-First") == man[0]["date_added"] and
          full.header("X-TAXII-Date-Added-Last") == man[-1]["date_added"],
          "date headers are the first and last date_added of the page")


def test_paging(c, objects):
    alice, reader = c["alice"], c["reader"]
    path = "/api/collections/main/objects/"
    q = "match[version]=all&match[type]=indicator,malware,relationship,marking-definition"
    whole = alice.get(path + "?" + q).json()["objects"]
    items, pages, _ = page_all(alice, path, limit=2, params=q)
    check([o["id"] + o.get("modified", "") for o in items] ==
          [o["id"] + o.get("modified", "") for o in whole] and pages == (len(whole) + 1) // 2,
          "paging with next: the same objects in the same order (%d pages)" % pages)
    items2, _, _ = page_all(alice, path, limit=3, use_next=False, params=q)
    check(len(items2) == len(whole), "paging with added_after from X-TAXII-Date-Added-Last")
    r = alice.get(path + "?" + q + "&limit=2")
    d = r.json()
    check(d.get("more") is True and isinstance(d.get("next"), str), "more and next")
    nxt = d["next"]
    r = alice.get(path + "?match[version]=all&limit=2&next=" + nxt)
    check(r.status == 400 and "another query" in r.json()["description"],
          "a next token with other filters: 400")
    r = reader.get(path + "?" + q + "&limit=2&next=" + nxt)
    check(r.status == 400, "another user's next token: 400")
    r = alice.get(path + "?" + q + "&limit=2&next=garbage")
    check(r.status == 400, "a forged next token: 400")
    r = alice.get("/api/collections/ro/objects/?" + q + "&limit=2&next=" + nxt)
    check(r.status == 400, "a next token of another collection: 400")
    r = alice.get(path + "?" + q + "&limit=100000")
    check(r.status == 200 and len(r.json()["objects"]) == len(whole), "a huge limit is capped")
    d = alice.get(path + "?" + q + "&limit=%d" % len(whole)).json()
    check("more" not in d and "next" not in d, "no more when the page holds the rest")


def test_object_versions_manifest(c, objects):
    alice = c["alice"]
    ind = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"
    base = "/api/collections/main/objects/%s/" % ind
    r = alice.get(base)
    d = r.json()
    check(r.status == 200 and len(d["objects"]) == 1 and
          d["objects"][0]["modified"] == "2017-01-27T13:49:53.935Z", "get an object: latest")
    check(r.header("X-TAXII-Date-Added-First") and r.header("X-TAXII-Date-Added-Last"),
          "get an object: date headers")
    d = alice.get(base + "?match[version]=all").json()
    check(len(d["objects"]) == 3, "get an object, all versions")
    d = alice.get(base + "?match[version]=all&limit=1").json()
    check(len(d["objects"]) == 1 and d.get("more") is True and d.get("next"),
          "get an object pages too")
    r = alice.get(base + "versions/")
    d = r.json()
    check(r.status == 200 and d == {"versions": ["2016-11-03T12:30:59.000Z",
                                                 "2016-12-25T12:30:59.444Z",
                                                 "2017-01-27T13:49:53.935Z"]},
          "versions: %r" % d)
    check(r.header("X-TAXII-Date-Added-First") is not None, "versions: date headers")
    d = alice.get(base + "versions/?limit=2").json()
    check(len(d["versions"]) == 2 and d.get("more") is True and d.get("next"),
          "versions paging: more and next")
    d2 = alice.get(base + "versions/?limit=2&next=" + d["next"]).json()
    check(d2 == {"versions": ["2017-01-27T13:49:53.935Z"]}, "versions: the next page")
    missing = "indicator--00000000-0000-4000-8000-000000000000"
    check(alice.get("/api/collections/main/objects/%s/" % missing).status == 404,
          "get an unknown object: 404")
    check(alice.get("/api/collections/main/objects/%s/versions/" % missing).status == 404,
          "versions of an unknown object: 404")
    check(is_error_doc(alice.get("/api/collections/main/objects/not-an-id/"), 400),
          "a malformed object id: 400")
    r = alice.get("/api/collections/main/manifest/?match[id]=%s&match[version]=all" % ind)
    d = r.json()
    check(r.status == 200 and len(d["objects"]) == 3, "manifest: one record per version")
    for rec in d["objects"]:
        check(set(rec) == {"id", "date_added", "version", "media_type"} and
              rec["media_type"] == "application/stix+json;version=2.1" and
              TS_RE.match(rec["date_added"]), "manifest record: %r" % rec)
    d = alice.get("/api/collections/main/manifest/?match[type]=campaign").json()
    check(d == {}, "an empty manifest is {}")
    d = alice.get("/api/collections/main/manifest/?limit=1").json()
    check(d.get("more") is True and d.get("next"), "manifest paging: more and next")
    items, pages, _ = page_all(alice, "/api/collections/main/manifest/", limit=2)
    whole = alice.get("/api/collections/main/manifest/?limit=1000").json()["objects"]
    check(items == whole and pages == (len(whole) + 1) // 2, "manifest paging with next")


def test_delete(c):
    alice, admin = c["alice"], c["admin"]
    obj = indicator(99)
    v2 = dict(obj, modified="2021-06-11T12:00:00.000Z", name="second")
    post_objects(alice, "main", [obj, v2])
    base = "/api/collections/main/objects/%s/" % obj["id"]
    check(is_error_doc(alice.request("DELETE", base), 403), "a writer may not delete")
    check(is_error_doc(c["reader"].request("DELETE", base), 403), "a reader may not delete")
    r = admin.request("DELETE", base + "?match[version]=first")
    check(r.status == 200 and r.header("Content-Type") == TAXII, "delete the first version")
    d = admin.get(base + "versions/").json()
    check(d == {"versions": ["2021-06-11T12:00:00.000Z"]}, "one version left: %r" % d)
    v3 = dict(obj, modified="2021-06-12T12:00:00.000Z", name="third")
    post_objects(alice, "main", [v3])
    t2 = v2["modified"]
    check(admin.get(base + "?match[version]=" + t2).status == 200, "version 2 is there")
    r = admin.request("DELETE", base + "?match[version]=" + t2)
    check(r.status == 200, "delete version 2 by its timestamp")
    r = admin.get(base + "?match[version]=" + t2)
    check(is_error_doc(r, 404) and t2 in r.json()["description"],
          "5.7: a deleted version asked for by Get an Object is 404 naming it (%d %s)" %
          (r.status, r.body[:200]))
    r = admin.get(base + "?match[version]=2021-06-12T12:00:00Z")
    check(r.status == 200 and [o["name"] for o in r.json()["objects"]] == ["third"],
          "a version that is stored, named by the same instant: 200")
    r = admin.get(base + "?match[version]=%s,2021-06-12T12:00:00.000Z" % t2)
    check(r.status == 200 and [o["name"] for o in r.json()["objects"]] == ["third"],
          "one named version deleted, the other stored: 200 with the stored one")
    r = admin.get(base + "?match[version]=2000-01-01T00:00:00.000Z")
    check(is_error_doc(r, 404), "a version that never existed: 404")
    r = admin.get(base + "?match[spec_version]=2.0")
    check(r.status == 200 and r.json() == {},
          "other filters that exclude every version: the empty envelope (5.6)")
    r = admin.get(base + "?match[version]=2021-06-12T12:00:00.000Z&match[spec_version]=2.0")
    check(r.status == 200 and r.json() == {},
          "a stored version excluded by another filter: the empty envelope")
    r = admin.get(base + "versions/?match[spec_version]=2.0")
    check(r.status == 200 and r.json() == {}, "versions: an empty result stays {}")
    r = admin.get(base + "versions/?match[version]=" + t2)
    check(r.status == 200 and r.json() == {"versions": ["2021-06-12T12:00:00.000Z"]},
          "versions: match[version] is no filter of that endpoint")
    r = admin.get("/api/collections/main/objects/?match[id]=%s&match[version]=%s" % (obj["id"], t2))
    check(r.status == 200 and r.json() == {}, "Get Objects with a deleted version: {}")
    r = admin.request("DELETE", base)
    check(r.status == 200, "delete the object")
    check(admin.get(base).status == 404, "a deleted object: 404")
    d = admin.get("/api/collections/main/manifest/?match[id]=%s" % obj["id"]).json()
    check(d == {}, "a deleted object is not in the manifest")
    check(admin.request("DELETE", base).status == 404, "deleting it again: 404")


def test_rights(c):
    alice, reader = c["alice"], c["reader"]
    r = reader.post("/api/collections/main/objects/", {"objects": [indicator(5)]})
    check(is_error_doc(r, 403), "the reader role cannot post")
    check(is_error_doc(alice.post("/api/collections/ro/objects/", {"objects": [indicator(6)]}),
                       403), "no write right: 403")
    check(is_error_doc(alice.get("/api/collections/wo/objects/"), 403), "no read right: 403")
    check(is_error_doc(alice.get("/api/collections/wo/manifest/"), 403), "manifest needs read")
    st = post_objects(alice, "wo", [indicator(7)])
    check(st and st["success_count"] == 1, "a write-only collection takes objects")
    check(is_error_doc(c["outsider"].get("/api/collections/main/objects/"), 404),
          "no rights at all: 404")
    r = c["anon"].post("/api/collections/pub/objects/", {"objects": [indicator(8)]})
    check(is_error_doc(r, 403), "anonymous cannot post to a public collection (%d)" % r.status)


class RawResponse:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.getheaders()
        self.body = r.read()

    def getheader(self, name):
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def raw_request(node, method, path, headers, auth=None, body=None):
    """A request whose headers may repeat (http.client's dict of headers cannot)."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    try:
        conn.putrequest(method, path)
        for k, v in headers:
            conn.putheader(k, v)
        if auth:
            conn.putheader("Authorization", auth)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        return RawResponse(conn.getresponse())
    finally:
        conn.close()


def test_negotiation(c):
    alice = c["alice"]
    for accept in ("application/taxii+json", "application/taxii+json;version=2.1",
                   "text/html, application/taxii+json;version=2.1;q=0.9"):
        r = alice.get("/api/collections/", accept=accept)
        check(r.status == 200 and r.header("Content-Type") == TAXII, "Accept %s: 200" % accept)
    for accept in (None, "application/json", "*/*", "application/taxii+json;version=2.0",
                   "application/taxii+json;version=2.1;q=0", "application/taxii+json;;"):
        check(is_error_doc(alice.get("/api/collections/", accept=accept), 406),
              "Accept %r: 406" % accept)
    lines = (("application/json", TAXII), ("text/html", "application/taxii+json"),
             ("", TAXII), ("application/taxii+json;version=2.0", "application/xml, " + TAXII))
    for values in lines:
        r = raw_request(c["node"], "GET", "/api/collections/", [("Accept", v) for v in values],
                        alice.auth)
        check(r.status == 200 and r.getheader("Content-Type") == TAXII,
              "Accept on several lines %r: one list, 200 (%d)" % (values, r.status))
    r = raw_request(c["node"], "GET", "/api/collections/",
                    [("Accept", "application/json"), ("Accept", "text/html")], alice.auth)
    check(r.status == 406, "Accept on several lines without TAXII: 406 (%d)" % r.status)
    body = json.dumps({"objects": [indicator(10)]}).encode()
    r = raw_request(c["node"], "POST", "/api/collections/main/objects/",
                    [("Accept", TAXII), ("Content-Type", TAXII), ("Content-Type", TAXII)],
                    alice.auth, body)
    check(r.status == 202, "Content-Type repeated with the same value: 202 (%d)" % r.status)
    r = raw_request(c["node"], "POST", "/api/collections/main/objects/",
                    [("Accept", TAXII), ("Content-Type", TAXII), ("Content-Type", "text/plain")],
                    alice.auth, body)
    check(r.status == 415, "Content-Type repeated with another value: 415 (%d)" % r.status)
    r = raw_request(c["node"], "GET", "/api/collections/",
                    [("Accept", TAXII), ("Authorization", alice.auth)], alice.auth)
    check(r.status == 200, "Authorization repeated with the same value: 200 (%d)" % r.status)
    r = raw_request(c["node"], "GET", "/api/collections/",
                    [("Accept", TAXII), ("Authorization", alice.auth),
                     ("Authorization", "Bearer rk_" + "2" * 80)])
    check(r.status == 401, "Authorization repeated with another value: 401 (%d)" % r.status)
    body = {"objects": [indicator(9)]}
    for ctype in ("application/json", "application/taxii+json;version=2.0", "text/plain", ""):
        r = alice.post("/api/collections/main/objects/", body, content_type=ctype)
        check(is_error_doc(r, 415), "Content-Type %r: 415 (%d)" % (ctype, r.status))
    r = alice.post("/api/collections/main/objects/", body, content_type="application/taxii+json")
    check(r.status == 202, "Content-Type without version: the latest, 2.1")
    r = alice.request("PUT", "/api/collections/")
    check(is_error_doc(r, 405) and "GET" in (r.header("Allow") or ""), "PUT: 405 with Allow")
    r = alice.request("POST", "/api/collections/main/", body=b"{}")
    check(is_error_doc(r, 405), "POST to a collection: 405")
    check(is_error_doc(alice.get("/api/collections"), 404), "no trailing slash: 404")
    check(is_error_doc(alice.get("/taxii/"), 404), "TAXII 2.0 discovery path: 404")
    check(is_error_doc(alice.get("/other/collections/"), 404), "unknown API root: 404")


def test_bad_queries(c):
    alice = c["alice"]
    path = "/api/collections/main/objects/"
    for q in ("added_after=yesterday", "added_after=2021-01-01T00:00:00+09:00", "limit=0",
              "limit=-1", "limit=x", "limit=1&limit=2", "match[id]=bad",
              "match[type]=Indicator", "match[type]=a,,b", "match[version]=all,last",
              "match[version]=last,last", "match[version]=soon", "match[spec_version]=2",
              "match[type]=indicator&match[type]=malware", "limit=%zz"):
        r = alice.get(path + "?" + q)
        check(is_error_doc(r, 400), "?%s: 400 (%d)" % (q, r.status))
    r = alice.get(path + "?match[color]=red&foo=bar")
    check(r.status == 200, "unknown parameters and match fields are ignored")


def test_auth(node, c, secrets):
    r = node.client("alice", "rk_" + "0" * 80).get("/api/collections/")
    check(is_error_doc(r, 401) and r.header("WWW-Authenticate"), "a wrong secret: 401")
    r = node.client("reader", secrets["alice"]).get("/api/collections/")
    check(is_error_doc(r, 401), "alice's secret with another user name: 401")
    r = node.client(bearer=secrets["alice"]).get("/api/collections/")
    check(r.status == 200 and len(r.json()["collections"]) == 4, "Bearer token")
    r = c["alice"].get("/api/collections/", headers={"Authorization": "Digest x=1"})
    check(is_error_doc(r, 401), "an unsupported scheme: 401")
    r = c["alice"].get("/api/collections/", headers={"Authorization": "Basic %%%"})
    check(is_error_doc(r, 401), "malformed Basic: 401")
    # failed authentication is 401 whatever else is wrong with the request
    wrong = node.client("alice", "rk_" + "1" * 80)
    objects = "/api/collections/main/objects/"
    for what, r in (("?limit=0", wrong.get(objects + "?limit=0")),
                    ("no Accept", wrong.get("/api/collections/", accept=None)),
                    ("PUT", wrong.request("PUT", "/api/collections/")),
                    ("Content-Type text/plain", wrong.post(objects, {"objects": [indicator(11)]},
                                                           content_type="text/plain")),
                    ("a malformed object id", wrong.get(objects + "not-an-id/"))):
        check(is_error_doc(r, 401) and "Basic" in (r.header("WWW-Authenticate") or ""),
              "wrong credentials and %s: 401 (%d)" % (what, r.status))
    r = c["alice"].request("PUT", "/api/collections/", headers={"Authorization": "Digest x=1"})
    check(is_error_doc(r, 401), "an unsupported scheme and PUT: 401 (%d)" % r.status)
    check(is_error_doc(wrong.get("/api/nothing-here/"), 404),
          "wrong credentials on an unknown path: 404 (allowed for failed authentication)")
    check(is_error_doc(c["alice"].get(objects + "?limit=0"), 400),
          "good credentials and ?limit=0: 400")
    check(is_error_doc(c["alice"].request("PUT", "/api/collections/"), 405),
          "good credentials and PUT: 405")
    check(is_error_doc(c["anon"].get("/api/collections/pub/objects/?limit=0"), 400),
          "anonymous requests keep their order: ?limit=0 is 400")
    check(is_error_doc(c["anon"].get("/api/collections/", accept=None), 406),
          "anonymous requests keep their order: no Accept is 406")


def test_keep_alive(node, alice):
    """Pages of a feed are read over one connection: a GET is answered without closing it."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=30)
    headers = {"Accept": TAXII, "Authorization": alice.auth}
    try:
        conn.request("GET", "/api/collections/main/objects/?limit=2", headers=headers)
        r = conn.getresponse()
        r.read()
        first = conn.sock
        check(r.status == 200 and (r.getheader("Connection") or "").lower() != "close",
              "a page keeps the connection open (%d, Connection: %s)" %
              (r.status, r.getheader("Connection")))
        conn.request("GET", "/api/collections/main/manifest/?limit=2", headers=headers)
        r = conn.getresponse()
        r.read()
        check(r.status == 200 and conn.sock is first and first is not None,
              "the next request goes over the same connection")
    finally:
        conn.close()


def test_audit(node):
    out = node.cli("audit", "--user", "alice", "--json", "--limit", "0").stdout
    recs = json.loads(out)
    actions = {r["action"] for r in recs}
    check({"read", "write", "denied"} <= actions, "audit: alice's reads, writes, refusals: %r" %
          actions)
    writes = [r for r in recs if r["action"] == "write" and r["status"] == 202]
    check(writes and all(r["collection"] and UUID_RE.match(r["detail"]) for r in writes),
          "audit: writes name the collection and the status id")
    recs = json.loads(node.cli("audit", "--action", "admin", "--json").stdout)
    check(any(r["endpoint"] == "user add" for r in recs), "audit: admin commands are logged")
    recs = json.loads(node.cli("audit", "--action", "auth-fail", "--json").stdout)
    check(len(recs) >= 1, "audit: failed authentications are logged")
    p = node.cli("audit", "--since", "not-a-time", ok=False)
    check(p.returncode == 2, "audit: a bad --since is a usage error")


def test_background_checkpoints():
    """With a small write log, Add Objects wakes the checkpoint thread once the log is three
    quarters full: the server reports the background checkpoints it ran when it stops, and
    every posted object is stored."""
    node = Node(conf="taxii.write_log = 1M\n")
    try:
        secret = node.user("poster", "org-a", "writer")
        node.collection("ingest", "--read", "org:org-a", "--write", "org:org-a")
        node.start()
        poster = node.client("poster", secret)
        for e in range(12):
            st = post_objects(poster, "ingest", [indicator(100000 + e * 200 + i)
                                                 for i in range(200)])
            check(st["success_count"] == 200, "envelope %d stored: %r" % (e, st))
        check(node.stop() == 0, "the server stops cleanly")
        m = re.search(r"background checkpoints: (\d+), (\d+) log pages copied", node.stderr)
        check(m and int(m.group(1)) > 0 and int(m.group(2)) > 0,
              "the checkpoint thread ran: %r" % node.stderr[-300:])
        out = node.cli("stats", "--collection", "ingest").stdout
        check(re.search(r"indicator +2400\b", out) is not None,
              "all 2,400 objects stored: %r" % out)
    finally:
        node.cleanup()


def main():
    test_background_checkpoints()
    node = Node()
    try:
        cli = node.cli
        cli("org", "add", "org-z")
        secrets = {
            "alice": node.user("alice", "org-a", "writer"),
            "reader": node.user("reader", "org-a", "reader"),
            "admin": node.user("admin", "org-a", "admin"),
            "outsider": node.user("outsider", "org-z", "writer"),
        }
        ids = {
            "main": node.collection("main", "--read", "org:org-a", "--write", "org:org-a"),
            "ro": node.collection("ro", "--read", "org:org-a"),
            "wo": node.collection("wo", "--write", "org:org-a"),
            "pub": node.collection("pub", "--read", "public", "--read", "org:org-a"),
        }
        node.start()
        c = {name: node.client(name, secret) for name, secret in secrets.items()}
        c["anon"] = node.client()
        c["node"] = node
        objects = medallion_objects()
        test_discovery(node, c["alice"])
        test_collections(node, c, ids)
        test_add_and_status(node, c, objects)
        test_invalid_in_envelope(c)
        test_unversioned_status(c)
        test_objects_filters(c, objects)
        test_paging(c, objects)
        test_object_versions_manifest(c, objects)
        test_delete(c)
        test_rights(c)
        test_negotiation(c)
        test_bad_queries(c)
        test_auth(node, c, secrets)
        test_keep_alive(node, c["alice"])
        check(node.alive(), "the server is still running")
        check(node.stop() == 0, "the server stops cleanly")
        test_audit(node)
    finally:
        node.cleanup()
    finish("taxii_api")


if __name__ == "__main__":
    main()
