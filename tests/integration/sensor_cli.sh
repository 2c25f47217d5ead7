#!/usr/bin/env bash
# sensor_cli.sh - `renkei sensor` end to end on generated captures, against the generator's
# ground truth: register sensors, ingest (every stored bin exact), ingest again (nothing counted
# twice), the same capture in two halves split inside a bin (bins merge exactly), top tables,
# alerts (every campaign, no false alert), exports (CSV, JSON lines, STIX), ASN and country
# tables, the plot (valid SVG naming the top ports), the published STIX objects (valid against
# the OASIS schemas, retrievable with `renkei export`), and errors that say what to do.
set -euo pipefail

renkei=${RENKEI:?}
tools=${RK_TOOLS_DIR:?}
corpus=${RK_CORPUS:?}
src=${RK_SOURCE_DIR:?}
check="/usr/bin/python3 $src/tests/integration/sensor_cli.py"
scanners=$corpus/indicators/warninglists/censys-scanning.json
work=$(mktemp -d /tmp/rk_sensor_cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '== %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
# expect STATUS CMD...: run CMD, insist on its exit status, keep stderr in err.txt
expect() {
    local want=$1 got=0
    shift
    "$@" >out.txt 2>err.txt || got=$?
    [ "$got" = "$want" ] || {
        cat err.txt >&2
        fail "'$*' exited $got, want $want"
    }
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# a node with the generator's four sensors
node() {
    local data=$1
    "$renkei" --data "$data" init >/dev/null
    "$renkei" --data "$data" sensor add tokyo-1 --prefix 198.18.0.0/16 --country JP --tlp green \
        --group quad >/dev/null
    "$renkei" --data "$data" sensor add sydney-1 --prefix 198.19.0.0/17 --country AU \
        --tlp amber >/dev/null
    "$renkei" --data "$data" sensor add delhi-1 --prefix 192.0.2.0/24,203.0.113.0/24 \
        --country IN --tlp green >/dev/null
    "$renkei" --data "$data" sensor add tokyo-6 --prefix 2001:db8:8000::/48 --country JP \
        --tlp clear >/dev/null
}

step "72 hours of traffic with 3 campaigns and 6 DoS attacks"
"$tools/sensor_gen" --seed 7 --hours 72 --campaigns 3 --out a.pcap --labels a.json
$check geo-tables asn.csv cc.csv

step "register sensors; bad registrations say what is wrong"
node d1
"$renkei" --data d1 sensor list --json | json "[s['name'] for s in d]" | grep -q "tokyo-6"
expect 3 "$renkei" --data d1 sensor add other --prefix 198.18.128.0/24
grep -q "overlaps 198.18.0.0/16 of sensor tokyo-1" err.txt
expect 3 "$renkei" --data d1 sensor add bad --prefix 198.51.100.1/24
grep -q "host bits zero" err.txt
expect 3 "$renkei" --data d1 sensor add tokyo-1 --prefix 10.0.0.0/8
grep -q "exists already" err.txt
expect 2 "$renkei" --data d1 sensor add x --prefix 10.0.0.0/8 --bin 7m
grep -q "divides a day" err.txt
expect 2 "$renkei" --data d1 sensor add x
grep -q "no --prefix" err.txt

step "ingest: every bin exact against the ground truth"
"$renkei" --data d1 sensor ingest --json --scanners "$scanners" --asn-table asn.csv \
    --country-table cc.csv a.pcap >ingest1.json 2>ingest1.err
[ "$(json "d['packets']" <ingest1.json)" = "$(json "sum(b['packets'] for b in d['bins'])" <a.json)" ]
[ "$(json "d['outside']" <ingest1.json)" = "$(json "d['outside']" <a.json)" ]
[ "$(json "d['bins']['new']" <ingest1.json)" = 288 ]
[ "$(json "d['drops']" <ingest1.json)" = "$(json "d['drops']" <a.json)" ]
[ "$(json "d['published']['created_collection']" <ingest1.json)" = sensors ]
grep -q "created collection 'sensors'" ingest1.err
"$renkei" --data d1 sensor export --format json >bins1.jsonl
$check bins a.json bins1.jsonl

step "ingest again: skipped, nothing counted twice"
"$renkei" --data d1 stats >stats1.txt
expect 0 "$renkei" --data d1 sensor ingest --scanners "$scanners" a.pcap
grep -q "already ingested" err.txt
grep -q "0 files read (1 skipped" out.txt
"$renkei" --data d1 sensor export --format json >bins1b.jsonl
cmp -s bins1.jsonl bins1b.jsonl || fail "a second ingest changed the stored bins"
"$renkei" --data d1 stats >stats1b.txt
cmp -s stats1.txt stats1b.txt || fail "a second ingest changed the store"

step "top tables: ports over the range and in one bin, sources of one bin"
"$renkei" --data d1 sensor top --by port -n 20 --json >top_ports.json
$check top-ports a.json top_ports.json
"$renkei" --data d1 sensor top --by port -n 15 --json --since 2024-05-02T05:00:00Z \
    --until 2024-05-02T06:00:00Z >top_bin.json
$check top-ports a.json top_bin.json 1714626000
"$renkei" --data d1 sensor top --by source -n 5 --json --sensor tokyo-1 \
    --since 2024-05-02T05:00:00Z --until 2024-05-02T06:00:00Z >top_src.json
$check top-sources a.json top_src.json 1714626000
"$renkei" --data d1 sensor top --by port -n 5 >top.txt
grep -q "Rank  Port" top.txt
grep -q "23/tcp" top.txt
"$renkei" --data d1 sensor top --by country >top_cc.txt
grep -q "Country" top_cc.txt
"$renkei" --data d1 sensor top --by asn -n 3 >top_asn.txt
grep -q "Example" top_asn.txt

step "alerts: every campaign, no false alert"
"$renkei" --data d1 sensor alerts --json >alerts1.json
$check alerts a.json alerts1.json
"$renkei" --data d1 sensor alerts >alerts.txt
grep -q "RULE" alerts.txt

step "exports: CSV tables, ASN and country rows against the mapped sources"
"$renkei" --data d1 sensor export --format csv --table sources -o sources.csv
"$renkei" --data d1 sensor export --format csv --table asns -o asns.csv
"$renkei" --data d1 sensor export --format csv --table countries -o countries.csv
$check geo sources.csv asns.csv asns
$check geo sources.csv countries.csv countries
"$renkei" --data d1 sensor export --format csv --table ports >ports.csv
[ "$(($(wc -l <ports.csv) - 1))" = "$(json "sum(len(b['ports']) for b in d['bins'])" <a.json)" ]
"$renkei" --data d1 sensor export --format csv --table dos >dos.csv
head -1 dos.csv | grep -q "^bin_start,sensor,victim"
"$renkei" --data d1 sensor export --format csv --table alerts --sensor sydney-1 >al.csv
grep -q "sydney-1" al.csv

step "STIX: published objects valid, marked, retrievable over the export path"
"$renkei" --data d1 export --collection sensors -o published.json 2>/dev/null
$check stix a.json published.json alerts1.json
/usr/bin/python3 "$src/tests/integration/sensor_stix_schema.py" \
    "$corpus/stix/schemas/schemas" published.json
"$renkei" --data d1 sensor export --format stix -o range.json 2>/dev/null
$check same-objects published.json range.json
$check bundle range.json
"$renkei" --data d1 validate published.json >/dev/null
# provenance: the sensor's sharing group went with its objects
"$renkei" --data d1 stats | grep -q "sensors"

step "plot: SVG that parses and names the top ports"
"$renkei" --data d1 sensor top --by port -n 8 --json --sensor tokyo-1 >top8.json
"$renkei" --data d1 sensor plot --top 8 --sensor tokyo-1 -o plot.svg 2>/dev/null
$check svg plot.svg top8.json
"$renkei" --data d1 sensor plot --stacked -o stacked.svg 2>/dev/null
/usr/bin/python3 -c "import xml.etree.ElementTree as E; E.parse('stacked.svg')"
expect 2 "$renkei" --data d1 sensor plot --stacked --log
expect 1 "$renkei" --data d1 sensor plot --since 2030-01-01 -o none.svg
grep -q "nothing to draw" err.txt

step "the same capture in two halves, split inside a bin: merged bins are exact"
$check split a.pcap 1714651200.5 h1.pcap h2.pcap # 2024-05-02T12:00:00.5Z: bin 36
node d2
"$renkei" --data d2 sensor ingest --json --scanners "$scanners" h1.pcap >i1.json 2>/dev/null
"$renkei" --data d2 sensor ingest --json --scanners "$scanners" h2.pcap >i2.json 2>/dev/null
[ "$(json "d['bins']['merged']" <i2.json)" = 4 ] || fail "want 4 merged bins: $(cat i2.json)"
"$renkei" --data d2 sensor export --format json >bins2.jsonl
$check bins a.json bins2.jsonl --merged
"$renkei" --data d2 sensor alerts --json >alerts2.json
$check alerts a.json alerts2.json
"$renkei" --data d2 export --collection sensors -o published2.json 2>/dev/null
/usr/bin/python3 "$src/tests/integration/sensor_stix_schema.py" \
    "$corpus/stix/schemas/schemas" published2.json
# the merged bins were published again as new versions
[ "$("$renkei" --data d2 export --collection sensors --all-versions --type renkei-darknet-summary \
    --format ndjson 2>/dev/null | wc -l)" = 292 ]

step "errors: unknown sensor, unreadable input, bad times"
expect 3 "$renkei" --data d1 sensor ingest --sensor nope a.pcap
grep -q "no sensor named 'nope'" err.txt
printf 'not a capture' >junk.pcap
"$tools/sensor_gen" --seed 8 --hours 2 --campaigns 0 --attacks 0 --out b.pcap
expect 1 "$renkei" --data d1 sensor ingest junk.pcap b.pcap
grep -q "junk.pcap: not a pcap or pcapng capture.*; skipped" err.txt
grep -q "1 unreadable" out.txt
expect 2 "$renkei" --data d1 sensor top --since yesterday-ish
grep -q "24h, 7d" err.txt
expect 2 "$renkei" --data d1 sensor top --by planet
expect 0 "$renkei" --data d1 sensor remove tokyo-6 --yes
grep -q "removed with 72 bins" out.txt

step "live capture on the loopback (root only): bins stored on stop, privileges dropped"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
    "$renkei" --data d3 init >/dev/null
    "$renkei" --data d3 sensor add lo --prefix 127.77.0.0/16 --bin 1m --tlp green >/dev/null
    (sleep 2; /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1, 41):
    for p in (5060, 1900, 11211):
        s.sendto(b'renkei', ('127.77.0.%d' % i, p))") &
    expect 0 "$renkei" --data d3 sensor capture --duration 5 --filter 'udp and dst net 127.77.0.0/16' lo
    wait
    grep -q "capturing on lo" err.txt
    grep -q "120 in sensors" out.txt || fail "capture: $(cat out.txt)"
    "$renkei" --data d3 sensor top --json >live.json
    [ "$(json "sorted(r['label'] for r in d['rows'])" <live.json)" = \
        "['11211/udp', '1900/udp', '5060/udp']" ] || fail "live top: $(cat live.json)"
    [ "$(json "d['rows'][0]['sources']" <live.json)" = 1 ]
    [ "$("$renkei" --data d3 sensor list --json | json "d[0]['packets']")" = 120 ]
    # the bins' summaries were published as they were stored
    "$renkei" --data d3 export --collection sensors --type renkei-darknet-summary \
        --format ndjson 2>/dev/null | head -1 | json "d['sensor_name']" | grep -qx lo
else
    echo "skipped: not root"
fi

echo "sensor CLI: all checks passed"
