#!/usr/bin/env bash
# bench/capture.sh — what change capture (issue #9) adds to a write
# transaction: latency per transaction with capture on and off.
#
# Each transaction is what an API write does to a tenant store: BEGIN
# IMMEDIATE, one row, one hash-chained audit entry, COMMIT (SQLite WAL,
# synchronous=FULL). With capture on, the commit also takes the session
# changeset, appends it to DATA/journal/<id>/ and fdatasyncs the journal
# before returning. `pilotlight backup bench-commit` (bench builds,
# -DPL_BENCH=ON) runs BENCH_TX transactions on --threads connections to the
# same store (as serve's worker threads are), timing each one; the journal
# fdatasyncs of threads that commit together are shared (group commit:
# the fsyncs/tx column counts the journal's, not SQLite's own).
# Capture on and off alternate, BENCH_ROUNDS times, each in its own data
# dir; the table shows the median round of each.
#
# Bulk writes: run bench/customers-import.sh and bench/billing.sh with
# PILOTLIGHT_CAPTURE=off and without it to see what capture costs there.
#
# Prints a table; exits 0 whatever the figures, non-zero only when it
# cannot run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
TX=${BENCH_TX:-3000}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-"1 4"}
work=$(mktemp -d /tmp/pl-bench-capture-XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v python3 >/dev/null || { echo "python3 not found"; exit 1; }
"$BIN" backup bench-commit --help >/dev/null 2>&1 ||
    { echo "$BIN has no 'backup bench-commit' (build with -DPL_BENCH=ON)"; exit 1; }
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

for mode in on off; do
    PILOTLIGHT_CAPTURE=$mode "$BIN" tenant create --data "$work/$mode" \
        --code 0001 --name ベンチガス >/dev/null 2>&1
done
: >"$work/results"
for round in $(seq "$ROUNDS"); do
    for t in $THREADS; do
        for mode in on off; do
            capture=$([ "$mode" = on ] && echo true || echo false)
            "$BIN" backup bench-commit --data "$work/$mode" --tenant 0001 \
                --tx "$TX" --threads "$t" --capture "$capture" \
                2>>"$work/log" >>"$work/results" ||
                { echo "bench-commit failed"; tail -5 "$work/log"; exit 1; }
        done
    done
done

python3 - "$work/results" "$TX" "$load0" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
tx, load = sys.argv[2], sys.argv[3]
def median_round(c, t):
    rs = sorted((r for r in rows if r["capture"] == c and r["threads"] == t),
                key=lambda r: r["p50_us"])
    return rs[len(rs) // 2]
print(f"\nchange capture: write transactions on one tenant store, "
      f"{tx} per round (median round)")
print(f"{'capture':<8} {'threads':>7} {'tx/s':>8} {'p50 µs':>8} "
      f"{'p90 µs':>8} {'p99 µs':>8} {'journal B/tx':>13} {'fsyncs/tx':>10}")
for t in sorted({r["threads"] for r in rows}):
    got = {c: median_round(c, t) for c in (False, True)}
    for c in (False, True):
        r = got[c]
        print(f"{'on' if c else 'off':<8} {t:>7} {r['tx_per_s']:>8.0f} "
              f"{r['p50_us']:>8.0f} {r['p90_us']:>8.0f} {r['p99_us']:>8.0f} "
              f"{r['journal_bytes_per_tx']:>13} "
              f"{r.get('fdatasyncs_per_tx', 0):>10.2f}")
    on, off = got[True], got[False]
    print(f"{'added':<8} {t:>7} {'':>8} {on['p50_us'] - off['p50_us']:>+8.0f} "
          f"{on['p90_us'] - off['p90_us']:>+8.0f} "
          f"{on['p99_us'] - off['p99_us']:>+8.0f}")
print(f"load average before: {load}")
EOF
