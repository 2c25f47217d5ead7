#!/bin/bash
# stix_stdin.sh - the reader gives the same verdicts reading a file and reading stdin ("-"),
# where the input cannot be seeked: an ATT&CK bundle and a STIX 2.0 bundle through both.
set -euo pipefail

: "${RK_CORPUS:?}" "${RK_TOOLS_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in stix/attack/ics-attack-18.1.json stix/stix20/unit42-2024-02-08-Pikabot.json \
         stix/markings/tlp2/using-tlp2.0-green.json; do
    rc1=0 rc2=0
    "$RK_TOOLS_DIR/stix_check" "$RK_CORPUS/$f" | grep -v '^input' > "$tmp/file" || rc1=$?
    "$RK_TOOLS_DIR/stix_check" - < "$RK_CORPUS/$f" | grep -v '^input' > "$tmp/stdin" || rc2=$?
    if ! cmp -s "$tmp/file" "$tmp/stdin" || [ "$rc1" != "$rc2" ]; then
        echo "FAIL $f: file and stdin verdicts differ" >&2
        diff "$tmp/file" "$tmp/stdin" | head >&2 || true
        exit 1
    fi
    echo "stix_stdin: $f: $(cut -f2 "$tmp/file" | sort | uniq -c | tr -s ' \n' ' ')"
done

# renkei import from a pipe that stays open: the objects come as they are written, and a
# collection that does not exist is refused before anything is read (it does not wait on the
# pipe).
: "${RENKEI:?}"
"$RENKEI" -q --data "$tmp/node" init --name stdin >/dev/null
obj=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d["objects"][1]))' \
      "$RK_CORPUS/stix/attack/ics-attack-18.1.json")
mkfifo "$tmp/pipe"
(echo "$obj"; exec sleep 30) > "$tmp/pipe" &
writer=$!
start=$(date +%s)
rc=0
timeout 20 "$RENKEI" --data "$tmp/node" import -c nosuch - < "$tmp/pipe" > "$tmp/out" 2>&1 || rc=$?
took=$(($(date +%s) - start))
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
if [ "$rc" != 1 ] || ! grep -q "no collection nosuch" "$tmp/out" || [ "$took" -ge 10 ]; then
    echo "FAIL: a missing collection with an open pipe: exit $rc after $took s: $(cat "$tmp/out")" >&2
    exit 1
fi
out=$( (echo "$obj"; sleep 1; echo "$obj") | "$RENKEI" --data "$tmp/node" import - 2>&1)
if ! grep -q "import: 1 stored, 1 duplicate" <<< "$out"; then
    echo "FAIL: import from a pipe: $out" >&2
    exit 1
fi
echo "stix_stdin: renkei import from a pipe: missing collection refused at once; 1 stored, 1 duplicate"
