"""converge.py - convergence time of six federated nodes (the topology of
tests/integration/sync_federation.py: a Quad mesh that pulls, a Japan-ASEAN star that pushes).

Each node imports its share of RK_BENCH_OBJECTS (default 100,000) indicators, cycling through
every TLP level and sharing group; then all six start `renkei serve` with background sync
(every partner every second) and the clock runs until every node holds exactly what the
sharing rules allow (the model of the test, checked object by object at the end).

    RENKEI=build/release/renkei python3 bench/sync/converge.py
"""
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "integration"))

import sync_federation as sf  # noqa: E402

N = int(os.environ.get("RK_BENCH_OBJECTS", "100000"))


def seed_bulk(fed, n, count):
    gs = sf.groups_of(n)
    kinds = [("clear", gs), ("green", gs), ("red", gs)] + \
            [(t, [g]) for g in gs for t in ("amber", None)]
    per = {}
    for i in range(count):
        tlp, groups = kinds[i % len(kinds)]
        o = sf.Obj(n, tlp, groups, n, sf.stix(tlp, "%s bulk %d" % (n, i)))
        per.setdefault((tlp, tuple(groups)), []).append(o)
    for (_, groups), objs in per.items():
        fed.add_objects(n, objs, list(groups))


def main():
    fed = sf.Fed()
    try:
        fed.setup()
        t0 = time.time()
        for i, n in enumerate(sf.NODES):
            seed_bulk(fed, n, N // len(sf.NODES) + (1 if i < N % len(sf.NODES) else 0))
        print("imported %d objects on six nodes in %.1f s" % (len(fed.objs), time.time() - t0))
        hold, senders = sf.propagate(fed.objs, sf.LINKS)
        want = {n: len(hold[n]) for n in sf.NODES}
        print("the rules allow: %s (%d object copies in all)" % (want, sum(want.values())))
        t0 = time.time()
        for n in sf.NODES:
            fed.start(n)
        last = None
        while time.time() - t0 < 3600:
            have = {n: len(fed.held(n) or []) for n in sf.NODES}
            if have != last:
                print("%6.1f s %s" % (time.time() - t0, have), flush=True)
                last = have
            if have == want:
                break
            time.sleep(1)
        took = time.time() - t0
        bad = sum((sf.mismatches(fed, n, hold, senders, report=True) for n in sf.NODES), [])
        print("converged: %d objects across six nodes in %.1f s (%s)" % (
            len(fed.objs), took, "every node holds exactly what the rules allow" if not bad
            else "%d mismatches: %s" % (len(bad), bad[:5])))
        for n in sf.NODES:
            fed.nodes[n].stop()
    finally:
        fed.cleanup()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
