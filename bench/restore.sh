#!/usr/bin/env bash
# bench/restore.sh — issue #9's recovery figures on one machine:
#
#   1. full verified restore time (`pilotlight restore`, every signature,
#      hash, integrity_check and audit chain) of a seeded data dir, beside
#      `cp -r` of the same data dir on the same run: the ratio is the figure
#      (target: restore <= 60 s at full scale);
#   2. the write-latency cost of change capture, p50/p99 with and without
#      (bench/capture.sh, `backup bench-commit`);
#   3. RPO lag under load: `backup ship --daemon` running while
#      `backup bench-commit` writes; the worst lag the heartbeat reports.
#
# Scale: BENCH_TENANTS x BENCH_CUSTOMERS (per tenant) with BENCH_MONTHS of
# readings. Full size is 1,100 tenants x ~909 customers (1,000,000) x 12
# months: BENCH_TENANTS=1100 BENCH_CUSTOMERS=909. The default is small so
# the script runs in a few minutes; it prints a linear extrapolation to the
# full size (restore work is per byte and per store).
#
# Needs a bench build: cmake -S . -B build-bench -DPL_BENCH=ON && cmake
# --build build-bench. Exits non-zero only when it cannot run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
TENANTS=${BENCH_TENANTS:-20}
CUSTOMERS=${BENCH_CUSTOMERS:-500}
MONTHS=${BENCH_MONTHS:-12}
JOBS=${BENCH_JOBS:-$(nproc)}
FULL_CUSTOMERS=1000000
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/pl-bench-restore-XXXXXX)
trap 'kill "${ship_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
now_s() { date +%s.%N; }

data=$work/data
echo "seeding $TENANTS tenants x $CUSTOMERS customers, $MONTHS months..."
t0=$(now_s)
"$BIN" seed --data "$data" --tenants "$TENANTS" \
    --customers-per-tenant "$CUSTOMERS" --months "$MONTHS" >/dev/null 2>&1
t1=$(now_s)
"$BIN" keys init --data "$data" >/dev/null
"$BIN" keys export --data "$data" >"$work/kit.txt"
"$BIN" vault init --data "$work/vault" \
    --signing-key "$("$BIN" keys public --data "$data")" >/dev/null
url="file://$work/vault"
t2=$(now_s)
"$BIN" backup ship --data "$data" --vault "$url" --once >/dev/null 2>&1
t3=$(now_s)
bytes=$(du -sb "$data" | cut -f1)

sync
t4=$(now_s)
cp -r "$data" "$work/copy"
sync
t5=$(now_s)
"$BIN" restore --vault "$url" --kit "$work/kit.txt" --to "$work/restored" \
    --jobs "$JOBS" >/dev/null 2>"$work/restore.err" ||
    { cat "$work/restore.err"; exit 1; }
sync
t6=$(now_s)
tail -1 "$work/restore.err"

python3 - "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$t6" "$bytes" "$TENANTS" \
    "$CUSTOMERS" "$FULL_CUSTOMERS" "$JOBS" <<'PY'
import sys
t = [float(x) for x in sys.argv[1:8]]
b, ten, cust, full, jobs = (int(x) for x in sys.argv[8:13])
seed, ship, cp, rst = t[1]-t[0], t[3]-t[2], t[5]-t[4], t[6]-t[5]
n = ten * cust
scale = full / n if n else 0
print(f"dataset            {ten} tenants, {n} customers, {b/1e6:.1f} MB on disk (seed {seed:.1f} s)")
print(f"first ship         {ship:8.2f} s  (snapshots + journal, sealed)")
print(f"cp -r              {cp:8.2f} s")
print(f"restore (verified) {rst:8.2f} s  --jobs {jobs}   ratio restore/cp = {rst/cp if cp else 0:.1f}")
print(f"extrapolated to {full} customers (x{scale:.0f}): restore ~{rst*scale:.0f} s, cp -r ~{cp*scale:.0f} s (target <= 60 s)")
PY

echo
echo "== write latency with and without capture (bench/capture.sh) =="
PILOTLIGHT_BIN=$BIN BENCH_TX=${BENCH_TX:-2000} BENCH_ROUNDS=${BENCH_ROUNDS:-1} \
    bash "$here/capture.sh" || echo "(capture bench could not run)"

echo
echo "== RPO lag under load =="
code=$("$BIN" tenant list --data "$data" 2>/dev/null | awk 'NR==2{print $1}')
"$BIN" backup ship --data "$data" --vault "$url" --daemon --interval-ms 200 \
    2>"$work/ship.log" &
ship_pid=$!
"$BIN" backup bench-commit --data "$data" --tenant "${code:-0001}" \
    --tx "${BENCH_LOAD_TX:-5000}" --threads 4 >"$work/load.txt" 2>&1 || true
sleep 1
kill "$ship_pid"; wait "$ship_pid" 2>/dev/null || true
ship_pid=
python3 - "$work/ship.log" <<'PY'
import json, re, sys
recs, ms = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"rpo_lag_records (\d+) rpo_lag_ms (-?\d+)", line)
    if m:
        recs.append(int(m.group(1))); ms.append(int(m.group(2)))
if not recs:
    print("no ship passes logged"); sys.exit(0)
s = sorted(ms)
print(f"ship passes {len(recs)}: worst lag {max(recs)} records / {max(ms)} ms, "
      f"median {s[len(s)//2]} ms (interval 200 ms, 4 writer threads)")
PY
