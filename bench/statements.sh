#!/usr/bin/env bash
# bench/statements.sh — PDF statements (料金明細書) per second.
#
# A tenant seeded with BENCH_STATEMENT_CUSTOMERS households (default 2,000)
# and three months of history, so the seed commits real billing runs; a
# signed-in accountant then fetches the largest run's statements in one
# bulk PDF (GET /api/v1/billing-runs/{id}/statements.pdf?limit=N, N =
# min(invoices, 1000)) BENCH_ROUNDS times (default 3). The figure is
# invoices rendered per second over the whole request (invoice JSON from
# the store, layout, PDF, response), best and median of the rounds. Then
# the CLI (`pilotlight billing statements`) writes the whole run into one
# file BENCH_ROUNDS times; its rows report the statements/s it prints
# (invoice JSON, layout, PDF written to disk and fsync'd).
#
# Target (issue #6): >= 100 statements/s on this machine. Prints a table;
# exits 0 whether or not the target is met, non-zero only when it cannot
# run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
CUSTOMERS=${BENCH_STATEMENT_CUSTOMERS:-2000}
ROUNDS=${BENCH_ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/serve.sh"
work=$(mktemp -d /tmp/pl-bench-statements-XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for t in python3 curl pdfinfo; do
    command -v $t >/dev/null || { echo "$t not found"; exit 1; }
done
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")

# --- data: a seeded tenant with committed billing runs ----------------------
data="$work/data"
"$BIN" seed --data "$data" --tenants 1 --customers-per-tenant "$CUSTOMERS" \
    --months 3 >"$work/seed.log" 2>&1 ||
    { echo "seed failed"; cat "$work/seed.log"; exit 1; }
db=$(ls "$data"/tenants/*.db | head -1)
read -r run invoices <<<"$(python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT run_id, count(*) FROM invoices WHERE status = ? AND run_id IS NOT NULL GROUP BY run_id ORDER BY 2 DESC LIMIT 1", ("issued",)).fetchone()
print(*(r or (0, 0)))' "$db")"
[ "$invoices" -gt 0 ] || { echo "the seed billed nothing"; exit 1; }
limit=$((invoices < 1000 ? invoices : 1000))

# --- server and a signed-in accountant --------------------------------------
bench_serve "$data" 2
path="/api/v1/billing-runs/$run/statements.pdf?limit=$limit"
bench_sign_in "$data" accountant "$path"

# --- the rounds ---------------------------------------------------------------
rates=()
for i in $(seq "$ROUNDS"); do
    t=$(curl -s -H "Cookie: $cookie" -o "$work/run.pdf" -w '%{http_code} %{time_total}' "$base$path")
    [ "${t%% *}" = 200 ] || { echo "statements.pdf: HTTP ${t%% *}"; head -c 400 "$work/run.pdf"; exit 1; }
    pages=$(pdfinfo "$work/run.pdf" | awk '/^Pages:/ {print $2}')
    [ "$pages" -ge "$limit" ] || { echo "$pages pages for $limit invoices"; exit 1; }
    rates+=("$(awk -v n="$limit" -v s="${t#* }" 'BEGIN { printf "%.1f", n / s }')")
done
kb=$(($(stat -c %s "$work/run.pdf") / 1024))

# --- the CLI: the whole run into one file -------------------------------------
cli_rates=()
for i in $(seq "$ROUNDS"); do
    "$BIN" billing statements --data "$data" --tenant 0001 --run "$run" \
        --out "$work/cli.pdf" --quiet >"$work/cli.json" 2>"$work/cli.err" ||
        { echo "billing statements failed"; cat "$work/cli.err"; exit 1; }
    pages=$(pdfinfo "$work/cli.pdf" | awk '/^Pages:/ {print $2}')
    [ "$pages" -ge "$invoices" ] || { echo "cli: $pages pages for $invoices invoices"; exit 1; }
    cli_rates+=("$(python3 -c 'import json, sys
print("%.1f" % json.load(open(sys.argv[1]))["per_second"])' "$work/cli.json")")
done
cli_sorted=$(printf '%s\n' "${cli_rates[@]}" | sort -g)
cli_best=$(tail -1 <<<"$cli_sorted")
cli_median=$(sed -n "$(((ROUNDS + 1) / 2))p" <<<"$cli_sorted")
cli_verdict=$(awk -v r="$cli_median" 'BEGIN { print (r >= 100) ? "met" : "NOT met" }')
sorted=$(printf '%s\n' "${rates[@]}" | sort -g)
best=$(tail -1 <<<"$sorted")
median=$(sed -n "$(((ROUNDS + 1) / 2))p" <<<"$sorted")
verdict=$(awk -v r="$median" 'BEGIN { print (r >= 100) ? "met" : "NOT met" }')

echo "statements.pdf: run $run, $limit invoices per file, ${kb} KiB, $ROUNDS rounds (load before: $load0)"
printf '%-28s %12s\n' "measure" "statements/s"
printf '%-28s %12s\n' "best" "$best"
printf '%-28s %12s\n' "median" "$median"
printf '%-28s %12s\n' "cli best ($invoices/file)" "$cli_best"
printf '%-28s %12s\n' "cli median ($invoices/file)" "$cli_median"
echo "cli target >= 100 statements/s: $cli_verdict"
echo "target >= 100 statements/s: $verdict"
