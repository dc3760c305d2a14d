#!/usr/bin/env bash
# bench/metering.sh — meter reading (検針) at scale.
#
# (a) Import of BENCH_READINGS_POINTS × BENCH_READINGS_MONTHS readings
#     (default 100,000 × 10 = 1,000,000) from one Shift_JIS CSV, as an
#     office or a monitoring vendor would send a year's history: a tenant
#     seeded with 100,000 households (`pilotlight seed --months 0`), every
#     meter installed before January, the routes' periods for January to
#     October opened (direct SQL: data preparation, not what is measured),
#     then with the CLI (the same job as POST /api/v1/imports/readings):
#       dry run     every row checked and recorded, then rolled back
#       import      every row recorded in one transaction (bulk recording,
#                   readings_bulk.h), one audit entry
#       one by one  every month of the first BENCH_SLOW_ROWS / months points
#                   of the same file, through reading_record() per row
#                   (--one-by-one), into a copy of the data made before the
#                   import, for comparison
#     Rows are month-major (all points' January, then February…), each
#     point's index rising with a winter-peaked use, so every reading after
#     January has a previous one: usage, checks and references are worked
#     out for real.
# (b) Route sheet latency: GET /api/v1/reading-routes/{route}/sheet for a
#     route of BENCH_SHEET_POINTS (500) points with 12 months of seeded
#     history (previous reading, last year's usage, this month's reading),
#     wrk with one connection (latency without queueing) for BENCH_SECONDS,
#     then BENCH_CONNS connections (req/s).
#
# Targets (issue #5): the 1,000,000-reading import in <= 10 s on this
# machine; the sheet's latency is reported (no target given). Prints a
# table; exits 0 whether or not the targets are met, non-zero only when
# it cannot run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
POINTS=${BENCH_READINGS_POINTS:-100000}
MONTHS=${BENCH_READINGS_MONTHS:-10}
SLOW_ROWS=${BENCH_SLOW_ROWS:-100000}
SHEET_POINTS=${BENCH_SHEET_POINTS:-500}
DUR=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/serve.sh"
work=$(mktemp -d /tmp/pl-bench-metering-XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for t in wrk python3 curl; do
    command -v $t >/dev/null || { echo "$t not found"; exit 1; }
done
[ "$MONTHS" -ge 1 ] && [ "$MONTHS" -le 11 ] || { echo "BENCH_READINGS_MONTHS: 1–11"; exit 1; }
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- (a) data: a tenant, its periods, the file ------------------------------
data="$work/import"
"$BIN" seed --data "$data" --tenants 1 --customers-per-tenant "$POINTS" \
    --months 0 --as-of 2026-11-27 >"$work/seed.log" 2>&1 ||
    { echo "seed failed"; cat "$work/seed.log"; exit 1; }
db="$data/tenants/1.db"
[ -f "$db" ] || { echo "seed made no tenant store at $db"; exit 1; }
python3 - "$db" "$MONTHS" "$work/readings.csv" <<'EOF'
import calendar, random, sqlite3, sys
db, months, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
# every meter in place before January (the seed installs some during 2026)
con.execute("UPDATE meters SET install_date = '2015-04-01',"
            " certification_expiry = '2025-03' WHERE install_date > '2025-12-31'")
routes = [r[0] for r in con.execute(
    "SELECT DISTINCT route FROM supply_points WHERE route IS NOT NULL ORDER BY route")]
day = {route: 3 + i * 7 % 24 for i, route in enumerate(routes)}
con.executemany(
    "INSERT INTO reading_periods (route, month, starts_on, ends_on, status,"
    " opened_at, opened_by) VALUES (?, ?, ?, ?, 'open', ?, 'bench')",
    [(route, "2026-%02d" % m, "2026-%02d-01" % m,
      "2026-%02d-%02d" % (m, calendar.monthrange(2026, m)[1]),
      "2026-%02d-01T00:00:00.000Z" % m)
     for route in routes for m in range(1, months + 1)])
con.commit()
points = con.execute("SELECT sp.id, sp.route FROM supply_points sp"
                     " ORDER BY sp.route, sp.route_order").fetchall()
r = random.Random(5)
season = [200, 190, 170, 140, 115, 105, 100, 100, 105, 120, 145, 180]
index = {p: r.randint(1000, 40000) for p, _ in points}       # tenths
base = {p: r.randint(5000, 25000) for p, _ in points}        # litres/month
out = ["供給地点ID,検針日,指針"]
for m in range(1, months + 1):
    for p, route in points:
        use = base[p] * season[m - 1] // 139 * r.randint(85, 115) // 100
        index[p] = (index[p] + use // 100) % 100000
        out.append("%d,2026/%d/%d,%d.%d" % (p, m, day[route],
                                            index[p] // 10, index[p] % 10))
with open(path, "wb") as f:
    f.write(("\r\n".join(out) + "\r\n").encode("cp932"))
print(len(out) - 1, file=sys.stderr)
EOF
rows=$(($(wc -l <"$work/readings.csv") - 1))
bytes=$(stat -c %s "$work/readings.csv")
cp -r "$data" "$work/slow"
# the same months for fewer points: every month of the first points
python3 - "$work/readings.csv" "$work/slow.csv" "$SLOW_ROWS" "$MONTHS" <<'EOF'
import sys
src, dst, rows, months = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = open(src, "rb").read().split(b"\r\n")
want, keep = set(), [lines[0]]
for line in lines[1:]:
    if not line:
        continue
    p = line.split(b",", 1)[0]
    if len(want) < rows // months:
        want.add(p)
    if p in want:
        keep.append(line)
open(dst, "wb").write(b"\r\n".join(keep) + b"\r\n")
EOF
SLOW_ROWS=$(($(wc -l <"$work/slow.csv") - 1))

# --- (a) runs -----------------------------------------------------------------
run_import() { # DATA FILE [flags]: prints seconds; the CLI's own line to $work/last
    local d=$1 f=$2 t0 t1
    shift 2
    t0=$EPOCHREALTIME
    "$BIN" import readings "$f" --data "$d" --tenant 0001 "$@" >"$work/last" 2>"$work/last.err" ||
        { echo "import failed" >&2; cat "$work/last" "$work/last.err" >&2; exit 1; }
    t1=$EPOCHREALTIME
    secs "$t0" "$t1"
}
dry_s=$(run_import "$data" "$work/readings.csv" --dry-run)
dry_line=$(cat "$work/last")
imp_s=$(run_import "$data" "$work/readings.csv")
imp_line=$(cat "$work/last")
slow_s=$(run_import "$work/slow" "$work/slow.csv" --one-by-one)
stored=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM readings").fetchone()[0])' "$db")
split=$(python3 -c 'import json, sqlite3, sys
d = sqlite3.connect(sys.argv[1]).execute("SELECT detail FROM audit_log WHERE action = ?"
    " ORDER BY id DESC LIMIT 1", ("reading.import",)).fetchone()
b = json.loads(d[0]).get("bulk", {}) if d else {}
print(b.get("fast", 0), b.get("one_by_one", 0))' "$db")
read -r fast slow <<<"$split"
rm -rf "$work/slow" "$work/slow.csv"

# --- (b) data: 12 months of history, one route of SHEET_POINTS points -------
sdata="$work/sheet"
"$BIN" seed --data "$sdata" --tenants 1 --customers-per-tenant 2000 \
    --months 12 >"$work/seed2.log" 2>&1 ||
    { echo "seed failed"; cat "$work/seed2.log"; exit 1; }
sdb="$sdata/tenants/1.db"
route=$(python3 - "$sdb" "$SHEET_POINTS" <<'EOF'
import sqlite3, sys
db, n = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
# the first n points in route order become one route: the first route's
# periods become its periods, and the moved points' readings follow
routes = [r[0] for r in con.execute(
    "SELECT DISTINCT route FROM supply_points ORDER BY route")]
first = routes[0]
moved = [r[0] for r in con.execute(
    "SELECT id FROM supply_points ORDER BY route, route_order LIMIT ?", (n,))]
con.execute("UPDATE reading_periods SET route = 'BIG' WHERE route = ?", (first,))
for i, p in enumerate(moved):
    con.execute("UPDATE supply_points SET route = 'BIG', route_order = ?"
                " WHERE id = ?", ((i + 1) * 10, p))
con.execute(
    "UPDATE readings SET period_id = (SELECT b.id FROM reading_periods b"
    " JOIN reading_periods o ON o.id = readings.period_id"
    " WHERE b.route = 'BIG' AND b.month = o.month)"
    " WHERE supply_point_id IN (SELECT id FROM supply_points WHERE route = 'BIG')"
    " AND period_id IN (SELECT id FROM reading_periods WHERE route != 'BIG')")
con.commit()
print("BIG")
EOF
)
month=$(TZ=Asia/Tokyo date +%Y-%m)
sheet_points=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM supply_points WHERE route = ?", (sys.argv[2],)).fetchone()[0])' "$sdb" "$route")

# --- (b) server and a signed-in reader ----------------------------------------
bench_serve "$sdata" 4 --per-ip 1000
path="/api/v1/reading-routes/$route/sheet?month=$month"
bench_sign_in "$sdata" reader "$path"
curl -sf -H "Cookie: $cookie" "$base$path" -o "$work/sheet.json" ||
    { echo "could not sign in or fetch the sheet"; cat "$work/lastapi"; exit 1; }
read -r sheet_rows sheet_read sheet_kb <<<"$(python3 -c 'import json, os, sys
s = json.load(open(sys.argv[1]))
print(len(s["points"]), sum(1 for p in s["points"] if p["reading"]),
      os.path.getsize(sys.argv[1]) // 1024)' "$work/sheet.json")"

to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}
sheet() { # CONNS SECONDS -> "rps p50 p99 non2xx"
    local out
    out=$(wrk -t1 -c"$1" -d"${2}s" --latency -H "Cookie: $cookie" "$base$path" 2>&1) || true
    local rps p50 p99 bad
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    echo "${rps:-0} $(to_ms "${p50:-0}") $(to_ms "${p99:-0}") ${bad:-0}"
}
sheet 1 1 >/dev/null # warm-up
read -r s1_rps s1_p50 s1_p99 s1_bad <<<"$(sheet 1 "$DUR")"
read -r sn_rps sn_p50 sn_p99 sn_bad <<<"$(sheet "$CONNS" "$DUR")"

# --- report -------------------------------------------------------------------
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
printf '\nMeter reading on this machine (%s cores); load average before the run: %s\n' "$(nproc)" "$load0"
printf '(other work on the box skews every figure)\n\n'
printf 'Import of %s readings (%s points × %s months, Shift_JIS, %s MB), CLI\n' \
    "$rows" "$POINTS" "$MONTHS" "$((bytes / 1000000))"
printf '%-34s %10s %12s\n' "" "seconds" "rows/s"
printf '%-34s %10s %12s\n' "dry run (checked, rolled back)" "$dry_s" "$(rate "$rows" "$dry_s")"
printf '%-34s %10s %12s\n' "import (one transaction)" "$imp_s" "$(rate "$rows" "$imp_s")"
printf '%-34s %10s %12s\n' "one by one ($SLOW_ROWS rows)" "$slow_s" "$(rate "$SLOW_ROWS" "$slow_s")"
printf 'stored: %s readings; bulk recording: %s fast, %s through reading_record\n' "$stored" "$fast" "$slow"
printf 'CLI: %s\n' "$imp_line"
echo
printf 'GET %s (%s points, %s read, %s KiB)\n' "/api/v1/reading-routes/$route/sheet?month=$month" "$sheet_rows" "$sheet_read" "$sheet_kb"
printf '%-12s %10s %9s %9s %9s\n' "" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-12s %10.0f %9s %9s %9s\n' "wrk -c1" "$s1_rps" "$s1_p50" "$s1_p99" "$s1_bad"
printf '%-12s %10.0f %9s %9s %9s\n' "wrk -c$CONNS" "$sn_rps" "$sn_p50" "$sn_p99" "$sn_bad"
echo
awk -v s="$imp_s" -v n="$rows" 'BEGIN { printf "target: import of %d readings <= 10 s: %s (%.2f s)\n", n, (s <= 10 ? "met" : "NOT met"), s }'
[ "$sheet_points" = "$SHEET_POINTS" ] || echo "note: the route has $sheet_points points, not $SHEET_POINTS"
echo "(wrk and the server share the cores)"
