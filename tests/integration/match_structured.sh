#!/usr/bin/env bash
# renkei match in structured mode, end to end through the CLI: a node with STIX indicators
# (corpus threat reports plus compound patterns), Zeek and eve JSON lines, a pcap, CSV and
# text; warning lists from the corpus; sightings stored once per indicator and window and not
# again on a second run; the cached index rebuilt after an import; a damaged index refused.
set -euo pipefail
: "${RENKEI:?}" "${RK_CORPUS:?}" "${RK_TOOLS_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node="$work/node"
reports="$RK_CORPUS/stix/examples/oasis-json-schemas/threat-reports"
fail=0

check() { # description, then a command that must succeed
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

"$RENKEI" --data "$node" init --name match-test > /dev/null
"$RENKEI" --data "$node" -q import "$reports/poisonivy.json" > /dev/null
cat > "$work/extra.json" <<'EOF'
{"type":"bundle","id":"bundle--0b2c9a8e-7f3d-4f6b-9d5e-3c1a2b4d5e6f","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"TLS to the C2 on 443","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","pattern":"[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"web on 443","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","pattern":"[network-traffic:dst_ref.value = '198.51.100.23' AND network-traffic:dst_port = 443]"},
{"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"evil domain","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","confidence":90,"pattern":"[domain-name:value = 'evil.example.com']"},
{"type":"indicator","spec_version":"2.1","id":"indicator--44444444-4444-4444-8444-444444444444","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"a public resolver","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '8.8.8.8']"},
{"type":"indicator","spec_version":"2.1","id":"indicator--55555555-5555-4555-8555-555555555555","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"revoked","revoked":true,"pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '10.0.0.5']"}
]}
EOF
"$RENKEI" --data "$node" -q import "$work/extra.json" > /dev/null

# Inputs: the sample capture, Zeek and eve lines, CSV, text.
"$RK_TOOLS_DIR/match_mkpcap" > "$work/sample.pcap"
"$RK_TOOLS_DIR/match_mkpcap" --pcapng > "$work/sample.pcapng"
cat > "$work/zeek.log" <<'EOF'
{"ts":1700000000.5,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":51000,"id.resp_h":"60.2.148.167","id.resp_p":80,"proto":"tcp"}
{"ts":1700000001.5,"uid":"C2","id.orig_h":"10.0.0.5","id.resp_h":"8.8.8.8","query":"www.jj.mysecondarydns.com"}
this line is not JSON
EOF
cat > "$work/eve.json" <<'EOF'
{"timestamp":"2023-11-14T22:13:25.000000+0000","event_type":"tls","src_ip":"10.0.0.5","src_port":40001,"dest_ip":"203.0.113.9","dest_port":443,"proto":"TCP","tls":{"sni":"c2.bad.example"}}
EOF
printf 'when,dst\n1,60.2.148.167\n2,192.0.2.1\n' > "$work/flows.csv"
printf 'beacon to hxxp://evil[.]example[.]com/x from 10.0.0.5\n' > "$work/report.txt"

run() { "$RENKEI" --data "$node" -q match -C default "$@"; }

out=$(run "$work/sample.pcap" 2> /dev/null)
check "pcap: DNS, HTTP Host and the TLS flow to port 443" \
    test "$(grep -c 'indicator--33333333' <<< "$out")" -eq 3 -a \
         "$(grep -c 'indicator--11111111' <<< "$out")" -eq 1
check "pcap: the AND with dst_port 443 rejects port 80" \
    test "$(grep -c 'indicator--22222222' <<< "$out")" -eq 0
check "pcapng gives the same events" \
    cmp -s <(run "$work/sample.pcap" | sed 's/"input":"[^"]*"//') \
           <(run "$work/sample.pcapng" | sed 's/"input":"[^"]*"//')
check "pcap events are valid JSON with the documented members" \
    /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    assert {"time", "input", "record", "field", "kind", "value", "indicators"} <= set(e)
    for i in e["indicators"]:
        assert {"id", "matched", "matched_kind", "tlp", "source"} <= set(i)
' <<< "$out"
check "TLP from the indicator's marking" grep -q '"id":"indicator--11111111[^}]*"tlp":"amber"' <<< "$out"

out=$("$RENKEI" --data "$node" match -C default "$work/zeek.log" 2> "$work/err")
check "Zeek conn: a poisonivy address, Zeek dns: a subdomain of a poisonivy name" \
    test "$(grep -c '"value":"60.2.148.167"' <<< "$out")" -eq 1 -a \
         "$(grep -c '"value":"www.jj.mysecondarydns.com"' <<< "$out")" -eq 1
check "the bad line is reported with its record number" grep -q 'record 3' "$work/err"
check "revoked indicators do not match" test "$(grep -c '10.0.0.5' <<< "$out")" -eq 0

wl="$RK_CORPUS/indicators/warninglists"
out=$(run -w "$wl" --show-suppressed "$work/zeek.log" 2> /dev/null)
check "8.8.8.8 is suppressed by the public DNS warning list, and says so" \
    grep -q '"value":"8.8.8.8","suppressed_by":{"list":"List of known IPv4 public DNS resolvers"' <<< "$out"
check "without --show-suppressed it is not printed" \
    test "$(run -w "$wl" "$work/zeek.log" 2> /dev/null | grep -c 8.8.8.8)" -eq 0
check "--no-warninglists prints it" \
    test "$(run --no-warninglists "$work/zeek.log" 2> /dev/null | grep -c 8.8.8.8)" -eq 1

check "eve: TLS flow to port 443" test "$(run "$work/eve.json" | grep -c indicator--11111111)" -eq 1
check "CSV column" test "$(run --column dst "$work/flows.csv" | grep -c 60.2.148.167)" -eq 1
check "text: the host of a defanged URL" \
    test "$(run -f text "$work/report.txt" | grep -c '"kind":"domain-name","value":"evil.example.com"')" -eq 1
check "-c counts values" test "$(run -c "$work/zeek.log" 2> /dev/null)" -eq 3

# Sightings: once per indicator and window; a second run stores nothing new.
run --sightings "$work/sample.pcap" "$work/zeek.log" > /dev/null 2> "$work/s1" || true
"$RENKEI" --data "$node" match -C default --sightings "$work/sample.pcap" "$work/zeek.log" \
    > /dev/null 2> "$work/s2" || true
check "second run: nothing new" grep -q '0 sightings stored' "$work/s2"
"$RENKEI" --data "$node" export -t sighting > "$work/sightings.json"
check "sightings: one per indicator per window, with counts and the node as sighter" \
    /usr/bin/python3 - "$work/sightings.json" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))["objects"]
by = {}
for o in objs:
    assert o["type"] == "sighting" and o["where_sighted_refs"][0].startswith("identity--")
    by.setdefault(o["sighting_of_ref"], []).append(o)
d = by["indicator--33333333-3333-4333-8333-333333333333"]
assert len(d) == 1 and d[0]["count"] == 3, d
assert d[0]["first_seen"] == "2023-11-14T22:13:21.000000Z" and d[0]["last_seen"] == "2023-11-14T22:13:23.000000Z"
assert "indicator--22222222-2222-4222-8222-222222222222" not in by
PY

# The cached index: reused, then rebuilt after an import; a damaged one is refused.
"$RENKEI" --data "$node" -v match -C default -c "$work/zeek.log" > /dev/null 2> "$work/v1" || true
check "the cached index is used" grep -q "using .*default.idx" "$work/v1"
"$RENKEI" --data "$node" -q import "$reports/apt1.json" > /dev/null
"$RENKEI" --data "$node" -v match -C default -c "$work/zeek.log" > /dev/null 2> "$work/v2" || true
check "an import makes it out of date" grep -q "out of date" "$work/v2"
cp "$node/match/default.idx" "$work/bad.idx"
printf 'X' | dd of="$work/bad.idx" bs=1 seek=5000 conv=notrunc 2> /dev/null
set +e
"$RENKEI" --data "$node" match --index "$work/bad.idx" "$work/zeek.log" > /dev/null 2> "$work/e"
st=$?
set -e
check "a damaged index is refused with status 2" test $st -eq 2
check "... and the reason" grep -q "corrupt index snapshot" "$work/e"
exit $fail
