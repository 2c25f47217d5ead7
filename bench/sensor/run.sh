#!/usr/bin/env bash
# bench/sensor/run.sh - darknet sensor throughput on one core, against tcpdump and tshark.
#
#   bench/sensor/run.sh [BUILD_DIR]        (default build/release; needs tcpdump, tshark)
#   PACKETS=20000000 RUNS=5 KEEP=0 bench/sensor/run.sh build/release
#
# 1. sensor_gen writes a capture of PACKETS packets of background radiation for four sensors
#    (Ethernet, 10 % VLAN-tagged, IPv4 and IPv6) to /tmp and it is read once into the page cache.
# 2. renkei: sensor_bench reads it (mmap), decodes, classifies and aggregates everything (all
#    bins closed, rows built, DoS tracking) on one core; RUNS runs, median. The same with
#    decoding only and with reading only, for the breakdown.
# 3. tcpdump -r FILE -w /dev/null 'ip or ip6': the raw read-and-filter rate, RUNS runs, median.
# 4. tshark on the first 1,000,000 packets, counting packets per protocol and port; renkei's
#    per-port counts on the same slice must be equal (the run fails loudly if not).
# Times are CPU seconds (user + system) of the measured process, so that other load on the
# machine does not count against either side; wall seconds are printed too.
set -euo pipefail

build=${1:-build/release}
packets=${PACKETS:-20000000}
runs=${RUNS:-5}
tmp=${TMPDIR:-/tmp}/rk_sensor_bench.$$
bench=$build/bench/sensor/sensor_bench
gen=$build/tools/sensor_gen
for b in "$bench" "$gen"; do
    [[ -x $b ]] || { echo "missing $b: build $build first (make release, or cmake --build)" >&2; exit 1; }
done
for t in tcpdump tshark editcap; do
    command -v $t >/dev/null || { echo "missing $t: apt-get install tcpdump tshark" >&2; exit 1; }
done
mkdir -p "$tmp"
[[ ${KEEP:-0} == 1 ]] || trap 'rm -rf "$tmp"' EXIT
big=$tmp/darknet.pcap
slice=$tmp/slice.pcap

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "== generating $packets packets in $big"
"$gen" --seed 42 --packets "$packets" --scale 50 --out "$big"
cat "$big" >/dev/null
n=$("$bench" "$big" --mode read --repeat 1 | awk '/^mode/ {print $4}')
size=$(stat -c %s "$big")
echo "   $n packets, $size bytes"

echo "== renkei: full aggregation, $runs runs"
"$bench" "$big" --repeat "$runs" | tee "$tmp/full.txt"
full_cpu=$(awk '/^mode/ {print $8}' "$tmp/full.txt")
full_wall=$(awk '/^mode/ {print $6}' "$tmp/full.txt")
mem_peak=$(awk '/^mode/ {print $14}' "$tmp/full.txt")
dec_cpu=$("$bench" "$big" --mode decode --repeat "$runs" | awk '/^mode/ {print $8}')
read_cpu=$("$bench" "$big" --mode read --repeat "$runs" | awk '/^mode/ {print $8}')

echo "== tcpdump -r FILE -w /dev/null 'ip or ip6', $runs runs"
TIMEFORMAT='%R %U %S'
: >"$tmp/tcpdump.txt"
for _ in $(seq "$runs"); do
    { time tcpdump -q -r "$big" -w /dev/null 'ip or ip6' 2>/dev/null; } 2>>"$tmp/tcpdump.txt"
done
tcpdump_cpu=$(awk '{print $2 + $3}' "$tmp/tcpdump.txt" | median)
tcpdump_wall=$(awk '{print $1}' "$tmp/tcpdump.txt" | median)

echo "== tshark on the first 1,000,000 packets: per-port counts"
editcap -r "$big" "$slice" 1-1000000
{ time tshark -r "$slice" -T fields -E separator=, -e tcp.dstport -e udp.dstport -e icmp.type \
      -e icmpv6.type >"$tmp/tshark.fields" 2>/dev/null; } 2>"$tmp/tshark.time"
tshark_cpu=$(awk '{print $2 + $3}' "$tmp/tshark.time")
awk -F, '{ if ($1 != "") k = "6 " $1; else if ($2 != "") k = "17 " $2;
           else if ($4 != "") k = "58 " $4; else if ($3 != "") k = "1 " $3; else k = "other";
           c[k]++ } END { for (k in c) print k, c[k] }' "$tmp/tshark.fields" | sort >"$tmp/tshark.ports"
"$bench" "$slice" --repeat 3 --ports "$tmp/renkei.ports.raw" | tee "$tmp/slice.txt"
sort "$tmp/renkei.ports.raw" >"$tmp/renkei.ports"
slice_cpu=$(awk '/^mode/ {print $8}' "$tmp/slice.txt")
if ! cmp -s "$tmp/tshark.ports" "$tmp/renkei.ports"; then
    echo "FAIL: per-port counts differ between tshark and renkei on the 1M-packet slice:" >&2
    diff "$tmp/tshark.ports" "$tmp/renkei.ports" | head -20 >&2
    exit 1
fi
echo "   per-port counts equal ($(wc -l <"$tmp/renkei.ports") protocol/port keys)"

awk -v n="$n" -v fc="$full_cpu" -v fw="$full_wall" -v dc="$dec_cpu" -v rc="$read_cpu" \
    -v tc="$tcpdump_cpu" -v tw="$tcpdump_wall" -v sc="$tshark_cpu" -v lc="$slice_cpu" \
    -v mp="$mem_peak" -v runs="$runs" 'BEGIN {
    printf "\nsensor benchmark: %d packets, medians of %d runs, CPU seconds (one core)\n", n, runs
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "renkei full aggregation", fc, n / fc
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "  the same in wall-clock time", fw, n / fw
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "renkei read + decode + classify", dc, n / dc
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "renkei read (mmap)", rc, n / rc
    printf "  %-44s %8.3f s  %12.0f packets/s  (wall %.3f s)\n", "tcpdump -r -w /dev/null \"ip or ip6\"", tc, n / tc, tw
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "tshark fields, 1M-packet slice", sc, 1e6 / sc
    printf "  %-44s %8.3f s  %12.0f packets/s\n", "renkei full aggregation, same slice", lc, 1e6 / lc
    printf "  ratio renkei full / tcpdump read:   %.2f\n", (n / fc) / (n / tc)
    printf "  ratio renkei full / tshark (slice): %.1f\n", (1e6 / lc) / (1e6 / sc)
    printf "  aggregation memory peak: %.1f MiB (cap 1024 MiB)\n", mp / 1048576
}'
