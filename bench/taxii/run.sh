#!/usr/bin/env bash
# bench/taxii/run.sh BUILD_DIR - TAXII server throughput against nginx on this machine.
#
# Builds a node with a collection of 1M indicators (RK_BENCH_OBJECTS), serves it over plain
# HTTP on loopback, and measures with wrk in the same run:
#   GET   a page of 100 indicators, HTTP Basic, 64 connections, against nginx serving a static
#         file holding the same response body (the limit of an HTTP server here). Requests/s
#         and p99 latency, median of 3 runs, in four scenarios:
#           random, no cache: positions (added_after) anywhere in the collection, served by a
#             second server with the page cache off: every request reads the store;
#           random: the same with the page cache on (its default, 2 % of memory);
#           polling: the 20 newest full pages, as clients following a feed ask for them;
#           one page, no cache: the very page nginx serves, asked for again and again of the
#             server with the page cache off (the issue's setting read literally, every
#             request reading the store);
#           one page: the same of the server with its default settings (page cache on).
#         nginx also serves every random position's page as a file of its own, asked for at
#         random: the limit for bodies that are not in the CPU's caches, as renkei's rows are
#         not at random positions.
#   POST  envelopes of 1,000 distinct indicators into another collection: objects/s, checked
#         against the store afterwards (every object stored once).
#   store the read path alone, in process (bench/query_rate): rk_store_query pages of 100 at
#         the same positions, wall and CPU time per page, median of 3 runs.
# Needs wrk and nginx (Debian: wrk, nginx-light). Prints a markdown table.
set -euo pipefail
build=$(cd "${1:-build/release}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=${RK_BENCH_DIR:-/tmp/renkei-bench-taxii}
n=${RK_BENCH_OBJECTS:-1000000}
runs=${RK_BENCH_RUNS:-3}
secs=${RK_BENCH_SECONDS:-10}
conns=${RK_BENCH_CONNECTIONS:-64}
threads=${RK_BENCH_SERVER_THREADS:-4}
post_envelopes=${RK_BENCH_ENVELOPES:-1500}
renkei="$build/renkei"
gen="$build/bench/gen_indicators"
query_rate="$build/bench/query_rate"
node="$work/node"
port=$((20000 + RANDOM % 20000))
nginx_port=$((port + 1))
pids=()

for tool in wrk nginx; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || {
        echo "bench/taxii: $tool is missing (scripts/deps.sh bench installs it)" >&2
        exit 1
    }
done
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
mkdir -p "$work"

# ---- the node: 1M indicators in collection "bench" -----------------------------------------
lines="$work/indicators-$n.jsonl"
[[ -s "$lines" ]] || "$gen" lines "$n" 7 > "$lines"
rm -rf "$node"
"$renkei" --data "$node" init --name bench --org bench-org --no-tls >/dev/null
"$renkei" --data "$node" collection add bench --read org:bench-org >/dev/null
"$renkei" --data "$node" collection add ingest --read org:bench-org --write org:bench-org >/dev/null
reader=$("$renkei" --data "$node" user add reader --org bench-org --role reader --json | tail -1 |
         /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
writer=$("$renkei" --data "$node" user add writer --org bench-org --role writer --json | tail -1 |
         /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
start=$(date +%s.%N)
"$renkei" -q --data "$node" import -c bench --org bench-org "$lines"
echo "bench/taxii: imported $n indicators in $(echo "$(date +%s.%N) - $start" | bc) s" >&2

# ---- POST bodies: envelopes of 1,000 distinct indicators ------------------------------------
envdir="$work/envelopes-$post_envelopes"
if [[ ! -s "$envdir/env-$((post_envelopes - 1)).json" ]]; then
    rm -rf "$envdir" && mkdir -p "$envdir"
    "$gen" envelopes 1000 "$post_envelopes" 11 "$envdir"
fi

# ---- the servers ----------------------------------------------------------------------------
"$renkei" --data "$node" serve --insecure-http --port "$port" --threads "$threads" \
    > "$work/serve.log" 2>&1 &
pids+=($!)
serve_pid=$!
nocache_port=$((port + 2))
printf 'taxii.page_cache = 0\n' > "$work/nocache.conf"
"$renkei" -q --data "$node" --config "$work/nocache.conf" serve --insecure-http \
    --port "$nocache_port" --threads "$threads" --no-sync > "$work/serve-nocache.log" 2>&1 &
pids+=($!)
nocache_pid=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/${1:-$serve_pid}/stat"; } # user + system, 1/100 s
basic_reader="Basic $(printf 'reader:%s' "$reader" | base64 -w0)"
basic_writer="Basic $(printf 'writer:%s' "$writer" | base64 -w0)"
for p in "$port" "$nocache_port"; do
    for _ in $(seq 100); do
        curl -sf -o /dev/null -H 'Accept: application/taxii+json;version=2.1' \
            "http://127.0.0.1:$p/taxii2/" && break
        sleep 0.1
    done
done

page="/api/collections/bench/objects/?limit=100"
positions="$work/positions.txt"
/usr/bin/python3 - "$port" "$basic_reader" "$positions" <<'PY'
import http.client, json, random, sys
port, auth, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
h = {"Accept": "application/taxii+json;version=2.1", "Authorization": auth}
c = http.client.HTTPConnection("127.0.0.1", port)
pos, after = [], None
while True:  # every 2,000th date_added across the whole collection: pages start anywhere
    q = "/api/collections/bench/manifest/?limit=1000" + ("&added_after=" + after if after else "")
    c.request("GET", q, headers=h)
    r = c.getresponse()
    d = json.loads(r.read() or b"{}")
    recs = d.get("objects", [])
    pos += [x["date_added"] for x in recs[::200]]
    if not d.get("more"):
        break
    after = r.getheader("X-TAXII-Date-Added-Last")
random.seed(1)
pos = [p for p in pos if p < recs[-101]["date_added"]]  # a full page after each
open(out, "w").write("\n".join(random.sample(pos, min(len(pos), 2000))) + "\n")
open(out + ".head", "w").write("\n".join(pos[-20:]) + "\n")  # the newest full pages
PY
body="$work/nginx/page.json"
mkdir -p "$work/nginx/logs"
curl -sf -H 'Accept: application/taxii+json;version=2.1' -H "Authorization: $basic_reader" \
    "http://127.0.0.1:$port$page&added_after=$(head -1 "$positions")" > "$body"
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=4096;
    types { }
    default_type "application/taxii+json;version=2.1";
    server {
        listen 127.0.0.1:$nginx_port;
        location / { root $work/nginx; }
    }
}
EOF
# every random position's page as a file too: nginx serving the same bodies at the same random
# positions is the HTTP limit for pages that are not in the CPU's caches
rm -rf "$work/nginx/pages" && mkdir -p "$work/nginx/pages"
awk -v base="http://127.0.0.1:$port$page&added_after=" -v dir="$work/nginx/pages" \
    '{ printf "url = \"%s%s\"\noutput = \"%s/%d.json\"\n", base, $1, dir, NR }' \
    "$positions" > "$work/pages.curl"
curl -sf -H 'Accept: application/taxii+json;version=2.1' -H "Authorization: $basic_reader" \
    -K "$work/pages.curl"
n_pages=$(wc -l < "$positions")
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 1

# ---- measure --------------------------------------------------------------------------------
# the import leaves a gigabyte of dirty pages: let writeback finish, then warm both servers up
# (one untimed run each), so the runs below measure serving, not the disk
sync
RK_BENCH_POSITIONS="$positions" RK_BENCH_AUTH="$basic_reader" RK_BENCH_PATH="$page" \
    wrk -t2 -c"$conns" -d5s -s "$here/get.lua" "http://127.0.0.1:$port" >/dev/null 2>&1
wrk -t2 -c"$conns" -d5s "http://127.0.0.1:$nginx_port/page.json" >/dev/null 2>&1
RK_BENCH_PAGES="$n_pages" wrk -t2 -c"$conns" -d5s -s "$here/pages.lua" \
    "http://127.0.0.1:$nginx_port" >/dev/null 2>&1
wrk_json() { # wrk output -> {"rps":..., "p99_ms":..., "p50_ms":...}
    /usr/bin/python3 -c '
import json, re, sys
t = sys.stdin.read()
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
p = {k: ms(*re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % k, t, re.M).groups()) for k in ("50", "99")}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
n = int(re.search(r"(\d+) requests in", t).group(1))
print(json.dumps({"rps": rps, "p50_ms": p["50"], "p99_ms": p["99"], "requests": n,
                  "errors": int(non2xx.group(1)) if non2xx else 0}))'
}
get_run() { # POSITIONS PORT PID: one timed wrk run of get.lua, with the server's CPU per request
    local t0 r
    t0=$(cpu_ticks "$3")
    r=$(RK_BENCH_POSITIONS="$1" RK_BENCH_AUTH="$basic_reader" RK_BENCH_PATH="$page" \
        wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$here/get.lua" "http://127.0.0.1:$2" \
        2>/dev/null | wrk_json)
    echo "$r" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); t=int(sys.argv[1])
r["cpu_us"] = t * 10000.0 / max(r["requests"], 1); print(json.dumps(r))' "$(($(cpu_ticks "$3") - t0))"
}
head -1 "$positions" > "$positions.one" # the page nginx serves, read from the store each time
results=()
for i in $(seq "$runs"); do
    u=$(get_run "$positions" "$nocache_port" "$nocache_pid")
    r=$(get_run "$positions" "$port" "$serve_pid")
    h=$(get_run "$positions.head" "$port" "$serve_pid")
    o=$(get_run "$positions.one" "$nocache_port" "$nocache_pid")
    d=$(get_run "$positions.one" "$port" "$serve_pid")
    g=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$nginx_port/page.json" |
        wrk_json)
    a=$(RK_BENCH_PAGES="$n_pages" wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$here/pages.lua" \
        "http://127.0.0.1:$nginx_port" | wrk_json)
    results+=("$u" "$r" "$h" "$o" "$d" "$g" "$a")
done
kill -TERM "$serve_pid" "$nocache_pid"
wait "$serve_pid" "$nocache_pid" 2>/dev/null || true
cache_line=$(grep -o 'page cache: .*' "$work/serve.log" | tail -1)
"$renkei" -q --data "$node" serve --insecure-http --port "$port" --threads "$threads" \
    > "$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    curl -sf -o /dev/null -H 'Accept: application/taxii+json;version=2.1' \
        "http://127.0.0.1:$port/taxii2/" && break
    sleep 0.1
done
before=$("$renkei" --data "$node" stats --json | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["versions"])')
post=$(RK_BENCH_ENVELOPES="$envdir" RK_BENCH_ENVELOPE_COUNT="$post_envelopes" RK_BENCH_THREADS=2 \
       RK_BENCH_AUTH="$basic_writer" RK_BENCH_PATH="/api/collections/ingest/objects/" \
       wrk -t2 -c8 -d"${secs}s" --latency -s "$here/post.lua" "http://127.0.0.1:$port" \
       2>/dev/null | wrk_json)
after=$("$renkei" --data "$node" stats --json | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["versions"])')
store=()
for i in $(seq "$runs"); do
    store+=("$("$query_rate" "$node" bench "$positions" bench-org 5)")
done

/usr/bin/python3 - "$n" "$conns" "$secs" "$before" "$after" "$post" "$(wc -c < "$body")" \
    "$(printf '%s\n' "${store[@]}")" "$cache_line" "${results[@]}" <<'PY'
import json, statistics, sys
n, conns, secs, before, after = (int(x) for x in sys.argv[1:6])
post, size = json.loads(sys.argv[6]), int(sys.argv[7])
store = [json.loads(x) for x in sys.argv[8].splitlines()]
cache_line = sys.argv[9]
runs = [json.loads(x) for x in sys.argv[10:]]
nocache, cached, polling, one, one_cached, nginx, pages = (runs[i::7] for i in range(7))
med = lambda rs, k: statistics.median(r[k] for r in rs)
print("GET a page of 100 indicators (%d bytes) from a %d-object collection, %d connections, "
      "%d runs of %d s, medians:" % (size, n, conns, len(nginx), secs))
print()
print("| server | requests/s | vs nginx | p50 ms | p99 ms | CPU us per request | non-2xx |")
print("|---|---|---|---|---|---|---|")
for name, rs in (("renkei, random positions, page cache off", nocache),
                 ("renkei, random positions, page cache on", cached),
                 ("renkei, polling the 20 newest pages, page cache on", polling),
                 ("renkei, nginx's page, page cache off (read from the store each time)", one),
                 ("renkei, nginx's page, default settings (page cache on)", one_cached),
                 ("nginx, the same body as a static file", nginx),
                 ("nginx, the random positions' pages as static files", pages)):
    print("| %s | %.0f | %.0f %% | %.2f | %.2f | %s | %d |" % (
        name, med(rs, "rps"), 100 * med(rs, "rps") / med(nginx, "rps"), med(rs, "p50_ms"),
        med(rs, "p99_ms"), "%.0f" % med(rs, "cpu_us") if "cpu_us" in rs[0] else "-",
        sum(r["errors"] for r in rs)))
print()
print("renkei at random positions against nginx serving the same pages at the same positions: "
      "%.0f %% (page cache off), %.0f %% (page cache on)" % (
          100 * med(nocache, "rps") / med(pages, "rps"), 100 * med(cached, "rps") / med(pages, "rps")))
print()
print("renkei serve (page cache on) over all its runs: %s" % cache_line)
print()
print("store alone (rk_store_query, in process, same positions): %.0f pages/s, %.1f us wall and "
      "%.1f us CPU per page of %.0f" % (med(store, "pages_per_s"), med(store, "us_per_page"),
                                       med(store, "cpu_us_per_page"), med(store, "rows_per_page")))
stored = after - before
print()
print("POST envelopes of 1,000 indicators, 8 connections, %d s: %.1f requests/s = %.0f objects/s"
      " (p99 %.0f ms); the store gained %d objects (%.0f objects/s)" % (
          secs, post["rps"], post["rps"] * 1000, post["p99_ms"], stored, stored / secs))
PY
