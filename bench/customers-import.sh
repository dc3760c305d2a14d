#!/usr/bin/env bash
# bench/customers-import.sh — import rate of the customer ledger (取込).
#
# Generates a Shift_JIS CSV of BENCH_IMPORT_ROWS customers (default
# 100,000) as another system would write it: CRLF, a heading row, kana in
# half-width for one row in three, full-width phone digits now and then,
# quoted notes with line breaks, and a supply point (address, supply kind,
# route, order, closing day, move-in date) on every row. Then, into a fresh
# tenant with the CLI (the same job as POST /api/v1/imports/customers):
#   dry run   every row checked, numbers looked up in the ledger
#   import    every row written in one transaction: customer, supply point,
#             move-in, search index, one audit entry
# and prints rows/s for each.
#
# Target (issue #4): import >= 50,000 rows/s. Figures, not pass/fail: exits
# 0 either way (timing never gates tests).
set -euo pipefail
BIN=${PILOTLIGHT_BIN:-./build-bench/pilotlight}
ROWS=${BENCH_IMPORT_ROWS:-100000}
work=$(mktemp -d /tmp/pl-bench-import-XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$ROWS" "$work/customers.csv" <<'EOF'
import random, sys
rows, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(4)
family = [("田中", "タナカ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"),
          ("高橋", "タカハシ"), ("渡辺", "ワタナベ"), ("伊藤", "イトウ"),
          ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"),
          ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ")]
given = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"),
         ("美咲", "ミサキ"), ("健太", "ケンタ"), ("陽子", "ヨウコ"),
         ("大輔", "ダイスケ"), ("由美", "ユミ")]
towns = [("別府市", "北浜"), ("大分市", "府内町"), ("中津市", "豊田町"),
         ("日田市", "豆田町"), ("佐伯市", "中村南町")]
half = str.maketrans(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモ"
    "ヤユヨラリルレロワン",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ")
def halfwidth(k):
    for full, h in (("ガ", "ｶﾞ"), ("ギ", "ｷﾞ"), ("グ", "ｸﾞ"), ("ゴ", "ｺﾞ"),
                    ("ダ", "ﾀﾞ"), ("ド", "ﾄﾞ"), ("バ", "ﾊﾞ"), ("ユ", "ﾕ"),
                    ("ョ", "ｮ"), ("ウ", "ｳ"), ("ー", "ｰ"), ("ジ", "ｼﾞ"),
                    ("ズ", "ｽﾞ"), ("ザ", "ｻﾞ"), ("ビ", "ﾋﾞ"), ("ボ", "ﾎﾞ")):
        k = k.replace(full, h)
    return k.translate(half)
full = str.maketrans("0123456789-", "０１２３４５６７８９－")
out = ["顧客番号,氏名,フリガナ,区分,電話番号,郵便番号,都道府県,住所,備考,"
       "供給地点都道府県,供給地点市区町村,供給地点番地,供給地点建物,"
       "供給地点部屋,供給区分,検針順路,順番,締め日,入居日"]
for i in range(rows):
    (f, fk), (g, gk) = r.choice(family), r.choice(given)
    kana = fk + " " + gk
    if i % 3 == 0:
        kana = halfwidth(kana)
    city, town = r.choice(towns)
    street = "%s%d-%d-%d" % (town, r.randint(1, 9), r.randint(1, 30),
                             r.randint(1, 20))
    phone = "097%d-%02d-%04d" % (r.randint(0, 9), r.randint(0, 99),
                                 r.randint(0, 9999))
    if i % 10 == 0:
        phone = phone.translate(full)
    business = i % 17 == 0
    notes = '"検針は午前中\r\n犬に注意"' if i % 25 == 0 else ""
    bldg, room = ("", "")
    if i % 5 == 0:
        bldg, room = ("コーポ%s" % city[:2], "%d" % r.randint(101, 305))
    out.append(",".join([
        "%07d" % (i + 1), f + ("商店" if business else g), kana,
        "法人" if business else "個人", phone,
        "87%d-%04d" % (r.randint(0, 9), r.randint(0, 9999)), "大分県",
        city + street, notes, "大分県", city, street, bldg, room,
        r.choice(["戸別", "戸別", "戸別", "集合", "バルク"]),
        "R%02d" % (i // 1000 % 50), str(i % 1000 + 1),
        r.choice(["20", "25", "末"]),
        "20%02d/%d/%d" % (r.randint(5, 24), r.randint(1, 12), r.randint(1, 28)),
    ]))
with open(path, "wb") as f:
    f.write(("\r\n".join(out) + "\r\n").encode("cp932"))
EOF

size=$(stat -c %s "$work/customers.csv")
"$BIN" tenant create --data "$work/data" --code 0001 --name ベンチガス \
    >/dev/null
# seconds the command took, to the millisecond
timed() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" | head -5; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
args=(import customers "$work/customers.csv" --data "$work/data" --tenant 0001)
dry=$(timed "$BIN" "${args[@]}" --dry-run)
real=$(timed "$BIN" "${args[@]}")
tail -1 "$work/out"

rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
printf '\ncustomer import, %d rows, %.1f MB Shift_JIS (target >= 50000 rows/s)\n' \
    "$ROWS" "$(awk -v b="$size" 'BEGIN { print b / 1e6 }')"
printf '  %-10s %8s s %10s rows/s\n' "dry run" "$dry" "$(rate "$dry")" \
    "import" "$real" "$(rate "$real")"
