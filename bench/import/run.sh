#!/usr/bin/env bash
# bench/import/run.sh BUILD_DIR - import throughput and memory against the raw limit.
#
# Generates (once) a deterministic bundle of 1.5M STIX objects (~1 GB), then, three times
# each: `renkei import` into a fresh node (by default, which has the idle node alone; with
# --shared, through the write-ahead log throughout; with --exclusive), and the raw limit
# (raw_limit.c: jansson parse + SQLite insert in one transaction, nothing else). The default
# and the --shared import run a second time pinned to one core (taskset), the issue's "on one
# core" read literally: the reading and writing threads then share it. Also imports the real
# ATT&CK bundles.
# Prints medians, objects/s (wall clock and per CPU second), MB/s, peak RSS and the ratio
# renkei / raw limit.
set -euo pipefail
build=$(cd "${1:-build/release}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/../../../shared/corpus/stix/attack"
work=${RK_BENCH_DIR:-/tmp/renkei-bench}
n=${RK_BENCH_OBJECTS:-1500000}
runs=${RK_BENCH_RUNS:-3}
measure="$here/../common/measure.py"
renkei="$build/renkei"
mkdir -p "$work"
bundle="$work/bundle-$n.json"

[[ -s "$bundle" ]] || "$build/bench/gen_stix" "$n" 42 > "$bundle"
bytes=$(stat -c %s "$bundle")
cat "$bundle" > /dev/null # into the page cache: measure parsing and storing, not the disk

node="$work/node"
reset="rm -rf '$node' && '$renkei' --data '$node' init --name bench >/dev/null"
ours=$("$measure" --runs "$runs" --before "$reset" -- "$renkei" --data "$node" import "$bundle")
shared=$("$measure" --runs "$runs" --before "$reset" -- "$renkei" --data "$node" import --shared "$bundle")
alone=$("$measure" --runs "$runs" --before "$reset" -- "$renkei" --data "$node" import --exclusive "$bundle")
core=$(taskset -pc $$ | sed 's/.*[:,-] *//') # the last core this shell may use
one=$("$measure" --runs "$runs" --before "$reset" -- taskset -c "$core" "$renkei" --data "$node" import "$bundle")
one_shared=$("$measure" --runs "$runs" --before "$reset" -- taskset -c "$core" "$renkei" --data "$node" import --shared "$bundle")
raw=$("$measure" --runs "$runs" --before "rm -f '$work/raw.db'*" -- "$build/bench/raw_limit" "$bundle" "$work/raw.db")
attack_files=("$corpus"/*-attack-*.json)
attack_objects=$(/usr/bin/python3 -c 'import json,sys; print(sum(len(json.load(open(f))["objects"]) for f in sys.argv[1:]))' "${attack_files[@]}")
attack_bytes=$(cat "${attack_files[@]}" | wc -c)
attack=$("$measure" --runs "$runs" --before "$reset" -- "$renkei" --data "$node" import "${attack_files[@]}")

/usr/bin/python3 - "$n" "$bytes" "$ours" "$raw" "$attack_objects" "$attack_bytes" "$attack" "$alone" "$one" "$one_shared" "$shared" <<'PY'
import json, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
ours, raw = json.loads(sys.argv[3]), json.loads(sys.argv[4])
an, ab, att = int(sys.argv[5]), int(sys.argv[6]), json.loads(sys.argv[7])
alone = json.loads(sys.argv[8])
one, one_shared = json.loads(sys.argv[9]), json.loads(sys.argv[10])
shared = json.loads(sys.argv[11])
def row(name, objs, b, m):
    t, c = m["median_s"], m["median_cpu_s"]
    return "| %s | %d | %.1f | %.2f | %.0f | %.1f | %.2f | %.0f | %.0f |" % (
        name, objs, b / 1e6, t, objs / t, b / 1e6 / t, c, objs / c, m["max_rss_mb"])
print("| run | objects | MB | median s | objects/s | MB/s | median CPU s | objects per CPU s | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|")
print(row("renkei import (generated bundle; the idle node alone)", n, size, ours))
print(row("renkei import --shared (the write-ahead log throughout)", n, size, shared))
print(row("renkei import --exclusive", n, size, alone))
print(row("renkei import, pinned to one core", n, size, one))
print(row("renkei import --shared, pinned to one core", n, size, one_shared))
print(row("raw limit: jansson + SQLite, one transaction", n, size, raw))
print(row("renkei import (ATT&CK ICS 17.1 + 18.1 + Mobile)", an, ab, att))
print()
print("renkei / raw limit: %.0f%% of the raw rate (wall clock), %.0f%% (CPU time)" % (
    100 * raw["median_s"] / ours["median_s"], 100 * raw["median_cpu_s"] / ours["median_cpu_s"]))
print("default / --shared: %.0f%% of the wall time, %.0f%% of the CPU time" % (
    100 * ours["median_s"] / shared["median_s"], 100 * ours["median_cpu_s"] / shared["median_cpu_s"]))
print("renkei summary line: " + ours["stdout"].splitlines()[-1])
PY
