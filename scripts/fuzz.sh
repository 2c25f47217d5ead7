#!/usr/bin/env bash
# fuzz.sh BUILD_DIR [SECONDS] [TARGET...] - run libFuzzer targets, growing their corpora.
#
# BUILD_DIR is a build configured with -DRK_FUZZ=ON (clang; `make fuzz` does it). Each target
# tests/fuzz/<name>/ runs for SECONDS (default 60) on its corpus, tests/fuzz/<name>/corpus,
# which the test suite replays: new inputs that reach new code are added there (review and
# commit them). A crash stops the run with the fuzzer's report and the input that caused it
# (crash-*, in the working directory); the exit status is then non-zero.
set -euo pipefail
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]}
secs=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
root=$(cd "$(dirname "$0")/.." && pwd)

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for dir in "$root"/tests/fuzz/*/; do
        [[ -f "$dir/fuzz.c" ]] && targets+=("$(basename "$dir")")
    done
fi
failed=0
for t in "${targets[@]}"; do
    bin=$(find "$build" -type f -name "fuzz_$t" -perm -u+x | head -1)
    if [[ -z "$bin" ]]; then
        echo "fuzz: no binary fuzz_$t in $build (configure with -DRK_FUZZ=ON and CC=clang)" >&2
        failed=1
        continue
    fi
    corpus="$root/tests/fuzz/$t/corpus"
    mkdir -p "$corpus"
    before=$(find "$corpus" -type f | wc -l)
    echo "== $t: ${secs}s, corpus $before inputs"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 "$corpus" \
            2> >(grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" >&2); then
        echo "fuzz: $t found a failure (see above)" >&2
        failed=1
    fi
    echo "   corpus now $(find "$corpus" -type f | wc -l) inputs"
done
exit "$failed"
