"""taxii_paging.py - stateless paging under load: 10,000 objects paged through with next tokens
and with added_after while other clients keep posting; every pager sees exactly the objects
added up to where it stopped, each once, in date_added order. Next tokens keep working across
a server restart and across two servers (front-ends) on one store."""
import threading

from taxii_lib import Node, check, finish, indicator, page_all, post_objects

N = 10000
ENVELOPE = 1000


def load(alice):
    objs = [indicator(i) for i in range(N)]
    for k in range(0, N, ENVELOPE):
        st = post_objects(alice, "bulk", objs[k:k + ENVELOPE])
        check(st and st["success_count"] == ENVELOPE, "envelope %d stored" % (k // ENVELOPE))
    return {o["id"] for o in objs}


class Writer(threading.Thread):
    """Keeps posting small envelopes until told to stop."""

    def __init__(self, client, coll):
        super().__init__()
        self.client, self.coll = client, coll
        self.stop = threading.Event()
        self.posted = 0
        self.errors = 0

    def run(self):
        n = 0
        while not self.stop.is_set():
            batch = [indicator(100000 + 1000 * id(self) % 1000 + n + i) for i in range(20)]
            r = self.client.post("/api/collections/%s/objects/" % self.coll, {"objects": batch})
            if r.status == 202:
                self.posted += len(batch)
            else:
                self.errors += 1
            n += 20


class Pager(threading.Thread):
    def __init__(self, client, path, use_next, limit):
        super().__init__()
        self.client, self.path, self.use_next, self.limit = client, path, use_next, limit
        self.items = []

    def run(self):
        self.items, self.pages, _ = page_all(self.client, self.path, limit=self.limit,
                                             use_next=self.use_next)


def verify(name, items, final, initial):
    """items is exactly the prefix of final (date_added order) up to its last element."""
    ids = [x["id"] for x in items]
    check(len(ids) == len(set(ids)), "%s: no duplicates (%d items)" % (name, len(ids)))
    check(initial <= set(ids), "%s: every object present before paging began (%d missing)" % (
        name, len(initial - set(ids))))
    if not ids:
        return
    order = {x["id"]: i for i, x in enumerate(final)}
    last = max(order.get(i, -1) for i in ids)
    check([x["id"] for x in final[:last + 1]] == ids,
          "%s: no gaps, in date_added order (%d of %d)" % (name, len(ids), last + 1))


def test_paging_under_writes(node, alice, bob):
    initial = load(alice)
    writers = [Writer(node.client("alice", node.secrets["alice"]), "bulk"),
               Writer(node.client("alice", node.secrets["alice"]), "other")]
    for w in writers:
        w.start()
    pagers = [Pager(bob, "/api/collections/bulk/objects/", True, 100),
              Pager(bob, "/api/collections/bulk/manifest/", False, 500),
              Pager(alice, "/api/collections/bulk/objects/", False, 250)]
    for p in pagers:
        p.start()
    for p in pagers:
        p.join()
    for w in writers:
        w.stop.set()
    for w in writers:
        w.join()
        check(w.errors == 0 and w.posted > 0, "writer posted %d objects, %d errors" % (
            w.posted, w.errors))
    final, _, _ = page_all(alice, "/api/collections/bulk/manifest/", limit=1000, use_next=False)
    check(len(final) == N + writers[0].posted, "final count %d" % len(final))
    for i, p in enumerate(pagers):
        verify("pager %d (%s)" % (i, p.path), p.items, final, initial)
    check(pagers[0].pages >= N // 100, "the next pager went page by page")


def test_tokens_across_servers(node, bob):
    second = Node.__new__(Node)  # a second front-end on the same data directory
    second.__dict__.update(node.__dict__)
    second.proc = None
    second.start()
    try:
        r = bob.get("/api/collections/bulk/objects/?limit=10")
        first = r.json()
        b2 = second.client("bob", node.secrets["bob"])
        r2 = b2.get("/api/collections/bulk/objects/?limit=10&next=" + first["next"])
        d2 = r2.json()
        check(r2.status == 200 and len(d2.get("objects", [])) == 10,
              "a next token from one front-end works on another")
        r3 = bob.get("/api/collections/bulk/objects/?limit=10&next=" + first["next"])
        check(r3.json() == d2, "both front-ends give the same page for the same token")
    finally:
        check(second.stop() == 0, "the second front-end stops cleanly")
    token = d2["next"]
    check(node.stop() == 0, "the server stops cleanly")
    node.start()
    r = bob.get("/api/collections/bulk/objects/?limit=10&next=" + token)
    check(r.status == 200 and len(r.json().get("objects", [])) == 10,
          "a next token keeps working after a restart")


def main():
    node = Node()
    try:
        node.cli("org", "add", "org-b")
        node.secrets = {"alice": node.user("alice", "org-a", "writer"),
                        "bob": node.user("bob", "org-b", "reader")}
        node.collection("bulk", "--read", "authenticated", "--write", "org:org-a")
        node.collection("other", "--read", "authenticated", "--write", "org:org-a")
        node.start("--threads", "4")
        alice = node.client("alice", node.secrets["alice"])
        bob = node.client("bob", node.secrets["bob"])
        # objects are unmarked: the node default (AMBER) hides them from org-b; mark them GREEN
        node.cli("collection", "sharing", "bulk", "--unmarked", "green")
        node.cli("collection", "sharing", "other", "--unmarked", "green")
        test_paging_under_writes(node, alice, bob)
        test_tokens_across_servers(node, bob)
        check(node.stop() == 0, "the server stops cleanly")
    finally:
        node.cleanup()
    finish("taxii_paging")


if __name__ == "__main__":
    main()
