"""taxii_cli.py - the identity and rights commands: org, group, user, collection and audit, with
their outputs, exit statuses (0 done, 1 refused, 2 usage) and the audit records they leave."""
import json
import os
import re
import subprocess
import time

from taxii_lib import RENKEI, Node, check, finish, indicator


def status(p, want, what):
    check(p.returncode == want, "%s: exit %d, expected %d (%s%s)" % (
        what, p.returncode, want, p.stdout[-300:], p.stderr[-300:]))


def bundle_file(node, name, objects):
    path = os.path.join(node.dir, name)
    with open(path, "w") as f:
        json.dump({"type": "bundle", "id": "bundle--6c6b7d0a-3f2e-4b1e-9c1d-2a4f0e8b9a10",
                   "objects": objects}, f)
    return path


def exclusive_import(node):
    """`import --exclusive` is refused while the node is served (the shared import is not), and
    takes the node alone when nobody else has it open; the server then finds everything."""
    node.collection("bulk", "--read", "public")
    first = bundle_file(node, "first.json", [indicator(n, tlp="clear") for n in range(5)])
    second = bundle_file(node, "second.json", [indicator(n, tlp="clear") for n in range(5, 12)])
    node.start()
    p = node.cli("import", "--exclusive", "-c", "bulk", first, ok=False)
    status(p, 3, "import --exclusive while the node is served")
    check("open in another process" in p.stderr and "without --exclusive" in p.stderr,
          "the refusal says why and what to do: %r" % p.stderr)
    status(node.cli("import", "-c", "bulk", first, ok=False), 0, "a shared import meanwhile")
    node.stop()
    p = node.cli("import", "--exclusive", "-c", "bulk", second, ok=False)
    status(p, 0, "import --exclusive of a node nobody has open")
    check("7 stored" in p.stdout, "the exclusive import stored 7: %r" % p.stdout)
    check(not os.path.exists(os.path.join(node.data, "renkei.db-journal")),
          "the exclusive import left no rollback journal")
    node.start()
    got = node.client().get("/api/collections/bulk/objects/?limit=100").json()
    check(len(got.get("objects", [])) == 12, "the server finds all 12: %r" % got)
    node.stop()
    # without --batch, an import that has the node alone (--exclusive, or by default when
    # nobody else has it open) commits every import.exclusive_batch objects, one that shares it
    # (--shared, or by default while the node is served) every import.batch objects
    conf = os.path.join(node.dir, "batches.conf")
    with open(conf, "w") as f:
        f.write("import.batch = 2\nimport.exclusive_batch = 3\n")
    files = [bundle_file(node, "batch%d.json" % k,
                         [indicator(n, tlp="clear") for n in range(12 + 7 * k, 19 + 7 * k)])
             for k in range(4)]
    cases = ((files[0], ["--exclusive"], [3, 3, 1], False),
             (files[1], [], [3, 3, 1], False),
             (files[2], ["--shared"], [2, 2, 2, 1], False),
             (files[3], [], [2, 2, 2, 1], True))
    for path, opts, want, served in cases:
        if served:
            node.start()
        p = node.cli("-vv", "--config", conf, "import", *opts, "-c", "bulk", path, ok=False)
        if served:
            node.stop()
        sizes = [int(n) for n in re.findall(r"committed a batch of (\d+) objects", p.stderr)]
        check(p.returncode == 0 and sizes == want,
              "import %s%s commits batches of %r: %r" % (
                  " ".join(opts), " (node served)" if served else "", want, sizes))
    p = node.cli("import", "--exclusive", "--shared", files[0], ok=False)
    status(p, 2, "import --exclusive --shared")
    check("exclude each other" in p.stderr, "the usage error says why: %r" % p.stderr)


def import_gives_the_node_back(node):
    """An import of files has an idle node alone, and gives it back as soon as another process
    opens the node: it commits what it has (it looks every 1,024 objects), then goes on through
    the write-ahead log in batches of import.batch, and stores everything. An import of
    standard input shares the node from the start."""
    node.collection("piped", "--read", "public")
    conf = os.path.join(node.dir, "alone.conf")
    with open(conf, "w") as f:
        f.write("import.batch = 5000\nimport.exclusive_batch = 1000000\n")
    total = 60000
    path = os.path.join(node.dir, "many.jsonl")
    with open(path, "w") as f:
        for n in range(total):
            f.write(json.dumps(dict(indicator(n, tlp="clear"), description="d" * 400)) + "\n")
    imp = subprocess.Popen([RENKEI, "--data", node.data, "-vv", "--config", conf, "import",
                            "-c", "piped", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        head = ""
        while "store open" not in head:  # the import has the node: open it meanwhile
            line = imp.stderr.readline()
            if not line:
                break
            head += line
        stats = subprocess.run([RENKEI, "--data", node.data, "stats", "--json"],
                               capture_output=True, text=True, timeout=60)
        out, err = imp.communicate(timeout=120)
    finally:
        if imp.poll() is None:
            imp.kill()
    err = head + err
    check(stats.returncode == 0, "stats got in: %r" % stats.stderr)
    check(imp.returncode == 0 and "%d stored" % total in out, "the import stored all: %r" % out)
    check("another process asked for the store" in err,
          "the import gave the node back when stats opened it: %r" % err[-1500:])
    sizes = [int(n) for n in re.findall(r"committed a batch of (\d+) objects", err)]
    check(len(sizes) >= 2 and sizes[0] % 1024 == 0 and set(sizes[1:-1]) <= {5000} and
          sizes[-1] <= 5000 and sum(sizes) == total,
          "what it had when asked, then batches of 5000: %r" % sizes)
    piped = [c for c in json.loads(stats.stdout)["by_collection"] if c.get("alias") == "piped"]
    check(piped and sizes and sizes[0] <= piped[0]["objects"] < total,
          "stats counted what the import had committed when it got in: %r" % piped)
    # standard input: shared from the start, in batches of import.batch
    p = subprocess.run([RENKEI, "--data", node.data, "-vv", "--config", conf, "import", "-c",
                        "piped", "-"], input="".join(
                            json.dumps(indicator(n, tlp="clear")) + "\n"
                            for n in range(total, total + 12000)),
                       capture_output=True, text=True, timeout=60)
    sizes = [int(n) for n in re.findall(r"committed a batch of (\d+) objects", p.stderr)]
    check(p.returncode == 0 and sizes == [5000, 5000, 2000],
          "an import of standard input shares the node: %r" % sizes)


def main():
    node = Node(tls=False)
    try:
        cli = node.cli
        status(cli("org", "add", "cert-in", "--title", "CERT-In", ok=False), 0, "org add")
        status(cli("org", "add", "cert-in", ok=False), 1, "org add twice")
        status(cli("org", "add", "bad name", ok=False), 1, "org add with a bad name")
        status(cli("org", "frobnicate", ok=False), 2, "unknown org action")
        status(cli("org", "add", ok=False), 2, "org add without a name")
        orgs = json.loads(cli("org", "list", "--json").stdout)
        check([o["name"] for o in orgs] == ["cert-in", "org-a"] and orgs[0]["title"] == "CERT-In",
              "org list: %r" % orgs)
        status(cli("group", "add", "quad", ok=False), 0, "group add")
        status(cli("group", "member", "add", "quad", "cert-in", ok=False), 0, "member add")
        status(cli("group", "member", "add", "quad", "cert-in", ok=False), 1, "member add twice")
        status(cli("group", "member", "add", "quad", "nobody", ok=False), 1, "member of nothing")
        status(cli("group", "member", "add", "quad", ok=False), 2, "member add without org")
        groups = json.loads(cli("group", "list", "--json").stdout)
        check(groups == [{"name": "quad", "title": "", "members": ["cert-in"]}],
              "group list: %r" % groups)
        p = cli("user", "add", "ravi", "--org", "cert-in", "--role", "reader", ok=False)
        status(p, 0, "user add")
        m = re.search(r"secret: (rk_[0-9a-f]{80})\n", p.stdout)
        check(m is not None and "shown once" in p.stdout, "user add prints the secret once")
        status(cli("user", "add", "ravi2", "--org", "cert-in", "--role", "root", ok=False), 1,
               "an unknown role")
        status(cli("user", "add", "ravi3", "--org", "cert-in", ok=False), 1, "no role")
        status(cli("user", "add", "ravi4", "--org", "nowhere", "--role", "reader", ok=False), 1,
               "an unknown organisation")
        status(cli("org", "remove", "cert-in", ok=False), 1, "an organisation with users stays")
        users = json.loads(cli("user", "list", "--json").stdout)
        check(users == [{"name": "ravi", "org": "cert-in", "role": "reader", "secrets": 1,
                         "certificates": 0}], "user list: %r" % users)
        check(m.group(1) not in cli("user", "list").stdout, "the secret is never shown again")
        p = cli("user", "reset-secret", "ravi", "--json")
        new = json.loads(p.stdout.strip().splitlines()[-1])["secret"]
        check(new != m.group(1) and new.startswith("rk_"), "reset-secret gives a new secret")
        status(cli("user", "cert", "add", "ravi", "--fingerprint", "ab" * 32, ok=False), 0,
               "cert add by fingerprint")
        status(cli("user", "cert", "add", "ravi", "--fingerprint", "AB:" * 31 + "AB", ok=False),
               1, "the same fingerprint twice (any notation)")
        status(cli("user", "cert", "add", "ravi", "--fingerprint", "xyz", ok=False), 1,
               "a malformed fingerprint")
        status(cli("user", "cert", "remove", "--fingerprint", "ab" * 32, ok=False), 0,
               "cert remove")
        cid = node.collection("feed", "--title", "Feed", "--read", "group:quad", "--read",
                              "public", "--write", "org:org-a", "--group", "quad",
                              "--unmarked", "amber+strict")
        check(re.match(r"^[0-9a-f-]{36}$", cid) is not None, "collection add prints the id")
        status(cli("collection", "add", "x", "--read", "org:nobody", ok=False), 1,
               "a grant to an unknown organisation creates nothing")
        status(cli("collection", "add", "y", "--write", "public", ok=False), 1,
               "public grants are read only")
        status(cli("collection", "add", "z", "--read", "everyone", ok=False), 1, "bad subject")
        colls = {c["alias"]: c for c in json.loads(cli("collection", "list", "--json").stdout)}
        check(set(colls) == {"default", "feed"}, "nothing half made: %r" % sorted(colls))
        f = colls.get("feed", {})
        check(f.get("rights") == "group:quad read; public read; org:org-a write" or
              set(f.get("rights", "").split("; ")) == {"group:quad read", "public read",
                                                        "org:org-a write"},
              "collection rights: %r" % f.get("rights"))
        check(f.get("sharing_groups") == ["quad"] and f.get("unmarked") == "amber+strict",
              "sharing defaults: %r" % f)
        status(cli("collection", "grant", "feed", "org:cert-in", "read,write", ok=False), 0,
               "grant")
        status(cli("collection", "grant", "feed", "org:cert-in", "admin", ok=False), 1,
               "grant needs read/write")
        status(cli("collection", "revoke", "feed", "public", ok=False), 0, "revoke")
        status(cli("collection", "revoke", "feed", "public", ok=False), 1, "revoke twice")
        status(cli("collection", "sharing", "feed", "--unmarked", "reject", ok=False), 0,
               "sharing")
        status(cli("collection", "sharing", "feed", "--unmarked", "sometimes", ok=False), 1,
               "bad unmarked rule")
        status(cli("group", "remove", "quad", ok=False), 0, "group remove")
        f = {c["alias"]: c for c in json.loads(cli("collection", "list", "--json").stdout)}["feed"]
        check("group:quad" not in f["rights"], "a removed group's grants go with it")
        status(cli("user", "remove", "ravi", ok=False), 0, "user remove")
        status(cli("org", "remove", "cert-in", ok=False), 0, "org remove once empty")
        status(cli("collection", "remove", "feed", ok=False), 0, "collection remove")
        status(cli("collection", "remove", "feed", ok=False), 1, "collection remove twice")
        # removed names are never given again: objects and statuses still name them
        for what, args in (("user", ("user", "add", "ravi", "--org", "jpcert", "--role",
                                     "reader")),
                           ("organisation", ("org", "add", "cert-in")),
                           ("group", ("group", "add", "quad"))):
            p = cli(*args, ok=False)
            status(p, 1, "a removed %s's name is refused" % what)
            check("belonged to a removed %s" % what in p.stderr and "choose another name" in
                  p.stderr, "the refusal says why and what to do: %r" % p.stderr)
        recs = json.loads(cli("audit", "--action", "admin", "--json", "--limit", "0").stdout)
        kinds = [r["endpoint"] for r in recs]
        for k in ("org add", "group member", "user add", "user reset-secret", "collection add",
                  "collection grant", "collection remove", "org remove"):
            check(k in kinds, "the audit log has '%s'" % k)
        check(all(r["user"].startswith("cli:") and r["address"] == "local" for r in recs),
              "admin records name the operator")
        check(any(r["status"] == 1 for r in recs), "refused commands are recorded too")
        text = cli("audit", "--action", "admin", "--limit", "2").stdout.strip().splitlines()
        check(len(text) == 2, "--limit shows the most recent records: %r" % text)
        status(cli("audit", "--limit", "x", ok=False), 2, "audit --limit x")
        exclusive_import(node)
        import_gives_the_node_back(node)
    finally:
        node.cleanup()
    finish("taxii_cli")


if __name__ == "__main__":
    main()
