#!/usr/bin/env bash
# WEBSALE account lists and bulk writes at scale (`just bench-accounts`):
#
#   scripts/bench-accounts.sh [N] [DATABASE_URL]
#
# N (default 1000000) customers are seeded into tenant demo of DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/clientele_ws_bench, created if missing; PostgreSQL
# only), unless that many are there already; then the
# release binary serves it and scripts/bench_accounts.py measures, in one run:
#   - the first page of a filtered, sorted list, repeated (latency percentiles);
#   - pages 1 … 1000 followed through nextPageToken (latency of each, deep vs first);
#   - Emporix customer searches: exact e-mail, name substring, sorted pages 1 and 10 000;
#   - bulk/customerAccounts in 300-line batches (accounts/s), and Emporix
#     customers/import in 200-item calls with passwordHash and an address (customers/s;
#     once all with one name, once each with its own), against a floor: the same
#     number of customers and users written by plain multi-row INSERTs in one
#     transaction on the same database (for imports a second floor with an address
#     each, the rows they write).
# Results: a table on stdout and target/bench/accounts.json.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
N=${1:-1000000}
URL=${2:-postgres://postgres@127.0.0.1:5432/clientele_ws_bench}
PORT=${PORT:-18090}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/clientele
mkdir -p "$TARGET_DIR/bench"

log() { printf 'bench-accounts: %s\n' "$*" >&2; }

case "$URL" in
    postgres://*/*)
        db=${URL##*/}
        admin=${URL%/*}/postgres
        if ! psql -X -q "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
            psql -X -q "$admin" -c "CREATE DATABASE $db"
        fi
        ;;
esac

[ -x "$BIN" ] || { log "building the release binary"; cargo build --release -p clientele; }
export CLIENTELE__DATABASE__URL=$URL CLIENTELE__SERVER__PORT=$PORT CLIENTELE__LOG__LEVEL=warn
export CLIENTELE__WEBSALE__PAGE_TOKEN_SECRET=bench-secret CLIENTELE__WEBSALE__MAX_BULK_LINES=300
export CLIENTELE__MAIL__DIR=$TARGET_DIR/bench/mail
"$BIN" migrate >/dev/null
"$BIN" tenant create demo >/dev/null 2>&1 || true
have=$(psql -X -tA "$URL" -c "SELECT count(*) FROM customers WHERE number LIKE 'SEED%'" 2>/dev/null || echo 0)
if [ "${have:-0}" -lt "$N" ]; then
    log "seeding $N customers"
    bash scripts/seed.sh "$N" "$URL" demo >/dev/null
fi
CLIENT=$("$BIN" api-client create --tenant demo --name bench \
    --scopes customer.customer_read,customer.customer_manage,customer.import_manage --json)

"$BIN" serve >"$TARGET_DIR/bench/accounts-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
    sleep 0.1
done

python3 scripts/bench_accounts.py "http://127.0.0.1:$PORT" "$CLIENT" "$URL" | tee "$TARGET_DIR/bench/accounts.json"
