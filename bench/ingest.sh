#!/usr/bin/env bash
# bench/ingest.sh — `pilotlight ingest`: durable readings per second over
# HTTP batches, beside the raw rate of the same bytes with the same fsync
# policy; and the drain rate of a backlog after a serve outage.
#
# (a) Throughput. One tenant, BENCH_INGEST_DEVICES smart meters registered
#     with the CLI, ingest with forwarding off (--serve "": only the
#     durable path is measured) and its access log off. A C load generator
#     (bench/ingest_load.c, built here with cc: wrk's Lua has no
#     HMAC-SHA256) runs BENCH_INGEST_CONNS keep-alive connections, each
#     posting signed batches of BENCH_INGEST_PER_BATCH readings (default
#     1,000) for its own devices, closed loop, for BENCH_SECONDS. A
#     reading counts when its batch got 200: it is then in ingest's log,
#     fdatasync'd.
#     Raw: the very bytes ingest wrote (its log segments, headers skipped)
#     appended to a file in writes of ingest's average group size (log
#     bytes / fdatasyncs, from its /status), each followed by fdatasync —
#     the same durability policy without HTTP, JSON, HMAC or group
#     forming. readings/s = bytes/s ÷ log bytes per reading. The ratio
#     HTTP ÷ raw is the figure.
# (b) Drain. `pilotlight seed` (BENCH_DRAIN_CUSTOMERS households as of
#     2026-06-15), up to BENCH_DRAIN_DEVICES of its smart meters that are
#     unread in their route's open period registered; serve not running;
#     each device posts one batch: its reading (previous index + 10 m³, on
#     its period's last day) and BENCH_DRAIN_EVENTS meter events. Then
#     serve starts, and the time from its /healthz to ingest's backlog
#     reaching 0 gives the drain rate (readings through
#     /internal/v1/remote-readings into metering, events through
#     /internal/v1/device-events).
#
# Target (issue #8): >= 100,000 durable readings/s. Prints a table; exits
# 0 whether the target is met or not (figures, not pass/fail), non-zero
# only when it cannot run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
DUR=${BENCH_SECONDS:-10}
CONNS=${BENCH_INGEST_CONNS:-4}
PER=${BENCH_INGEST_PER_BATCH:-1000}
DEVICES=${BENCH_INGEST_DEVICES:-64}
THREADS=${BENCH_INGEST_THREADS:-4}
DRAIN_CUSTOMERS=${BENCH_DRAIN_CUSTOMERS:-5000}
DRAIN_DEVICES=${BENCH_DRAIN_DEVICES:-300}   # 0: skip (b)
DRAIN_EVENTS=${BENCH_DRAIN_EVENTS:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pl-bench-ingest-XXXXXX)
ipid=""
spid=""
cleanup() {
    # only our own children: ingest, serve
    [ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for t in cc pkg-config python3 curl sqlite3; do
    command -v $t >/dev/null || { echo "$t not found"; exit 1; }
done
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
cc -O2 -o "$work/load" "$HERE/ingest_load.c" \
    $(pkg-config --cflags --libs libcurl libsodium) -lpthread

# start_ingest DATA ARGS…: sets ipid, iport
start_ingest() {
    local data=$1
    shift
    "$BIN" ingest --data "$data" --port 0 --access-log false \
        --threads "$THREADS" "$@" 2>"$work/ingest.log" &
    ipid=$!
    iport=""
    for _ in $(seq 200); do
        iport=$(sed -n 's/.*"event":"ingest.listening".*"port":\([0-9]*\).*/\1/p' "$work/ingest.log")
        [ -n "$iport" ] && break
        sleep 0.05
    done
    [ -n "$iport" ] || { echo "ingest did not start"; cat "$work/ingest.log"; exit 1; }
}
stop_ingest() {
    kill "$ipid" 2>/dev/null || true
    wait "$ipid" 2>/dev/null || true
    ipid=""
}
status() { curl -sf "http://127.0.0.1:$iport/status"; }
field() { python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[k]
print(d)' "$1"; }
cpu_s() { # user+system seconds of a process
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
# register DATA ID KIND → "ID KEY" line
register() {
    "$BIN" device register --data "$1" --tenant 0001 --id "$2" --kind "$3" \
        --json | python3 -c 'import json, sys
print(sys.argv[1], json.load(sys.stdin)["key"])' "$2"
}

# --- (a) throughput ---------------------------------------------------------
da="$work/a"
"$BIN" tenant create --data "$da" --code 0001 --name 'ベンチガス株式会社' >/dev/null 2>&1
start_ingest "$da" --serve ""
: >"$work/devices"
for ((k = 1; k <= DEVICES; k++)); do
    register "$da" "$(printf 'NCU-B%07d' "$k")" smart_meter >>"$work/devices"
done
"$work/load" http "http://127.0.0.1:$iport" "$work/devices" 1 100 1 reading \
    >/dev/null # warm-up: keys opened, connections made
s0=$(status)
c0=$(cpu_s "$ipid")
"$work/load" http "http://127.0.0.1:$iport" "$work/devices" "$CONNS" "$PER" \
    "$DUR" reading >"$work/http.out"
c1=$(cpu_s "$ipid")
s1=$(status)
get() { awk -v k="$1" '$1 == k { print $2 }' "$work/http.out"; }
h_msgs=$(get messages)
h_secs=$(get seconds)
h_batches=$(get batches)
h_err=$(get errors)
h_p50=$(get p50_ms)
h_p99=$(get p99_ms)
d_bytes=$(($(echo "$s1" | field bytes_logged) - $(echo "$s0" | field bytes_logged)))
d_syncs=$(($(echo "$s1" | field batches.syncs) - $(echo "$s0" | field batches.syncs)))
d_logged=$(($(echo "$s1" | field batches.messages) - $(echo "$s0" | field batches.messages)))
stop_ingest
chunk=$((d_bytes / (d_syncs > 0 ? d_syncs : 1)))
"$work/load" raw "$da/ingest/log" "$work/raw.bin" "$chunk" >"$work/raw.out"
r_bytes=$(awk '$1 == "bytes" { print $2 }' "$work/raw.out")
r_syncs=$(awk '$1 == "syncs" { print $2 }' "$work/raw.out")
r_secs=$(awk '$1 == "seconds" { print $2 }' "$work/raw.out")
total_logged=$(echo "$s1" | field batches.messages)
total_bytes=$(echo "$s1" | field bytes_logged)

# --- (b) drain after a serve outage -----------------------------------------
if [ "$DRAIN_DEVICES" -gt 0 ]; then
db="$work/b"
"$BIN" seed --data "$db" --tenants 1 --customers-per-tenant "$DRAIN_CUSTOMERS" \
    --months 1 --as-of 2026-06-15 >"$work/seed.log" 2>&1 ||
    { echo "seed failed"; cat "$work/seed.log"; exit 1; }
tdb="$db/tenants/1.db"
# unread smart meters of open periods: device, the period's last day, the
# previous index + 10 m³
sqlite3 -separator ' ' "$tdb" "
SELECT m.device_id, p.ends_on || 'T12:00:00+09:00',
       (SELECT r.index_tenths FROM readings r WHERE r.meter_id = m.id
         ORDER BY r.read_on DESC, r.id DESC LIMIT 1) + 100
  FROM meters m JOIN supply_points sp ON sp.id = m.supply_point_id
  JOIN reading_periods p ON p.route = sp.route AND p.status = 'open'
 WHERE m.device_id IS NOT NULL AND m.removed_date IS NULL
   AND NOT EXISTS (SELECT 1 FROM readings r WHERE r.meter_id = m.id
                    AND r.period_id = p.id)
   AND EXISTS (SELECT 1 FROM readings r WHERE r.meter_id = m.id)
 LIMIT $DRAIN_DEVICES" >"$work/unread"
sport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 48 >"$work/token"
chmod 600 "$work/token"
start_ingest "$db" --serve "http://127.0.0.1:$sport" --token-file "$work/token" \
    --retry-max 1
: >"$work/backlog"
while read -r dev day ix; do
    key=$(register "$db" "$dev" smart_meter | cut -d' ' -f2)
    printf '%s %s %s %d.%d\n' "$dev" "$key" "$day" $((ix / 10)) $((ix % 10)) >>"$work/backlog"
done <"$work/unread"
ndev=$(wc -l <"$work/backlog")
"$work/load" backlog "http://127.0.0.1:$iport" "$work/backlog" "$DRAIN_EVENTS" \
    >"$work/backlog.out"
b_msgs=$(awk '$1 == "messages" { print $2 }' "$work/backlog.out")
b_bytes=$(status | field forward.backlog_bytes)
PILOTLIGHT_ACCESS_LOG=false "$BIN" serve --data "$db" --port "$sport" \
    --web "$HERE/../web" --internal-token-file "$work/token" \
    2>"$work/serve.log" &
spid=$!
for _ in $(seq 400); do
    curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null 2>&1 && break
    sleep 0.025
done
t0=$EPOCHREALTIME
for _ in $(seq 12000); do
    [ "$(status | field forward.backlog_bytes)" = "0" ] && break
    sleep 0.05
done
t1=$EPOCHREALTIME
sf=$(status)
f_read=$(echo "$sf" | field forward.readings)
f_ev=$(echo "$sf" | field forward.events)
f_dead=$(echo "$sf" | field forward.dead_letters)
accepted=$(sqlite3 "$tdb" "SELECT COUNT(*) FROM readings WHERE source = 'remote' AND entered_by = 'internal:ingest'" 2>/dev/null || echo "?")
stored=$(sqlite3 "$tdb" "SELECT COUNT(*) FROM device_events" 2>/dev/null || echo "?")
stop_ingest
fi

# --- report -----------------------------------------------------------------
printf '\ningest on loopback, %s cores shared by ingest, serve and the load generator\n' "$(nproc)"
printf 'load average before the run: %s (other work on the box skews every figure)\n\n' "$load0"
printf '(a) durable readings over HTTP: %s connections, %s readings per batch, %s devices, ingest --threads %s, %ss\n' \
    "$CONNS" "$PER" "$DEVICES" "$THREADS" "$DUR"
awk -v m="$h_msgs" -v s="$h_secs" -v b="$h_batches" -v e="$h_err" \
    -v p50="$h_p50" -v p99="$h_p99" -v by="$d_bytes" -v sy="$d_syncs" \
    -v lg="$d_logged" -v cpu="$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
    -v rb="$r_bytes" -v rs="$r_secs" -v rsy="$r_syncs" -v tl="$total_logged" \
    -v tb="$total_bytes" 'BEGIN {
    rate = m / s
    bpr = tb / (tl > 0 ? tl : 1)
    raw = (rb / rs) / bpr
    printf "  %-44s %12.0f\n", "durable readings/s (HTTP, acknowledged)", rate
    printf "  %-44s %12.1f\n", "batches/s", b / s
    printf "  %-44s %12s / %s ms\n", "batch round trip p50 / p99", p50, p99
    printf "  %-44s %12.0f\n", "fdatasync/s", sy / s
    printf "  %-44s %12.2f\n", "batches per fdatasync (group commit)", (sy > 0 ? b / sy : 0)
    printf "  %-44s %12.1f\n", "log bytes per reading", bpr
    printf "  %-44s %12.1f MB/s\n", "log write rate", by / s / 1e6
    printf "  %-44s %12.2f s per 100k readings\n", "ingest CPU (user+system)", (m > 0 ? cpu / m * 100000 : 0)
    printf "  %-44s %12d\n", "errors", e
    printf "  %-44s %12.0f   (%d writes of %d B, each fdatasync, %.1f MB/s)\n", \
        "raw append, same bytes and policy: readings/s", raw, rsy, rb / rsy, rb / rs / 1e6
    printf "  %-44s %12.2f\n", "ratio HTTP / raw", rate / raw
    printf "\n  target >= 100,000 durable readings/s: %s\n", (rate >= 100000 ? "met" : "NOT met")
}'
if [ "$DRAIN_DEVICES" -gt 0 ]; then
printf '\n(b) backlog drain after a serve outage: %s devices, each 1 reading + %s events\n' "$ndev" "$DRAIN_EVENTS"
awk -v t0="$t0" -v t1="$t1" -v n="$b_msgs" -v by="$b_bytes" -v r="$f_read" \
    -v e="$f_ev" -v d="$f_dead" -v acc="$accepted" -v st="$stored" 'BEGIN {
    s = t1 - t0
    printf "  %-44s %12d (%.1f MB of log)\n", "messages acknowledged while serve was down", n, by / 1e6
    printf "  %-44s %12.2f s\n", "drain time (serve up -> backlog 0)", s
    printf "  %-44s %12.0f\n", "drained messages/s (readings + events)", (r + e) / s
    printf "  %-44s %12d readings, %d events, %d dead letters\n", "forwarded", r, e, d
    printf "  %-44s %12s readings (remote), %s device events\n", "in serve'"'"'s store", acc, st
}'
fi
echo
echo "(the load generator, ingest and serve share the same cores: a dedicated"
echo " load box would give ingest more; (a) is a lower bound on its capacity)"
