#!/usr/bin/env bash
# deps.sh - make sure the Debian packages renkei needs are installed.
#   scripts/deps.sh build        what building and running the node needs
#   scripts/deps.sh test         build + what the test suite needs
#   scripts/deps.sh bench        test + the peers the benchmarks compare against
# As root, missing packages are installed with apt-get; otherwise the exact command is printed
# and the script exits with status 1.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libjansson-dev libsqlite3-dev nettle-dev
            libgnutls28-dev gnutls-bin libmicrohttpd-dev libcurl4-gnutls-dev libpcap-dev
            libpcre2-dev)
test_pkgs=(libcmocka-dev python3 python3-jsonschema clang libclang-rt-14-dev curl sqlite3
           grepcidr tcpdump pmccabe)
bench_pkgs=(wrk nginx-light tshark hyperfine valgrind)

want=("${build_pkgs[@]}")
case "${1:-build}" in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
*) echo "usage: scripts/deps.sh build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    echo "renkei: installing missing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "renkei: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
