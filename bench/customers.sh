#!/usr/bin/env bash
# bench/customers.sh — customer search (顧客検索) on a 100,000-customer
# tenant: latency over HTTP per kind of query, and the index rebuild rate.
#
# Data: `pilotlight seed --tenants 1 --customers-per-tenant N` (its
# customers module: households with supply points, meters, contracts...).
#
# Measures:
#   rebuild   `pilotlight search rebuild` on an emptied index (what the seed
#             and a restore pay) and on a full one (deletes first): customers/s
#   search    GET /api/v1/customers?q=… with wrk, one connection (latency
#             without queueing), BENCH_SECONDS per kind, each kind cycling
#             through BENCH_QUERIES queries drawn from the data:
#               kanji2    2-character kanji name prefix (田中)
#               hiragana  family name in hiragana (たなか)
#               halfkana  family name in half-width kana (ﾀﾅｶ)
#               phone-    phone with hyphens (0977-12-3456)
#               phone     phone digits only (0977123456)
#               address   street fragment of a supply point (北浜2丁目10)
#               meter     meter serial
#               number    customer number
#               broad     thousands of hits: a city, an area code, one
#                         kanji of a name (the page fills from the top)
#             then all kinds mixed on BENCH_CONNS connections (req/s).
# Target (issue #4): search p99 < 20 ms on a 100,000-customer tenant;
# index rebuild >= 20,000 customers/s (release build). The import rate is
# measured by bench/customers-import.sh. Prints a table; exits 0 whether or
# not the targets are met, non-zero only when it cannot run.
set -euo pipefail
export LC_NUMERIC=C
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
N=${BENCH_CUSTOMERS:-100000}
DUR=${BENCH_SECONDS:-5}
NQ=${BENCH_QUERIES:-200}
MIX_CONNS=${BENCH_CONNS:-4}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/serve.sh"
work=$(mktemp -d /tmp/pl-bench-customers-XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
for t in wrk python3 curl; do
    command -v $t >/dev/null || { echo "$t not found"; exit 1; }
done
load0=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
data="$work/data"
db="$data/tenants/1.db"

# --- data -----------------------------------------------------------------
t0=$EPOCHREALTIME
"$BIN" seed --data "$data" --tenants 1 --customers-per-tenant "$N" \
    >"$work/seed.log" 2>&1 || { echo "seed failed"; cat "$work/seed.log"; exit 1; }
seed_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ -f "$db" ] || { echo "seed made no tenant store at $db"; exit 1; }
count() { python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }
have=$(count "SELECT count(*) FROM customers")
source_note="pilotlight seed ($have customers, ${seed_s} s)"
[ "$have" -ge "$N" ] || { echo "seed made $have customers, not $N"; exit 1; }

# --- rebuild rate ---------------------------------------------------------
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DELETE FROM customer_search"); c.execute("DELETE FROM customer_phones")
c.execute("UPDATE customers SET name_key = NULL, kana_key = NULL")
c.execute("INSERT INTO customer_search (customer_search) VALUES (\x27optimize\x27)")
c.commit()' "$db"
rebuild() {
    "$BIN" search rebuild --data "$data" --tenant 0001 |
        sed -n 's/.* rebuilt in \([0-9.]*\) s$/\1/p'
}
rb_empty=$(rebuild)
rb_full=$(rebuild)
[ -n "$rb_empty" ] && [ -n "$rb_full" ] || { echo "search rebuild failed"; exit 1; }
indexed=$(count "SELECT count(*) FROM customer_search")

# --- queries drawn from the data ----------------------------------------
python3 - "$db" "$NQ" "$work" <<'EOF'
import sqlite3, sys, unicodedata, urllib.parse
db, nq, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = sqlite3.connect(db)
def rows(sql):
    return [r for r in con.execute(sql + " ORDER BY random() LIMIT ?", (nq,))]
# full-width katakana -> half-width, from NFKC of the half-width block
half = {}
for cp in range(0xFF61, 0xFFA0):
    h = chr(cp)
    half[unicodedata.normalize("NFKC", h)] = h
for k, h in list(half.items()):
    for mark, hm in (("\u3099", "\uff9e"), ("\u309a", "\uff9f")):
        v = unicodedata.normalize("NFC", k + mark)
        if len(v) == 1 and v not in half:
            half[v] = h + hm
def hiragana(s):
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in s)
def halfwidth(s):
    return "".join(half.get(c, c) for c in s)
family = [r[0].split(" ")[0] for r in rows("SELECT kana FROM customers")]
kinds = {
    "kanji2": [r[0][:2] for r in rows("SELECT name FROM customers")],
    "hiragana": [hiragana(k) for k in family],
    "halfkana": [halfwidth(k) for k in family],
    "phone-": [r[0] for r in rows("SELECT phone1 FROM customers WHERE phone1 IS NOT NULL")],
    "phone": [r[0].replace("-", "") for r in rows("SELECT phone1 FROM customers WHERE phone1 IS NOT NULL")],
    "address": [r[0][:max(3, len(r[0]) - 3)] for r in rows(
        "SELECT p.street FROM supply_points p JOIN occupancy o"
        " ON o.supply_point_id = p.id AND o.moved_out IS NULL")],
    "meter": [r[0] for r in rows("SELECT serial FROM meters WHERE removed_date IS NULL")],
    "number": [r[0] for r in rows("SELECT number FROM customers")],
    # many hits each: a city, an area code, one character of a name
    "broad": [q for r in rows("SELECT p.city, substr(c.phone1, 1, 4),"
        " substr(c.name, 1, 1) FROM customers c JOIN occupancy o"
        " ON o.customer_id = c.id AND o.moved_out IS NULL"
        " JOIN supply_points p ON p.id = o.supply_point_id"
        " WHERE c.phone1 IS NOT NULL") for q in r][:nq],
}
with open(out + "/kinds", "w") as kf:
    for kind, qs in kinds.items():
        kf.write(kind + "\n")
        with open("%s/q-%s" % (out, kind), "w") as f:
            for q in qs:
                f.write(urllib.parse.quote(q) + "\n")
        with open(out + "/q-mix", "a") as f:
            for q in qs:
                f.write(urllib.parse.quote(q) + "\n")
EOF

# --- server and a signed-in office user ---------------------------------
bench_serve "$data" 4 --per-ip 1000
bench_sign_in "$data" office "/api/v1/customers?limit=1"

# --- search latency -------------------------------------------------------
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}
# search FILE CONNS SECONDS -> "rps p50 p99 non2xx avg_hits"
search() {
    local out
    out=$(wrk -t1 -c"$2" -d"${3}s" --latency -s "$HERE/customers-search.lua" \
        "$base" -- "$1" "$cookie" 2>&1) || true
    echo "$out" >"$work/wrk-$(basename "$1")"
    local rps p50 p99 bad hits
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    hits=$(sed -n 's/^hits per query: //p' <<<"$out")
    echo "${rps:-0} $(to_ms "${p50:-0}") $(to_ms "${p99:-0}") ${bad:-0} ${hits:-?}"
}
search "$work/q-number" 1 1 >/dev/null # warm-up
declare -A res
mapfile -t kinds <"$work/kinds"
for k in "${kinds[@]}"; do
    res[$k]=$(search "$work/q-$k" 1 "$DUR")
done
mix=$(search "$work/q-mix" "$MIX_CONNS" "$DUR")

# --- report ---------------------------------------------------------------
rate() { awk -v n="$indexed" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
printf '\nCustomer search on one tenant of %s customers (%s), %s cores\n' "$have" "$source_note" "$(nproc)"
printf 'load average before the run: %s (other work on the box skews every figure)\n\n' "$load0"
printf '%-34s %10s %14s\n' "index rebuild" "seconds" "customers/s"
printf '%-34s %10s %14s\n' "from an empty index" "$rb_empty" "$(rate "$rb_empty")"
printf '%-34s %10s %14s\n' "over a full index" "$rb_full" "$(rate "$rb_full")"
printf '\nGET /api/v1/customers?q=… (limit 50), wrk -c1, %ss per kind, %s queries each\n' "$DUR" "$NQ"
printf '%-12s %10s %9s %9s %9s %8s\n' "kind" "req/s" "p50 ms" "p99 ms" "non-2xx" "hits/q"
worst=0
for k in "${kinds[@]}"; do
    read -r rps p50 p99 bad hits <<<"${res[$k]}"
    printf '%-12s %10.0f %9s %9s %9s %8s\n' "$k" "$rps" "$p50" "$p99" "$bad" "$hits"
    worst=$(awk -v a="$worst" -v b="$p99" 'BEGIN { print (b > a ? b : a) }')
done
read -r rps p50 p99 bad hits <<<"$mix"
printf '%-12s %10.0f %9s %9s %9s %8s   (all kinds, wrk -c%s)\n' "mixed" "$rps" "$p50" "$p99" "$bad" "$hits" "$MIX_CONNS"
echo
awk -v w="$worst" 'BEGIN { printf "target: search p99 < 20 ms per kind: %s (worst %.2f ms)\n", (w < 20 ? "met" : "NOT met"), w }'
awk -v r="$(rate "$rb_empty")" 'BEGIN { printf "target: rebuild >= 20,000 customers/s: %s (%d/s from empty)\n", (r >= 20000 ? "met" : "NOT met"), r }'
echo "(hits/q: mean customers returned per query, at most 50; wrk and the"
echo " server share the cores)"
