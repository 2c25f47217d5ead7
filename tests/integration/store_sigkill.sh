#!/usr/bin/env bash
# store_sigkill.sh - an import killed with SIGKILL at any moment leaves a consistent store that
# holds every batch it reported as committed, and no part of any other batch.
#
# store_crash_writer writes batches and prints "committed <n>" after each COMMIT; it is killed
# at a random moment; store_crash_writer check then runs the store's check (SQLite
# integrity_check plus the store's invariants), finds a whole number of batches, at least the
# reported ones and at most one more (killed between COMMIT and the print), and compares every
# object with what was written. The next writer continues the same store. Every other writer
# takes the store alone (RK_STORE_EXCLUSIVE: a rollback journal instead of the write-ahead log),
# so kills land in both journal modes and in the switches between them; the read-only check
# after an exclusive writer must first roll its journal back. RK_SIGKILL_RUNS sets the number
# of kills.
set -euo pipefail

tool="${RK_TOOLS_DIR:?RK_TOOLS_DIR is not set}/store_crash_writer"
runs="${RK_SIGKILL_RUNS:-25}"
[[ -x "$tool" ]] || { echo "store_sigkill: $tool is missing" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/rk-sigkill-XXXXXX")"
trap 'rm -rf "$work"' EXIT
data="$work/data"
reported=0 # batches known committed: printed by a writer, or found by the last check

for ((run = 1; run <= runs; run++)); do
    mode=()
    ((run % 2 == 0)) && mode=(exclusive)
    "$tool" write "$data" "${mode[@]}" >"$work/out" 2>"$work/err" &
    pid=$!
    # 20 ms .. 400 ms: early kills land in open/migration/first batch, later ones mid-batch
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.02 + (r % 380) / 1000 }')"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ -s "$work/err" ]]; then
        echo "store_sigkill: run $run: the writer failed before it was killed:" >&2
        cat "$work/err" >&2
        exit 1
    fi
    reported="$(awk -v n="$reported" '$1 == "committed" { n = $2 } END { print n + 0 }' \
        "$work/out")"
    if ! result="$("$tool" check "$data" "$reported" 2>&1)"; then
        echo "store_sigkill: run $run (reported $reported): $result" >&2
        exit 1
    fi
    echo "run $run${mode:+ (${mode[*]})}: reported $reported: $result"
    # what the check found is committed: the next writer continues from there
    reported="$(sed -n 's/^ok batches=\([0-9]*\).*/\1/p' <<<"$result")"
done
echo "store_sigkill: $runs kills, store consistent after each"
