#!/usr/bin/env bash
# bench/http.sh — HTTP throughput and latency of `pilotlight serve`.
#
# Measures, on loopback with wrk (keep-alive):
#   /bench/null    the library's bare minimum (a static response queued
#                  straight from the access handler; bench builds only)
#   /healthz       our full request path: arena, router, JSON, headers
#   /api/v1/meta   a JSON route that builds a document with jansson
# then /api/v1/meta paced at half of its peak rate, for p99 under load.
#
# Target (issue #2): JSON route >= 50% of the bare library's requests/s on the
# same run; p99 < 5 ms at half of peak. Prints a table; exits 0 either way
# (figures, not pass/fail: timing never gates tests).
set -euo pipefail
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
DUR=${BENCH_SECONDS:-10}
FLAT_CONNS=${BENCH_CONNS:-32}
THREADS=${BENCH_THREADS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pl-bench-XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT

"$BIN" seed --data "$work/data" --tenants 3 >/dev/null 2>&1
PILOTLIGHT_ACCESS_LOG=false "$BIN" serve --data "$work/data" --port 0 \
    --threads "$THREADS" --per-ip 1000 --web "$HERE/../web" 2>"$work/log" &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/.*"event":"serve.listening".*"port":\([0-9]*\).*/\1/p' "$work/log")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "server did not start"; cat "$work/log"; exit 1; }
base="http://127.0.0.1:$port"
curl -sf "$base/bench/null" >/dev/null || {
    echo "no /bench/null: build with PL_BENCH=ON (make bench does)"; exit 1; }

# run CONNS URL [extra wrk args] -> "rps p50_ms p99_ms"
run() {
    local out c=$1
    shift
    out=$(wrk -t2 -c"$c" -d"${DUR}s" --latency "$@" 2>&1)
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
# wrk prints 812.00us / 1.23ms / 2.00s
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
        else if (v ~ /s$/) n *= 1000
        printf "%.3f", n }'
}

wrk -t1 -c4 -d2s "$base/api/v1/meta" >/dev/null 2>&1 # warm-up
read -r null_rps null_p50 null_p99 < <(run "$FLAT_CONNS" "$base/bench/null")
read -r hz_rps hz_p50 hz_p99 < <(run "$FLAT_CONNS" "$base/healthz")
read -r js_rps js_p50 js_p99 < <(run "$FLAT_CONNS" "$base/api/v1/meta")
# Paced run: wrk's delay() has 1 ms granularity, so each connection sends one
# request every 2 ms and the connection count sets the rate.
half=$(awk -v r="$js_rps" 'BEGIN { printf "%d", r / 2 }')
pconns=$(awk -v r="$half" 'BEGIN { c = int(r * 2 / 1000 + 0.5); print (c < 1 ? 1 : c) }')
export RATE=$half CONNS=$pconns # read by paced.lua
# calibrate once: the response time adds to the gap, so scale the
# connection count by how far a short run fell short of the target
r1=$(DUR=3 run "$pconns" "$base/api/v1/meta" -s "$HERE/paced.lua" | cut -d' ' -f1)
pconns=$(awk -v c="$pconns" -v h="$half" -v r="$r1" 'BEGIN { printf "%d", c * h / r + 0.5 }')
export CONNS=$pconns
read -r pc_rps pc_p50 pc_p99 < <(run "$pconns" "$base/api/v1/meta" -s "$HERE/paced.lua")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
printf '\nHTTP on loopback: wrk -t2 -c%s -d%ss, server --threads %s, %s cores\n\n' \
    "$FLAT_CONNS" "$DUR" "$THREADS" "$(nproc)"
printf '%-34s %12s %9s %9s %9s\n' "route" "req/s" "p50 ms" "p99 ms" "vs null"
printf '%-34s %12.0f %9s %9s %9s\n' "/bench/null (bare library)" "$null_rps" "$null_p50" "$null_p99" "100%"
printf '%-34s %12.0f %9s %9s %9s\n' "/healthz" "$hz_rps" "$hz_p50" "$hz_p99" "$(ratio "$hz_rps" "$null_rps")"
printf '%-34s %12.0f %9s %9s %9s\n' "/api/v1/meta (JSON)" "$js_rps" "$js_p50" "$js_p99" "$(ratio "$js_rps" "$null_rps")"
printf '%-34s %12.0f %9s %9s %9s\n' "/api/v1/meta paced, $pconns conns" "$pc_rps" "$pc_p50" "$pc_p99" "$(ratio "$pc_rps" "$js_rps") of peak"
echo
awk -v j="$js_rps" -v n="$null_rps" -v p="$pc_p99" 'BEGIN {
    printf "target: JSON route >= 50%% of bare library: %s (%.0f%%)\n",
        (j >= n / 2 ? "met" : "NOT met"), 100 * j / n
    printf "target: p99 < 5 ms at half of peak:        %s (%.3f ms)\n",
        (p < 5 ? "met" : "NOT met"), p }'
echo "(a dedicated load box would measure more than one loopback machine whose"
echo " 2 cores run both wrk and the server: read the ratios, not the absolutes)"
