#!/usr/bin/env bash
# Load-tests the product against its floors, per database backend.
#
#   scripts/bench.sh [sqlite|postgres|all]          (default: all; `just bench` calls this)
#
# Environment:
#   DURATION=10s CONNECTIONS=32 THREADS=2   wrk's -d, -c and -t for every run
#   ARGON2_SECONDS=5                        length of each raw argon2id phase (hash, verify)
#   LOGIN_ROUNDS=3                          login runs, each between two raw argon2id runs
#   BENCH_FLOOR_ONLY=1                      skip the product (floors only), e.g. while it is being built
#
# Everything runs on 127.0.0.1 only. Every process started here is stopped on exit.
# Results: a table on stdout, JSON lines in target/bench/results-<backend>.json,
# wrk's reports and the servers' logs beside them.
# Exit status 1 if the product answered the profile read with any error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
ARGON2_SECONDS=${ARGON2_SECONDS:-5}
LOGIN_ROUNDS=${LOGIN_ROUNDS:-3}
BENCH_FLOOR_ONLY=${BENCH_FLOOR_ONLY:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RESULTS_DIR=$TARGET_DIR/bench
FLOOR_BIN=$TARGET_DIR/release/clientele-floor
PRODUCT_BIN=$TARGET_DIR/release/clientele
HOST=127.0.0.1
TENANT=demo
PG_ADMIN=(env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -U postgres -d test)

LOGIN=bench@example.com
PASSWORD='correct horse battery staple'
SEED_BODY='{"type":"PrivateCustomer","customerNo":"bench-1","firstName":"Bench","lastName":"Mark","email":"bench@example.com","credentials":{"login":"bench@example.com","password":"correct horse battery staple"},"address":{"firstName":"Bench","lastName":"Mark","addressLine1":"Hauptstr. 1","postalCode":"10115","city":"Berlin","countryCode":"DE"}}'

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 2
}

case "${1:-all}" in
    sqlite | postgres) BACKENDS=("$1") ;;
    all) BACKENDS=(sqlite postgres) ;;
    -h | --help)
        sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown backend '$1' (expected sqlite, postgres or all)" ;;
esac
[ "$#" -le 1 ] || die "one argument at most (sqlite|postgres|all)"

# --- tools -----------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    log "wrk not found; installing the bench tools"
    bash "$ROOT/scripts/install-bench-tools.sh"
fi
for tool in wrk curl awk; do
    command -v "$tool" >/dev/null || die "$tool not found; run 'just install-bench-tools'"
done
if [[ " ${BACKENDS[*]} " == *" postgres "* ]]; then
    command -v psql >/dev/null || die "psql not found (needed for the postgres backend)"
    "${PG_ADMIN[@]}" -c 'SELECT 1' >/dev/null 2>&1 ||
        die "PostgreSQL at $HOST:5432 (user postgres, database test) is not reachable; try 'bench sqlite'"
fi

# --- processes and clean-up ------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clientele-bench.XXXXXX")
PIDS=()

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    # The servers' logs outlive the temporary folder, for a run that went wrong.
    if [ -d "$RESULTS_DIR" ]; then
        cp "$WORK"/*.log "$RESULTS_DIR"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop PID: stops one process started here and forgets it, so clean-up never signals
# a process id the system may since have given to someone else.
stop() {
    local pid keep=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for pid in "${PIDS[@]}"; do
        [ "$pid" = "$1" ] || keep+=("$pid")
    done
    PIDS=("${keep[@]}")
}

# free_port: sets PORT to a port on $HOST that nothing answers on. Servers are started
# one at a time and waited for, so a port handed out earlier is taken by then.
free_port() {
    local _
    for _ in $(seq 1 200); do
        PORT=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
            return 0
        fi
    done
    die "no free port found on $HOST"
}

# wait_ready NAME URL PID LOG: polls URL until 200, for at most 120 s.
wait_ready() {
    local name=$1 url=$2 pid=$3 logfile=$4 _
    for _ in $(seq 1 600); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "$name exited before it was ready; its log:"
            tail -n 40 "$logfile" >&2
            exit 2
        fi
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" = 200 ]; then
            return 0
        fi
        sleep 0.2
    done
    log "$name not ready after 120 s ($url); its log:"
    tail -n 40 "$logfile" >&2
    exit 2
}

# --- wrk runs and their figures --------------------------------------------------------
# Filled by run_wrk for the last run.
RPS=0 OK_RPS=0 P50=null P99=null REQUESTS=0 NON2XX=0 SOCKERR=0 NON201=null

# wrk prints latencies as 812.00us, 1.20ms, 1.03s or 2.00m; in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "null"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : 1
        printf "%.3f", n * f
    }'
}

# run_wrk NAME URL [wrk options…]: the report goes to $WORK/NAME.wrk; figures to the globals.
run_wrk() {
    local name=$1 url=$2
    shift 2
    local out=$WORK/$name.wrk
    log "wrk $name: $url (-t$THREADS -c$CONNECTIONS -d$DURATION)"
    # The URL goes before the options: a Lua script's arguments follow "--" at the end.
    wrk --latency --timeout 10s -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$url" "$@" >"$out" 2>&1 ||
        die "wrk failed for $name: $(tail -n 5 "$out")"
    cp "$out" "$RESULTS_DIR/$BACKEND-$name.wrk.txt"
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    [ -n "$RPS" ] || die "no Requests/sec in wrk's report for $name: $(cat "$out")"
    REQUESTS=$(awk '/requests in/ { print $1; exit }' "$out")
    NON2XX=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    NON2XX=${NON2XX:-0}
    # "Socket errors: connect 0, read 0, write 0, timeout 0": their sum.
    SOCKERR=$(awk '/Socket errors:/ { s = $0; while (match(s, /[0-9]+/)) { n += substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH) } } END { print n + 0 }' "$out")
    SOCKERR=${SOCKERR:-0}
    NON201=$(awk '/^Non-201 responses:/ { print $NF }' "$out")
    NON201=${NON201:-null}
    P50=$(to_ms "$(awk '$1 == "50%" { print $2; exit }' "$out")")
    P99=$(to_ms "$(awk '$1 == "99%" { print $2; exit }' "$out")")
    # Throughput of successful answers only: errors are not service.
    OK_RPS=$(awk -v r="$RPS" -v n="$REQUESTS" -v e="$NON2XX" \
        'BEGIN { printf "%.2f", (n > 0 ? r * (n - e) / n : 0) }')
    if [ "$NON2XX" != 0 ] || [ "$SOCKERR" != 0 ]; then
        log "WARNING $name: $NON2XX non-2xx responses and $SOCKERR socket errors out of $REQUESTS requests"
    fi
    printf '%-9s %-34s %10s %10s %9s %9s %8s %8s\n' \
        "$BACKEND" "$name" "$RPS" "$OK_RPS" "$P50" "$P99" "$NON2XX" "$SOCKERR" >>"$TABLE"
    printf '{"backend":"%s","target":"%s","url":"%s","rps":%s,"ok_rps":%s,"p50_ms":%s,"p99_ms":%s,"requests":%s,"non_2xx":%s,"socket_errors":%s,"non_201":%s,"duration":"%s","connections":%s,"threads":%s}\n' \
        "$BACKEND" "$name" "$url" "$RPS" "$OK_RPS" "$P50" "$P99" "$REQUESTS" "$NON2XX" "$SOCKERR" "$NON201" \
        "$DURATION" "$CONNECTIONS" "$THREADS" >>"$RESULTS"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.4f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
json_list() { local IFS=,; printf '%s' "$*"; }
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "null" || b + 0 <= 0) print "null"; else printf "%.4f", a / b }'; }

vm_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
kib_to_mib() { awk -v k="$1" 'BEGIN { if (k == "") print "null"; else printf "%.1f", k / 1024 }'; }

# PostgreSQL as autovacuum leaves it some seconds after a burst of writes (tables, or
# all): vacuumed, with fresh statistics. This machine's server runs with autovacuum =
# off, and without an ANALYZE the plans every connection keeps (its prepared statements
# and foreign-key checks) stay those chosen while the tables were empty.
settle_postgres() {
    [ "$BACKEND" = postgres ] || return 0
    env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -U postgres \
        -d clientele_bench -c "VACUUM (ANALYZE) $*" || die "VACUUM of the bench database failed"
}

# measure_argon2: the raw argon2id hash and verify rates on all cores, into HASHES and
# VERIFIES (and the results file).
measure_argon2() {
    log "raw argon2id: $ARGON2_SECONDS s hashing + $ARGON2_SECONDS s verifying on $(nproc) threads"
    ARGON2=$("$FLOOR_BIN" argon2 --seconds "$ARGON2_SECONDS" --threads "$(nproc)")
    HASHES=$(printf '%s' "$ARGON2" | sed -n 's/.*"hashes_per_sec":\([0-9.eE+-]*\).*/\1/p')
    VERIFIES=$(printf '%s' "$ARGON2" | sed -n 's/.*"verifies_per_sec":\([0-9.eE+-]*\).*/\1/p')
    printf '{"backend":"%s","target":"raw_argon2id",%s\n' "$BACKEND" "${ARGON2#\{}" >>"$RESULTS"
}

# --- build -----------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR" "$WORK/config"
if [ "$BENCH_FLOOR_ONLY" = 1 ]; then
    log "building the floor (release; BENCH_FLOOR_ONLY=1, the product is skipped)"
    cargo build --release -p clientele-bench
else
    log "building the product and the floor (release)"
    cargo build --release -p clientele -p clientele-bench
fi

TABLE=$WORK/table.txt
FAILED=0
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || COMMIT="$COMMIT+dirty"
BASIC=$(printf '%s:%s' "$LOGIN" "$PASSWORD" | base64 | tr -d '\n')

for BACKEND in "${BACKENDS[@]}"; do
    RESULTS=$RESULTS_DIR/results-$BACKEND.json
    : >"$RESULTS"
    printf '%-9s %-34s %10s %10s %9s %9s %8s %8s\n' \
        backend target rps ok_rps p50_ms p99_ms non-2xx sock-err >"$TABLE"

    case $BACKEND in
        sqlite)
            mkdir -p "$WORK/sqlite"
            FLOOR_URL="sqlite://$WORK/sqlite/floor.db"
            PRODUCT_URL="sqlite://$WORK/sqlite/clientele.db"
            ;;
        postgres)
            for db in clientele_bench clientele_floor; do
                "${PG_ADMIN[@]}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
            done
            FLOOR_URL="postgres://postgres@$HOST:5432/clientele_floor"
            PRODUCT_URL="postgres://postgres@$HOST:5432/clientele_bench"
            ;;
    esac

    # Floor.
    free_port
    FLOOR_PORT=$PORT
    FLOOR_LOG=$WORK/floor-$BACKEND.log
    "$FLOOR_BIN" serve --bind "$HOST:$FLOOR_PORT" --database-url "$FLOOR_URL" >"$FLOOR_LOG" 2>&1 &
    FLOOR_PID=$!
    PIDS+=("$FLOOR_PID")
    wait_ready "floor ($BACKEND)" "http://$HOST:$FLOOR_PORT/hello" "$FLOOR_PID" "$FLOOR_LOG"
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HOST:$FLOOR_PORT/pk/1")" = 200 ] ||
        die "floor GET /pk/1 did not answer 200"

    # Product.
    if [ "$BENCH_FLOOR_ONLY" != 1 ]; then
        free_port
        PRODUCT_PORT=$PORT
        PRODUCT_LOG=$WORK/product-$BACKEND.log
        PRODUCT=http://$HOST:$PRODUCT_PORT
        # An empty config dir: built-in defaults plus these variables, whatever
        # config/local.yaml says on this machine.
        env CLIENTELE_CONFIG_DIR="$WORK/config" \
            CLIENTELE__SERVER__HOST="$HOST" \
            CLIENTELE__SERVER__PORT="$PRODUCT_PORT" \
            CLIENTELE__DATABASE__URL="$PRODUCT_URL" \
            CLIENTELE__LOG__LEVEL=warn \
            CLIENTELE__MAIL__DIR="$WORK/mail-$BACKEND" \
            CLIENTELE__SECURITY__AUTH_ATTEMPTS_PER_MINUTE=100000000 \
            "$PRODUCT_BIN" serve >"$PRODUCT_LOG" 2>&1 &
        PRODUCT_PID=$!
        PIDS+=("$PRODUCT_PID")
        wait_ready "clientele ($BACKEND)" "$PRODUCT/health/ready" "$PRODUCT_PID" "$PRODUCT_LOG"

        code=$(curl -s -o "$WORK/seed.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            --data "$SEED_BODY" "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/privatecustomers")
        [ "$code" = 201 ] || die "seeding the customer answered $code: $(head -c 500 "$WORK/seed.out")"
        code=$(curl -s -o "$WORK/profile.out" -w '%{http_code}' -H "Authorization: Basic $BASIC" \
            "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/customers/-")
        [ "$code" = 200 ] || die "the profile read answered $code: $(head -c 500 "$WORK/profile.out")"
        # An ICM user token (password grant) for the token-authenticated read, and an
        # Emporix anonymous token for the sign-ups.
        TOKEN=$(curl -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
            --data-urlencode grant_type=password --data-urlencode "username=bench@example.com" \
            --data-urlencode "password=correct horse battery staple" \
            "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
        [ -n "$TOKEN" ] || die "the token grant returned no access token"
        ANON=$(curl -s "$PRODUCT/customerlogin/auth/anonymous/login?tenant=$TENANT&client_id=bench" |
            sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
        [ -n "$ANON" ] || die "the anonymous login returned no access token"
    fi

    log "=== $BACKEND ==="
    # Other work on the machine skews every figure; the load before the runs shows it.
    LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
    run_wrk floor_hello "http://$HOST:$FLOOR_PORT/hello"
    HELLO_RPS=$OK_RPS
    run_wrk floor_pk_read "http://$HOST:$FLOOR_PORT/pk/1"
    PK_RPS=$OK_RPS
    # The floor stays up for a second primary-key run right after the product's token
    # read: the machine's speed drifts over minutes, and the ratio compares the token read
    # with the mean of the two runs around it.
    PK_AFTER_RPS=null

    PROFILE_RPS=null SIGNUP_RPS=null PROFILE_ERRORS=null SIGNUP_ERRORS=null PRODUCT_HWM_KIB="" HASHES="" VERIFIES="" RAW_VERIFIES="" LOGIN_RATIOS=""
    TOKEN_RPS=null TOKEN_ERRORS=null TOKEN_P99_IDLE=null TOKEN_P99_STORM=null
    LIST_RPS=null LIST_ERRORS=null UPDATE_RPS=null UPDATE_ERRORS=null
    FIRST_PAGE_RPS=null FIRST_PAGE_P99=null FIRST_PAGE_ERRORS=null LAST_PAGE_RPS=null LAST_PAGE_P99=null LAST_PAGE_ERRORS=null
    if [ "$BENCH_FLOOR_ONLY" != 1 ]; then
        run_wrk product_profile_read_token "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/customers/-" \
            -H "authentication-token: $TOKEN"
        TOKEN_RPS=$OK_RPS
        TOKEN_ERRORS=$((NON2XX + SOCKERR))
        TOKEN_P99_IDLE=$P99
        run_wrk floor_pk_read_after "http://$HOST:$FLOOR_PORT/pk/1"
        PK_AFTER_RPS=$OK_RPS
        run_wrk product_profile_read_basic_auth "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/customers/-" \
            -H "Authorization: Basic $BASIC"
        PROFILE_RPS=$OK_RPS
        PROFILE_ERRORS=$((NON2XX + SOCKERR))
        run_wrk product_signup "$PRODUCT" -H "Authorization: Bearer $ANON" \
            -s "$ROOT/benches/wrk/signup.lua" -- "$TENANT" "$(date +%s)-$$"
        SIGNUP_ERRORS=$((NON2XX + SOCKERR))
        # Sign-ups that were not 201 are not sign-ups.
        [ "$NON201" = null ] || SIGNUP_ERRORS=$((NON201 + SOCKERR))
        SIGNUP_RPS=$(awk -v r="$RPS" -v n="$REQUESTS" -v e="$SIGNUP_ERRORS" \
            'BEGIN { printf "%.2f", (n > 0 ? r * (n - e) / n : 0) }')
        # The sign-ups grew the tables from one row to a thousand; with the statistics
        # of one row, every foreign-key check of a login scanned all customers.
        settle_postgres
        # Logins: one argon2id verification each, so capped by the raw verify rate. The
        # machine's speed drifts by several per cent within seconds (the raw rate alone
        # moved 105-150/s between runs), so logins run in LOGIN_ROUNDS rounds, each between
        # two raw runs; a round's ratio divides by the mean of the raw runs around it, and
        # the figure is the median round (every round is printed).
        measure_argon2
        RAW_HASHES=$HASHES RAW_VERIFIES=$VERIFIES LOGIN_RATIOS=""
        for round in $(seq 1 "$LOGIN_ROUNDS"); do
            BEFORE=$VERIFIES
            run_wrk "product_login_$round" "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/token" -s "$ROOT/benches/wrk/login.lua"
            measure_argon2
            RAW_HASHES="$RAW_HASHES $HASHES" RAW_VERIFIES="$RAW_VERIFIES $VERIFIES"
            LOGIN_RATIOS="$LOGIN_RATIOS $(awk -v l="$OK_RPS" -v a="$BEFORE" -v b="$VERIFIES" 'BEGIN { printf "%.4f", 2 * l / (a + b) }')"
        done
        HASHES=$(mean $RAW_HASHES)
        VERIFIES=$(mean $RAW_VERIFIES)
        # Token reads during a login storm: hashing runs on its own pool and must not
        # starve the executor or the database pool.
        wrk --timeout 10s -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$ROOT/benches/wrk/login.lua" \
            "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/token" >"$WORK/storm.wrk" 2>&1 &
        STORM_PID=$!
        sleep 1
        run_wrk product_profile_read_token_during_login_storm "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/customers/-" \
            -H "authentication-token: $TOKEN"
        TOKEN_P99_STORM=$P99
        wait "$STORM_PID" || true
        # The address book last: the account read of the token reads above stays as small
        # as in earlier runs.
        # Nine more addresses, so "list my addresses" reads ten.
        for i in $(seq 2 10); do
            code=$(curl -s -o "$WORK/address.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
                -H "authentication-token: $TOKEN" \
                --data "{\"firstName\":\"Bench\",\"lastName\":\"Mark\",\"addressLine1\":\"Hauptstr. $i\",\"postalCode\":\"10115\",\"city\":\"Berlin\",\"countryCode\":\"DE\"}" \
                "$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-/customers/-/addresses")
            [ "$code" = 201 ] || die "adding address $i answered $code: $(head -c 500 "$WORK/address.out")"
        done
        ADDRESS_ID=$(curl -s -H "Authorization: Bearer $TOKEN" "$PRODUCT/customer/$TENANT/me/addresses" |
            sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n 1)
        [ -n "$ADDRESS_ID" ] || die "listing the addresses returned no id"
        run_wrk product_list_10_addresses "$PRODUCT/customer/$TENANT/me/addresses" \
            -H "Authorization: Bearer $TOKEN"
        LIST_RPS=$OK_RPS
        LIST_ERRORS=$((NON2XX + SOCKERR))
        run_wrk product_update_address "$PRODUCT/customer/$TENANT/me/addresses/$ADDRESS_ID" \
            -H "Authorization: Bearer $TOKEN" -s "$ROOT/benches/wrk/patch_address.lua"
        UPDATE_RPS=$OK_RPS
        UPDATE_ERRORS=$((NON2XX + SOCKERR))
        # B2B: a company with 10 000 users (100 bulk calls of 100); the first and the last
        # page of its user list must cost about the same.
        ICM_BASE=$PRODUCT/INTERSHOP/rest/WFS/$TENANT/-
        code=$(curl -s -o "$WORK/company.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            --data '{"type":"SMBCustomer","customerNo":"B2B-1","companyName":"Bench AG","user":{"firstName":"Ada","lastName":"Admin","email":"b2b-admin@example.com"},"credentials":{"login":"b2b-admin@example.com","password":"correct horse battery staple"}}' \
            "$ICM_BASE/customers")
        [ "$code" = 201 ] || die "registering the company answered $code: $(head -c 500 "$WORK/company.out")"
        B2B_TOKEN=$(curl -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
            --data-urlencode grant_type=password --data-urlencode "username=b2b-admin@example.com" \
            --data-urlencode "password=correct horse battery staple" "$ICM_BASE/token" |
            sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
        [ -n "$B2B_TOKEN" ] || die "the company administrator got no token"
        log "seeding 10000 company users"
        for batch in $(seq 0 99); do
            awk -v b="$batch" 'BEGIN { printf "{\"elements\":["; for (i = 0; i < 100; i++) { n = b * 100 + i;
                printf "%s{\"firstName\":\"First%05d\",\"lastName\":\"Last%05d\",\"email\":\"user%05d@b2b.example\"}", (i ? "," : ""), n, n, n }
                printf "]}" }' >"$WORK/users.json"
            code=$(curl -s -o "$WORK/users.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
                -H "authentication-token: $B2B_TOKEN" --data @"$WORK/users.json" "$ICM_BASE/customers/B2B-1/users")
            [ "$code" = 201 ] || die "adding users (batch $batch) answered $code: $(head -c 300 "$WORK/users.out")"
        done
        # Right after a bulk load PostgreSQL's visibility map is empty, and every
        # index-only scan also reads the table.
        settle_postgres users
        run_wrk product_users_first_page "$ICM_BASE/customers/B2B-1/users?offset=0&limit=50" \
            -H "authentication-token: $B2B_TOKEN"
        FIRST_PAGE_RPS=$OK_RPS FIRST_PAGE_P99=$P99 FIRST_PAGE_ERRORS=$((NON2XX + SOCKERR))
        run_wrk product_users_last_page "$ICM_BASE/customers/B2B-1/users?offset=9951&limit=50" \
            -H "authentication-token: $B2B_TOKEN"
        LAST_PAGE_RPS=$OK_RPS LAST_PAGE_P99=$P99 LAST_PAGE_ERRORS=$((NON2XX + SOCKERR))
        PRODUCT_HWM_KIB=$(vm_kib "$PRODUCT_PID" VmHWM)
        stop "$PRODUCT_PID"
    fi

    [ -n "$HASHES" ] || measure_argon2
    FLOOR_HWM_KIB=$(vm_kib "$FLOOR_PID" VmHWM)
    stop "$FLOOR_PID"

    PEAK_RSS_MIB=$(kib_to_mib "$PRODUCT_HWM_KIB")
    FLOOR_RSS_MIB=$(kib_to_mib "$FLOOR_HWM_KIB")
    PK_MEAN_RPS=$PK_RPS
    [ "$PK_AFTER_RPS" = null ] || PK_MEAN_RPS=$(awk -v a="$PK_RPS" -v b="$PK_AFTER_RPS" 'BEGIN { printf "%.2f", (a + b) / 2 }')
    PROFILE_VS_PK=$(ratio "$PROFILE_RPS" "$PK_RPS")
    PROFILE_VS_HELLO=$(ratio "$PROFILE_RPS" "$HELLO_RPS")
    SIGNUPS_VS_ARGON2=$(ratio "$SIGNUP_RPS" "$HASHES")
    # The profile read verifies a password per request: its real ceiling is this one.
    PROFILE_VS_VERIFY=$(ratio "$PROFILE_RPS" "$VERIFIES")
    TOKEN_VS_PK=$(ratio "$TOKEN_RPS" "$PK_MEAN_RPS")
    LOGINS_VS_VERIFY=null
    # shellcheck disable=SC2086  # word splitting of the rounds is meant
    [ -z "$LOGIN_RATIOS" ] || LOGINS_VS_VERIFY=$(median $LOGIN_RATIOS)
    STORM_P99_RATIO=$(ratio "${TOKEN_P99_STORM:-null}" "${TOKEN_P99_IDLE:-null}")
    TOKEN_VS_HELLO=$(ratio "$TOKEN_RPS" "$HELLO_RPS")
    LIST_VS_HELLO=$(ratio "$LIST_RPS" "$HELLO_RPS")
    UPDATE_VS_HELLO=$(ratio "$UPDATE_RPS" "$HELLO_RPS")
    printf '{"backend":"%s","target":"summary_addresses","list_10_addresses_vs_hello":%s,"update_address_vs_hello":%s,"list_10_addresses_rps":%s,"update_address_rps":%s,"list_errors":%s,"update_errors":%s}\n' \
        "$BACKEND" "$LIST_VS_HELLO" "$UPDATE_VS_HELLO" "$LIST_RPS" "$UPDATE_RPS" "$LIST_ERRORS" "$UPDATE_ERRORS" >>"$RESULTS"
    printf '{"backend":"%s","target":"summary_b2b_users_10000","last_page_vs_first_page_rps":%s,"last_page_vs_first_page_p99":%s,"first_page_vs_hello":%s,"first_page_rps":%s,"last_page_rps":%s,"first_page_p99_ms":%s,"last_page_p99_ms":%s,"errors":%s}\n' \
        "$BACKEND" "$(ratio "$LAST_PAGE_RPS" "$FIRST_PAGE_RPS")" "$(ratio "$LAST_PAGE_P99" "$FIRST_PAGE_P99")" \
        "$(ratio "$FIRST_PAGE_RPS" "$HELLO_RPS")" "$FIRST_PAGE_RPS" "$LAST_PAGE_RPS" "$FIRST_PAGE_P99" "$LAST_PAGE_P99" \
        "$([ "$FIRST_PAGE_ERRORS" = null ] && echo null || echo $((FIRST_PAGE_ERRORS + LAST_PAGE_ERRORS)))" >>"$RESULTS"
    printf '{"backend":"%s","target":"summary_token","token_profile_read_vs_pk_floor":%s,"floor_pk_rps_before":%s,"floor_pk_rps_after":%s,"token_profile_read_vs_hello":%s,"token_profile_read_rps":%s,"token_profile_read_errors":%s,"logins_vs_raw_argon2_verify":%s,"login_rounds":[%s],"raw_verifies_around_rounds":[%s],"token_read_p99_storm_vs_idle":%s}\n' \
        "$BACKEND" "$TOKEN_VS_PK" "$PK_RPS" "$PK_AFTER_RPS" "$TOKEN_VS_HELLO" "$TOKEN_RPS" "$TOKEN_ERRORS" "$LOGINS_VS_VERIFY" \
        "$(json_list $LOGIN_RATIOS)" "$(json_list $RAW_VERIFIES)" "$STORM_P99_RATIO" >>"$RESULTS"
    printf '{"backend":"%s","target":"summary","profile_read_vs_pk_floor":%s,"profile_read_vs_hello":%s,"signups_vs_raw_argon2":%s,"profile_read_vs_raw_argon2_verify":%s,"peak_rss_mib":%s,"floor_peak_rss_mib":%s,"profile_read_rps":%s,"signups_per_sec":%s,"floor_pk_rps":%s,"floor_hello_rps":%s,"raw_argon2_hashes_per_sec":%s,"raw_argon2_verifies_per_sec":%s,"profile_read_errors":%s,"signup_errors":%s,"product_measured":%s,"commit":"%s","cores":%s,"loadavg_before":"%s"}\n' \
        "$BACKEND" "$PROFILE_VS_PK" "$PROFILE_VS_HELLO" "$SIGNUPS_VS_ARGON2" "$PROFILE_VS_VERIFY" "$PEAK_RSS_MIB" "$FLOOR_RSS_MIB" \
        "$PROFILE_RPS" "$SIGNUP_RPS" "$PK_RPS" "$HELLO_RPS" "${HASHES:-null}" "${VERIFIES:-null}" \
        "$PROFILE_ERRORS" "$SIGNUP_ERRORS" "$([ "$BENCH_FLOOR_ONLY" = 1 ] && echo false || echo true)" \
        "$COMMIT" "$(nproc)" "$LOADAVG" >>"$RESULTS"

    echo
    echo "== $BACKEND: wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores (wrk shares them), load before: $LOADAVG =="
    cat "$TABLE"
    printf '%-9s %-34s %10s hashes/s, %s verifies/s (%s threads)\n' \
        "$BACKEND" raw_argon2id "${HASHES:-?}" "${VERIFIES:-?}" "$(nproc)"
    if [ "$BENCH_FLOOR_ONLY" = 1 ]; then
        echo "product: skipped (BENCH_FLOOR_ONLY=1)"
    else
        printf '%-62s %s\n' \
            "profile read (token) / floor pk read (target >= 0.8):" "$TOKEN_VS_PK (pk runs before/after: $PK_RPS / $PK_AFTER_RPS)" \
            "profile read (token) / floor hello:" "$TOKEN_VS_HELLO" \
            "logins/s / raw argon2id verifies/s (target >= 0.9):" "$LOGINS_VS_VERIFY, the median of rounds$LOGIN_RATIOS (raw verifies/s:$RAW_VERIFIES)" \
            "token read p99 during login storm / idle p99 (target < 2):" "$STORM_P99_RATIO" \
            "list my 10 addresses (Emporix) / floor hello:" "$LIST_VS_HELLO" \
            "update one address (Emporix PATCH) / floor hello:" "$UPDATE_VS_HELLO" \
            "profile read (Basic auth) / floor pk read:" "$PROFILE_VS_PK" \
            "profile read / floor hello:" "$PROFILE_VS_HELLO" \
            "profile read / raw argon2id verifies/s (its real ceiling):" "$PROFILE_VS_VERIFY" \
            "sign-ups/s ($SIGNUP_RPS) / raw argon2id hashes/s:" "$SIGNUPS_VS_ARGON2" \
            "product peak RSS (VmHWM), MiB:" "$PEAK_RSS_MIB (floor: $FLOOR_RSS_MIB)"
        echo "errors: profile read $PROFILE_ERRORS, token profile read $TOKEN_ERRORS, sign-up $SIGNUP_ERRORS, address list $LIST_ERRORS, address update $UPDATE_ERRORS"
        if [ "$TOKEN_ERRORS" != 0 ]; then
            log "FAIL $BACKEND: the product answered $TOKEN_ERRORS token profile reads with an error"
            FAILED=1
        fi
        if [ "$LIST_ERRORS" != 0 ] || [ "$UPDATE_ERRORS" != 0 ]; then
            log "FAIL $BACKEND: address list/update answered $LIST_ERRORS/$UPDATE_ERRORS errors"
            FAILED=1
        fi
        if [ "$PROFILE_ERRORS" != 0 ]; then
            log "FAIL $BACKEND: the product answered $PROFILE_ERRORS profile reads with an error (see $RESULTS_DIR/$BACKEND-product_profile_read_basic_auth.wrk.txt)"
            FAILED=1
        fi
    fi
    echo "results: $RESULTS"
done

exit "$FAILED"
