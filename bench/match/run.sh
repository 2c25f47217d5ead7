#!/usr/bin/env bash
# bench/match/run.sh BUILD_DIR - renkei match against grepcidr and grep -F, on the same files.
#
# Seeded data (gen_match, made once in $RK_BENCH_DIR/match):
#   10M IPv4 lines against 1M CIDRs (60% /32, 25% /24, the rest /16-/23);
#   10M query names against 1M domains (10% listed, 30% subdomains of listed, 60% unlisted);
#   10M SHA-256 lookups against 1M digests (99% misses).
# Each command runs RK_BENCH_RUNS times (default 3); the table gives medians. "scan" is the
# run minus the same run on an empty input (the list load and index build), i.e. the
# matching itself. Also: index bytes per value, loading a 10M-indicator snapshot, and STIX
# pattern compile rates.
set -euo pipefail
build=$(cd "${1:-build/release}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=${RK_BENCH_DIR:-/tmp/renkei-bench}/match
runs=${RK_BENCH_RUNS:-3}
lines=${RK_BENCH_LINES:-10000000}
list=${RK_BENCH_LIST:-1000000}
snap_n=${RK_BENCH_SNAPSHOT:-10000000}
measure="$here/../common/measure.py"
renkei="$build/renkei"
gen="$build/bench/gen_match"
mkdir -p "$work"
cd "$work"

command -v grepcidr > /dev/null || { echo "grepcidr is missing (apt-get install grepcidr)"; exit 1; }
[[ -s cidrs.txt ]] || "$gen" cidrs "$list" 1 > cidrs.txt
[[ -s ips.txt ]] || "$gen" ips "$lines" 2 cidrs.txt > ips.txt
[[ -s domains.txt ]] || "$gen" domains "$list" 3 > domains.txt
[[ -s names.txt ]] || "$gen" names "$lines" 4 domains.txt > names.txt
[[ -s sha256.txt ]] || "$gen" sha256 "$list" 5 > sha256.txt
[[ -s hashq.txt ]] || "$gen" hashq "$lines" 6 sha256.txt > hashq.txt
: > empty.txt
cat ips.txt names.txt hashq.txt cidrs.txt domains.txt sha256.txt > /dev/null # page cache

# grep's exit status 1 ("nothing found") is a result here, not a failure: the shell turns it
# into 0 for measure.py (which times the shell and, through it, the command).
m() { "$measure" --runs "$runs" -- /bin/sh -c '"$0" "$@"; [ $? -le 1 ]' "$@"; }

# Median CPU seconds (user + system) of RK_BENCH_RUNS runs: on a shared machine, what one core
# spends is steadier than the wall clock.
cpu() {
    local t=()
    for ((r = 0; r < runs; r++)); do
        /usr/bin/time -f "%U %S" -o "$work/cpu.txt" "$@" > /dev/null 2> /dev/null || true
        t+=("$(tail -1 "$work/cpu.txt")")
    done
    printf '%s\n' "${t[@]}" | awk '{print $1 + $2}' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

results=()
for kind in ip name hash; do
    case $kind in
    ip) l=cidrs.txt; in=ips.txt; peer=(grepcidr -x -c -f cidrs.txt ips.txt); peer_name="grepcidr -x -c" ;;
    name) l=domains.txt; in=names.txt; peer=(grep -F -x -c -f domains.txt names.txt); peer_name="grep -F -x -c -f" ;;
    hash) l=sha256.txt; in=hashq.txt; peer=(grep -F -x -c -f sha256.txt hashq.txt); peer_name="grep -F -x -c -f" ;;
    esac
    base=$(m "$renkei" match -j 1 -c --list "$l" empty.txt)
    one=$(m "$renkei" match -j 1 -c --list "$l" "$in")
    two=$(m "$renkei" match -j 2 -c --list "$l" "$in")
    peer_m=$(m "${peer[@]}")
    cpu_base=$(cpu "$renkei" match -j 1 -c --list "$l" empty.txt)
    cpu_one=$(cpu "$renkei" match -j 1 -c --list "$l" "$in")
    cpu_two=$(cpu "$renkei" match -j 2 -c --list "$l" "$in")
    "$renkei" -q match --list "$l" --save-index "$work/$kind.idx" empty.txt > /dev/null || true
    results+=("$kind|$peer_name|$(stat -c %s "$work/$kind.idx")|$base|$one|$two|$peer_m|$cpu_base|$cpu_one|$cpu_two")
done

[[ -s "snap$snap_n.idx" ]] || "$build/bench/match_snapload" build "$snap_n" 1 "snap$snap_n.idx"
snap=$("$build/bench/match_snapload" open "snap$snap_n.idx" 7)
compile=$("$build/bench/match_compile_rate" 200000 1)
[[ -s bundle.json ]] || "$build/bench/gen_stix" 200000 42 > bundle.json
compile_file=$("$build/bench/match_compile_rate" --file bundle.json)

/usr/bin/python3 - "$lines" "$list" "$snap" "$compile" "$compile_file" "${results[@]}" <<'PY'
import json, sys
lines, nlist = int(sys.argv[1]), int(sys.argv[2])
snap, comp, compf = (json.loads(a) for a in sys.argv[3:6])
label = {"ip": "IPv4 lines vs CIDRs", "name": "query names vs domains (subdomains)",
         "hash": "SHA-256 lookups (99% misses)"}
print("| workload | tool | median s | scan s | lines/s (scan) | lines/s (end to end) | count | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|")
extra = []
for row in sys.argv[6:]:
    kind, peer_name, idx_bytes, base, one, two, peer, cpu_base, cpu_one, cpu_two = row.split("|")
    cpu_scan = float(cpu_one) - float(cpu_base)
    cpu_scan2 = float(cpu_two) - float(cpu_base)
    base, one, two, peer = (json.loads(x) for x in (base, one, two, peer))
    s1 = one["median_s"] - base["median_s"]
    s2 = two["median_s"] - base["median_s"]
    for name, m, s in (("renkei, 1 thread", one, s1), ("renkei, 2 threads", two, s2)):
        print("| %s | %s | %.2f | %.2f | %.1fM | %.1fM | %s | %.0f |" % (
            label[kind], name, m["median_s"], s, lines / s / 1e6, lines / m["median_s"] / 1e6,
            m["stdout"].split()[-1], m["max_rss_mb"]))
    print("| %s | %s | %.2f | | | %.1fM | %s | %.0f |" % (
        label[kind], peer_name, peer["median_s"], lines / peer["median_s"] / 1e6,
        peer["stdout"].split()[-1], peer["max_rss_mb"]))
    extra.append("- %s: index %d bytes = %.1f bytes per listed value (list load and index "
                 "build %.2f s); renkei end to end %.1fx %s on one thread, %.1fx on two; scan on "
                 "two threads %.2fx one thread (wall clock); one core by CPU time: %.1fM lines/s "
                 "(scan %.2f CPU s, list load %.2f CPU s); the scan on two threads takes %.2f CPU s"
                 % (label[kind], int(idx_bytes), int(idx_bytes) / nlist, base["median_s"],
                    peer["median_s"] / one["median_s"], peer_name,
                    peer["median_s"] / two["median_s"], s1 / s2, lines / cpu_scan / 1e6,
                    cpu_scan, float(cpu_base), cpu_scan2))
print()
print("\n".join(extra))
print("- snapshot of %d indicators (%.0f MB): opened (mmap, checksum, validation) in %.3f s "
      "(median of 7; min %.3f s)" % (snap["indicators"], snap["bytes"] / 1e6, snap["median_s"],
                                     snap["min_s"]))
print("- STIX patterns compiled: %.0f/s (patterns only, %d indicators); %.0f indicators/s "
      "end to end from a %d-object bundle through the validating reader"
      % (comp["per_second"], comp["indicators"], compf["per_second"], compf["indicators"]))
PY
