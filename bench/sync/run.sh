#!/usr/bin/env bash
# bench/sync/run.sh BUILD_DIR - how fast a fresh node pulls from a partner, against the local
# limit: importing the same objects from a file, in the same run.
#
# A source node holds 1M indicators (RK_BENCH_OBJECTS) in a collection a partner may read; it
# serves them over plain HTTP on loopback. Then, each on a fresh node:
#   import  `renkei import` of the same JSON lines file (the local limit: parse, validate,
#           store)
#   pull    `renkei sync --once` pulling the collection from the source over TAXII (pages of
#           RK_BENCH_PAGE, default 1000: fetch, parse, validate, ingress rules, store, cursor)
# and checks that the pulling node holds every object once. Prints objects/s and the ratio
# (goal: pull >= 50% of import). RK_BENCH_RUNS runs of each (default 1); the median counts.
set -euo pipefail
build=$(cd "${1:-build/release}" && pwd)
work=${RK_BENCH_DIR:-/tmp/renkei-bench-sync}
n=${RK_BENCH_OBJECTS:-1000000}
runs=${RK_BENCH_RUNS:-1}
page=${RK_BENCH_PAGE:-1000}
renkei="$build/renkei"
gen="$build/bench/gen_indicators"
src="$work/source"
port=$((20000 + RANDOM % 20000))
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$work"
now() { date +%s.%N; }
secret_of() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'; }

# ---- the source node -------------------------------------------------------------------------
lines="$work/indicators-$n.jsonl"
[[ -s "$lines" ]] || "$gen" lines "$n" 7 > "$lines"
rm -rf "$src"
"$renkei" --data "$src" init --name source --org source --no-tls >/dev/null
"$renkei" --data "$src" collection add bench >/dev/null
"$renkei" --data "$src" org add puller >/dev/null
secret=$("$renkei" --data "$src" user add puller-sync --org puller --role sync --json | tail -1 |
         secret_of)
"$renkei" --data "$src" collection grant bench org:puller read >/dev/null
"$renkei" -q --data "$src" import -c bench "$lines"
sync
"$renkei" -q --data "$src" serve --insecure-http --port "$port" --no-sync > "$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    curl -sf -o /dev/null -H 'Accept: application/taxii+json;version=2.1' \
        "http://127.0.0.1:$port/taxii2/" && break
    sleep 0.1
done

count() { # objects stored in a node's collection
    "$renkei" --data "$1" stats --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(c["versions"] for c in s["by_collection"] if c.get("alias") == sys.argv[1]))' "$2"
}

# ---- measure ---------------------------------------------------------------------------------
import_rates=() pull_rates=()
for r in $(seq "$runs"); do
    dst="$work/import-$r"
    rm -rf "$dst"
    "$renkei" --data "$dst" init --name imp --org imp --no-tls >/dev/null
    "$renkei" --data "$dst" collection add bench >/dev/null
    sync
    t0=$(now)
    "$renkei" -q --data "$dst" import -c bench "$lines"
    t=$(echo "$(now) - $t0" | bc)
    import_rates+=("$(echo "$n / $t" | bc)")
    echo "bench/sync: run $r: import of $n objects in $t s" >&2
    rm -rf "$dst"

    dst="$work/pull-$r"
    rm -rf "$dst"
    "$renkei" --data "$dst" init --name puller --org puller --no-tls >/dev/null
    "$renkei" --data "$dst" collection add bench >/dev/null
    RK_BENCH_SECRET=$secret "$renkei" -q --data "$dst" partner add source \
        --url "http://127.0.0.1:$port/taxii2/" --insecure-http --user puller-sync \
        --secret-env RK_BENCH_SECRET --page-size "$page" --pull bench=bench >/dev/null
    sync
    t0=$(now)
    "$renkei" -q --data "$dst" sync --once --partner source
    t=$(echo "$(now) - $t0" | bc)
    got=$(count "$dst" bench)
    if [[ "$got" != "$n" ]]; then
        echo "bench/sync: the pulling node holds $got objects, not $n" >&2
        exit 1
    fi
    pull_rates+=("$(echo "$n / $t" | bc)")
    echo "bench/sync: run $r: pull of $n objects in $t s" >&2
    rm -rf "$dst"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
imp=$(median "${import_rates[@]}")
pull=$(median "${pull_rates[@]}")
echo "| what | objects | objects/s (median of $runs) |"
echo "|---|---|---|"
echo "| renkei import from a file (the local limit) | $n | $imp |"
echo "| renkei sync --once, pulled over TAXII on loopback (pages of $page) | $n | $pull |"
echo "| ratio pull / import | | $(echo "scale=2; 100 * $pull / $imp" | bc) % |"

# ---- convergence of six federated nodes (100k objects) ----------------------------------------
if [[ "${RK_BENCH_CONVERGE:-1}" == 1 ]]; then
    RENKEI="$renkei" RK_BENCH_OBJECTS="${RK_BENCH_CONVERGE_OBJECTS:-100000}" \
        /usr/bin/python3 "$(dirname "$0")/converge.py"
fi
