#!/usr/bin/env bash
# store_sigkill.sh - an import killed with SIGKILL at any moment leaves a consistent store that
# holds every batch it reported as committed, and no part of any other batch.
#
# store_crash_writer writes batches and prints "committed <n>" after each COMMIT; it is killed
# at a random moment; store_crash_writer check then runs the store's check (SQLite
# integrity_check plus the store's invariants), finds a whole number of batches, at least the
# reported ones and at most one more (killed between COMMIT and the print), and compares every
# object with what was written. The next writer continues the same store. Writers take turns:
# one shares the store (write-ahead log), one takes it alone (RK_STORE_EXCLUSIVE: a rollback
# journal instead), one has it alone until another process asks (RK_STORE_ALONE_WHEN_IDLE),
# while a second process opens the store at a random moment, which makes the writer switch back
# to the log mid-run. Kills land in both journal modes and in the switches between them; the
# read-only check after a writer alone must first roll its journal back. RK_SIGKILL_RUNS sets
# the number of kills.
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
    ((run % 3 == 2)) && mode=(exclusive)
    ((run % 3 == 0)) && mode=(yielding)
    "$tool" write "$data" "${mode[@]}" >"$work/out" 2>"$work/err" &
    pid=$!
    peek=
    if ((run % 3 == 0)); then
        (sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 300) / 1000 }')" &&
            exec "$tool" peek "$data") 2>"$work/peek" &
        peek=$!
    fi
    # 20 ms .. 400 ms: early kills land in open/migration/first batch, later ones mid-batch
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", 0.02 + (r % 380) / 1000 }')"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ -n "$peek" ]] && ! wait "$peek"; then
        echo "store_sigkill: run $run: another process could not open the store:" >&2
        cat "$work/peek" >&2
        exit 1
    fi
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
