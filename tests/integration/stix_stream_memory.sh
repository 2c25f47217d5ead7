#!/bin/bash
# stix_stream_memory.sh - the streaming reader's memory does not grow with the input: a generated
# 300 MB bundle (its "objects" list before "type" and "id"), and the same objects as JSON lines,
# are each read object by object with the peak resident set (VmHWM) under 100 MB, every object
# valid and none lost. The files are deleted afterwards.
set -euo pipefail

: "${RK_TOOLS_DIR:?}"
SIZE_MB=${RK_STREAM_TEST_MB:-300}
LIMIT_KB=$((100 * 1024))
file=$(mktemp /tmp/rk_stix_stream_XXXXXX.json)
trap 'rm -f "$file"' EXIT
# Under AddressSanitizer, freed memory sits in a quarantine (256 MB by default) that says
# nothing about the reader: keep it small for this measurement.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16:thread_local_quarantine_size_kb=256"
fail=0

# check FORM [lines]: generate, read, compare
check() {
    local form=$1 gen out want objects valid hwm
    gen=$("$RK_TOOLS_DIR/stix_stream" gen "$file" "$SIZE_MB" ${2:-})
    want=$(sed -n 's/^objects=\([0-9]*\).*/\1/p' <<< "$gen")
    out=$("$RK_TOOLS_DIR/stix_stream" read "$file")
    echo "stix_stream_memory: $form, $SIZE_MB MB, $gen; $out"
    field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$out"; }
    objects=$(field objects)
    valid=$(field valid)
    hwm=$(field vmhwm_kb)
    if [ "$objects" != "$want" ] || [ "$valid" != "$want" ]; then
        echo "FAIL: $form: expected $want valid objects, read $objects ($valid valid)" >&2
        fail=1
    fi
    if [ "$hwm" -ge "$LIMIT_KB" ]; then
        echo "FAIL: $form: peak resident memory ${hwm} kB is not under ${LIMIT_KB} kB" >&2
        fail=1
    fi
}

check bundle
check "JSON lines" lines
exit $fail
