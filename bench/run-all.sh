#!/usr/bin/env bash
# bench/run-all.sh BUILD_DIR - run every benchmark (each bench/<name>/run.sh) in turn.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
for script in "$here"/*/run.sh; do
    echo "== $(basename "$(dirname "$script")")"
    bash "$script" "$build"
done
