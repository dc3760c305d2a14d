#!/usr/bin/env bash
# bench/payments.sh — direct debit (口座振替) at scale: the request file
# for 100,000 debits and the import of the bank's result for it.
#
# Data: `pilotlight seed` with one retailer of BENCH_HOUSEHOLDS households
# (default 100,000), --months 1 as of 2026-10-28; October's periods are
# closed and every open contract is made a debit contract with a bank
# account (the seed makes about 70 % of them so), and the collection
# contract (settings payments.debit.*) is set — direct SQL: data
# preparation, not what is measured. October is billed with
# `pilotlight billing run` (groups 10, 20, 31, issued 2026-11-05): one
# invoice per household, every one payable by debit.
#
# (a) `pilotlight payments debit-request --month 2026-10 --debit-on
#     2026-11-27 --out req.txt`: select the invoices with each customer's
#     balance and pending amount, decide the amounts, write the Zengin
#     file (120-byte records, CR LF), store it with one line per debit and
#     its audit entry in one transaction; then write req.txt (a download:
#     hash checked, audited, 0600, fsync'd).
# (b) the bank's result, built here from the request's bytes (python3):
#     result codes 0 for 80 %, the rest 1, 2, 3, 4, 8, 9; the trailer's
#     debited and failed counts and amounts filled in. Not timed.
# (c) `pilotlight payments debit-result --request 1 res.txt`: read the
#     result, match it record by record against the stored request, post
#     every result through the ledger (a payment per 0, a follow-up per
#     failure) in one transaction with its audit entry.
# (d) the same result again: a no-op (already imported).
#
# Change capture (backups) is on by default: every commit is journaled as
# a changeset, unless its changeset would pass 1/8 of the store's size:
# then a snapshot of the whole store is taken instead (store/capture.c).
# Here (a) and (c) are journaled as changesets (about 20 MB each, the
# store about 400 MB). So (a) and (c) run twice: with capture as
# configured, and on a copy with PILOTLIGHT_CAPTURE=off (the work itself).
#
# Target (issue #7): <= 2 s each. Prints a table; exits 0 whether or not
# the target is met, non-zero only when it cannot run or a check fails.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
HOUSEHOLDS=${BENCH_HOUSEHOLDS:-100000}
work=$(mktemp -d /tmp/pl-bench-payments-XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
for t in sqlite3 awk python3; do
    command -v $t >/dev/null || { echo "$t not found"; exit 1; }
done
[ -x "$BIN" ] || { echo "no binary at $BIN (cmake -DPL_BENCH=ON -B build-bench)"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
data="$work/data"

t0=$(now)
"$BIN" seed --data "$data" --tenants 1 --customers-per-tenant "$HOUSEHOLDS" \
    --months 1 --as-of 2026-10-28 >"$work/seed.log" 2>&1 ||
    { echo "seed failed"; cat "$work/seed.log"; exit 1; }
db=$(ls "$data"/tenants/*.db)
code=$(sqlite3 "$data/platform.db" "SELECT code FROM tenants LIMIT 1")
sqlite3 "$db" <<'EOF'
UPDATE reading_periods SET status = 'closed',
    closed_at = '2026-10-29T00:00:00.000Z', closed_by = 'bench'
    WHERE month = '2026-10';
UPDATE contracts SET payment_method = 'debit', bank_code = '0005',
    branch_code = printf('%03d', id % 899 + 1), account_type = '1',
    account_number = printf('%07d', (id * 7919) % 10000000),
    account_holder = 'ﾍﾞﾝﾁ ﾀﾛｳ'
    WHERE end_date IS NULL AND payment_method <> 'debit';
INSERT INTO settings (key, value) VALUES
    ('payments.debit.requester_code', '0098765432'),
    ('payments.debit.requester_name', 'ベンチガス（カ'),
    ('payments.debit.bank_code', '0149'),
    ('payments.debit.branch_code', '001'),
    ('payments.debit.account_type', '1'),
    ('payments.debit.account_number', '7654321'),
    ('payments.debit.line_ending', 'crlf'),
    ('payments.debit.files', 'combined')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
EOF
for g in 10 20 31; do
    "$BIN" billing run --data "$data" --tenant "$code" --group "$g" \
        --month 2026-10 --quiet --issued-on 2026-11-05 >/dev/null 2>"$work/bill.err" ||
        { grep -q nothing_to_bill "$work/bill.err" || { cat "$work/bill.err"; exit 1; }; }
done
# the store was written without capture (sqlite3): let capture catch up
# (a snapshot) before anything is timed
"$BIN" payments debit-requests --data "$data" --tenant "$code" >/dev/null 2>&1
cp -r "$data" "$work/data-off"
t1=$(now)

# The bank's answer to a request file: codes by position, trailer split.
cat >"$work/result.py" <<'EOF'
import sys
src, dst = sys.argv[1], sys.argv[2]
codes = [0] * 24 + [1, 2, 3, 4, 8, 9]  # 80 % debited
data = open(src, "rb").read()
recs = [r for r in data.split(b"\r\n") if r]
out, dc, da, fc, fa, k = [], 0, 0, 0, 0, 0
for r in recs:
    r = bytearray(r)
    if r[:1] == b"2":
        c = codes[(k * 7) % len(codes)]
        k += 1
        r[111:112] = b"%d" % c
        amount = int(r[80:90])
        if c == 0:
            dc, da = dc + 1, da + amount
        else:
            fc, fa = fc + 1, fa + amount
    elif r[:1] == b"8":
        r[19:55] = b"%06d%012d%06d%012d" % (dc, da, fc, fa)
    out.append(bytes(r))
open(dst, "wb").write(b"\r\n".join(out) + b"\r\n")
print(dc, da, fc, fa)
EOF

run_request() { # data dir, capture mode
    PILOTLIGHT_CAPTURE=$2 "$BIN" payments debit-request --data "$1" \
        --tenant "$code" --month 2026-10 --debit-on 2026-11-27 \
        --out "$work/req-$2.txt" --quiet >"$work/req-$2.json" 2>"$work/req-$2.err" ||
        { cat "$work/req-$2.err"; exit 1; }
}
run_result() { # data dir, capture mode
    PILOTLIGHT_CAPTURE=$2 "$BIN" payments debit-result --data "$1" \
        --tenant "$code" --request 1 "$work/res.txt" --quiet \
        >"$work/res-$2.json" 2>"$work/res-$2.err" ||
        { cat "$work/res-$2.err"; exit 1; }
}

ta=$(now); run_request "$data" on; tb=$(now)
read -r dc da fc fa < <(python3 "$work/result.py" "$work/req-on.txt" "$work/res.txt")
tc=$(now); run_result "$data" on; td=$(now)
run_result "$data" on; te=$(now)
grep -q '"already_imported": true' "$work/res-on.json" ||
    { echo "the second import was not a no-op"; exit 1; }
tf=$(now); run_request "$work/data-off" off; tg=$(now)
cmp -s "$work/req-on.txt" "$work/req-off.txt" || { echo "request files differ"; exit 1; }
th=$(now); run_result "$work/data-off" off; ti=$(now)

lines=$(sqlite3 "$db" "SELECT COUNT(*) FROM debit_lines")
bytes=$(stat -c %s "$work/req-on.txt")
read -r paid paid_yen < <(sqlite3 -separator ' ' "$db" \
    "SELECT COUNT(*), -SUM(amount_yen) FROM receivable_entries WHERE method = 'debit'")
followups=$(sqlite3 "$db" "SELECT COUNT(*) FROM payment_followups")
[ "$paid" = "$dc" ] && [ "$paid_yen" = "$da" ] && [ "$followups" = "$fc" ] ||
    { echo "ledger: $paid payments ¥$paid_yen, $followups follow-ups; file: $dc ¥$da, $fc failed"; exit 1; }

echo
echo "direct debit: 1 tenant × $HOUSEHOLDS households, $lines debits, request file $bytes bytes (data $(secs "$t0" "$t1") s, not timed)"
printf '%-52s %10s %12s\n' "what" "seconds" "per second"
row() { printf '%-52s %10s %12.0f\n' "$1" "$2" "$(awk -v n="$lines" -v s="$2" 'BEGIN { print (s > 0 ? n / s : 0) }')"; }
row "(a) debit-request + file (capture on)" "$(secs "$ta" "$tb")"
row "(a) debit-request + file (PILOTLIGHT_CAPTURE=off)" "$(secs "$tf" "$tg")"
row "(c) debit-result import (capture on)" "$(secs "$tc" "$td")"
row "(c) debit-result import (PILOTLIGHT_CAPTURE=off)" "$(secs "$th" "$ti")"
row "(d) the same result again: no-op" "$(secs "$td" "$te")"
echo "result: $dc debited ¥$da, $fc failed ¥$fa; ledger: $paid debit payments ¥$paid_yen, $followups follow-ups (equal)"
echo "target (issue #7): <= 2 s each for (a) and (c)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
