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
