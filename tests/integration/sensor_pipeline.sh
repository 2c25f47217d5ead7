#!/usr/bin/env bash
# sensor_pipeline.sh - the sensor engine end to end on generated captures, against the
# generator's ground truth: every bin's aggregates, fingerprints, prefixes, sampled sources,
# drop counts and DoS attacks exactly; every injected campaign detected with no false alert;
# the same capture as pcap and pcapng, in both byte orders, micro- and nanosecond, through every
# link type, from a directory and from stdin; under a small memory cap within the error
# bounds; STIX output valid against the OASIS JSON schemas; an SVG plot.
set -euo pipefail

tools=${RK_TOOLS_DIR:?}
corpus=${RK_CORPUS:?}
src=${RK_SOURCE_DIR:?}
gen=$tools/sensor_gen
check=$tools/sensor_check
scanners=$corpus/indicators/warninglists/censys-scanning.json
work=$(mktemp -d /tmp/rk_sensor_pipeline.XXXXXX)
trap 'rm -rf "$work"' EXIT

step() { printf '== %s\n' "$*"; }

step "72 hours, Ethernet with VLAN tags, classic pcap: exact aggregates and detection"
"$gen" --seed 7 --hours 72 --campaigns 3 --out "$work/a.pcap" --labels "$work/a.json"
"$check" --labels "$work/a.json" --input "$work/a.pcap" --scanners "$scanners" \
    --expect-detect --stix "$work/a.stix.json" --svg "$work/a.svg" --tables >"$work/tables.txt"
grep -q "Rank  Port" "$work/tables.txt"
grep -q "<svg" "$work/a.svg"
grep -q "</svg>" "$work/a.svg"

step "STIX objects against the OASIS JSON schemas"
/usr/bin/python3 "$src/tests/integration/sensor_stix_schema.py" "$corpus/stix/schemas/schemas" \
    "$work/a.stix.json"

step "one frame at a time instead of batches: the same results"
"$check" --labels "$work/a.json" --input "$work/a.pcap" --scanners "$scanners" --single \
    --expect-detect

step "the same traffic as pcapng with nanosecond timestamps"
"$gen" --seed 7 --hours 72 --campaigns 3 --format pcapng --nano --out "$work/a.pcapng"
"$check" --labels "$work/a.json" --input "$work/a.pcapng" --scanners "$scanners" --expect-detect

step "from stdin, and from a directory"
"$check" --labels "$work/a.json" --input - --scanners "$scanners" <"$work/a.pcap"
mkdir "$work/dir"
cp "$work/a.pcap" "$work/dir/capture.pcap"
touch "$work/dir/.ignored"
"$check" --labels "$work/a.json" --input "$work/dir" --scanners "$scanners"

step "every link type, byte-swapped and nanosecond files"
for link in raw sll sll2 null loop; do
    "$gen" --seed 11 --hours 36 --campaigns 1 --attacks 3 --link "$link" --swapped \
        --out "$work/l.pcap" --labels "$work/l.json"
    "$check" --labels "$work/l.json" --input "$work/l.pcap" --scanners "$scanners"
done
"$gen" --seed 12 --hours 36 --campaigns 1 --nano --format pcapng --link sll2 \
    --out "$work/n.pcapng" --labels "$work/n.json"
"$check" --labels "$work/n.json" --input "$work/n.pcapng" --scanners "$scanners"

step "a 4 MiB memory cap: approximate counting within its error bounds"
"$gen" --seed 13 --hours 4 --campaigns 0 --attacks 2 --scale 20 --out "$work/big.pcap" \
    --labels "$work/big.json"
"$check" --labels "$work/big.json" --input "$work/big.pcap" --scanners "$scanners"
"$check" --labels "$work/big.json" --input "$work/big.pcap" --scanners "$scanners" \
    --mem-cap 4194304

echo "sensor pipeline: all checks passed"
