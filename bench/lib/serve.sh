# bench/lib/serve.sh — sourced by the benches that talk to a running
# `pilotlight serve`: start it and sign a user in with a one-time code.
# The caller sets BIN, HERE and work (a temp dir) and kills $pid on exit.
#
#   bench_serve DATA THREADS [ARGS…]  start serve on a free port: sets
#                                     pid, port, base
#   bench_sign_in DATA ROLE PROBE     create user "bench" (role) in tenant
#                                     0001, sign in, enrol TOTP; PROBE is a
#                                     path that must answer 200 afterwards.
#                                     Sets cookie ("name=value"), jar.
#   api METHOD PATH [JSON]            a request with the jar and CSRF token

bench_serve() {
    local data=$1 threads=$2
    shift 2
    PILOTLIGHT_ACCESS_LOG=false "$BIN" serve --data "$data" --port 0 \
        --threads "$threads" --login-rate 100000 --web "$HERE/../web" "$@" \
        2>"$work/log" &
    pid=$!
    port=""
    for _ in $(seq 100); do
        port=$(sed -n 's/.*"event":"serve.listening".*"port":\([0-9]*\).*/\1/p' "$work/log")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "server did not start"; cat "$work/log"; exit 1; }
    base="http://127.0.0.1:$port"
}

api() { # METHOD PATH [JSON]: prints the body; CSRF from the last answer
    local csrf
    csrf=$(cat "$work/csrf" 2>/dev/null || true)
    curl -s -b "$jar" -c "$jar" -X "$1" -H 'Content-Type: application/json' \
        -H "X-CSRF-Token: $csrf" ${3:+-d "$3"} "$base$2" | tee "$work/lastapi"
    python3 -c 'import json, sys
try: c = json.load(open(sys.argv[1])).get("csrf")
except Exception: c = None
if c: open(sys.argv[2], "w").write(c)' "$work/lastapi" "$work/csrf"
}

bench_field() { python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
bench_code() { "$BIN" totp --secret "$1" --time "$2" | head -c 6; }

bench_sign_in() {
    local data=$1 role=$2 probe=$3 pw secret
    jar="$work/cookies"
    pw=$("$BIN" user create --data "$data" --tenant 0001 --login bench \
        --name 'ベンチ' --role "$role" 2>&1 |
        sed -n 's/^initial password: *\([^ ]*\).*/\1/p')
    [ -n "$pw" ] || { echo "user create gave no password"; exit 1; }
    local login="{\"tenant\":\"0001\",\"login_id\":\"bench\",\"password\":\"$pw\"}"
    api POST /api/v1/auth/login "$login" >/dev/null
    secret=$(api GET /api/v1/auth/enroll | bench_field secret)
    [ -n "$secret" ] || { echo "enrolment gave no secret"; exit 1; }
    api POST /api/v1/auth/enroll \
        "{\"code\":\"$(bench_code "$secret" "$(date +%s)")\"}" >/dev/null
    if ! curl -sf -b "$jar" "$base$probe" >/dev/null; then
        # enrolment did not finish the session: sign in with the next code
        sleep $((31 - $(date +%s) % 30))
        api POST /api/v1/auth/login "$login" >/dev/null
        api POST /api/v1/auth/totp \
            "{\"code\":\"$(bench_code "$secret" "$(date +%s)")\"}" >/dev/null
    fi
    cookie=$(awk '$6 ~ /pl_session/ { print $6 "=" $7 }' "$jar")
    curl -sf -H "Cookie: $cookie" "$base$probe" >/dev/null ||
        { echo "could not sign in"; cat "$work/lastapi"; exit 1; }
}
