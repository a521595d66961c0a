#!/usr/bin/env bash
# Sends generated requests (valid and invalid) to every operation of every OpenAPI
# document the service serves, with schemathesis, and fails on any 5xx answer: every
# input that can be wrong must get an error in its dialect's format, never a crash.
#
#   bash scripts/fuzz-api.sh [EXAMPLES] [DATABASE_URL]   (`just fuzz-api`)
#
# EXAMPLES per operation, default 20. DATABASE_URL: an empty database to run against
# (e.g. a new PostgreSQL database); default a fresh SQLite file.
#
# Installs schemathesis (pinned) into target/fuzz-venv on first use. Starts the release
# build on a free port of 127.0.0.1 over that database, with an API client holding
# every scope (admin dialects, HTTP Basic) and a logged-in customer (ICM storefront,
# `authentication-token`). The server's log is kept in target/fuzz-api-server.log. Not
# part of `cargo test` or CI: a run takes one to five minutes.
set -euo pipefail
EXAMPLES=${1:-20}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET_DIR/fuzz-venv
log() { printf 'fuzz-api: %s\n' "$*"; }

if [ ! -x "$VENV/bin/st" ]; then
    log "installing schemathesis into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'schemathesis==4.32.5'
fi
(cd "$ROOT" && cargo build --release -q -p clientele)
BIN=$TARGET_DIR/release/clientele

W=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CLIENTELE_CONFIG_DIR=$W CLIENTELE__DATABASE__URL=${2:-sqlite://$W/fuzz.db} CLIENTELE__SERVER__HOST=127.0.0.1 \
    CLIENTELE__SERVER__PORT=$PORT CLIENTELE__MAIL__DIR=$W/mail CLIENTELE__LOG__LEVEL=warn \
    CLIENTELE__SECURITY__AUTH_ATTEMPTS_PER_MINUTE=100000000
"$BIN" migrate >/dev/null
"$BIN" tenant create demo >/dev/null
CLIENT=$("$BIN" api-client create --tenant demo --name fuzz --json --scopes \
    customer.customer_read,customer.customer_manage,customer.import_read,customer.import_manage,customer.spending_manage,customer.giftcard_read,customer.giftcard_manage,customer.order_manage,gdpr.read,gdpr.delete)
BASIC=$(printf '%s' "$CLIENT" | python3 -c 'import json, sys; c = json.load(sys.stdin); print(c["clientId"] + ":" + c["secret"])' | base64 -w0)
"$BIN" serve >"$W/server.log" 2>&1 &
PID=$!
LOG=$TARGET_DIR/fuzz-api-server.log
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; cp "$W/server.log" "$LOG"; rm -rf "$W"' EXIT
BASE=http://127.0.0.1:$PORT
for _ in $(seq 100); do curl -sf -o /dev/null "$BASE/health/ready" && break; sleep 0.1; done

ICM=$BASE/INTERSHOP/rest/WFS/demo/-
# A company whose administrator's token opens the storefront and B2B routes.
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' "$ICM/customers" --data \
    '{"type":"SMBCustomer","customerNo":"FUZZ","companyName":"Fuzz AG","user":{"firstName":"Fuzz","lastName":"Test","email":"fuzz@example.com"},"credentials":{"login":"fuzz@example.com","password":"correct horse battery staple"}}'
TOKEN=$(curl -sf -X POST -H 'Content-Type: application/x-www-form-urlencoded' "$ICM/token" \
    --data 'grant_type=password&username=fuzz%40example.com&password=correct+horse+battery+staple' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# The tenant, the ICM base and the company are fixed, so requests reach the routes'
# logic instead of stopping at an unknown tenant; everything else is generated.
cat >"$W/schemathesis.toml" <<'TOML'
[parameters]
"path.serverGroup" = "WFS"
"path.site" = "demo"
"path.app" = "-"
"path.tenant" = "demo"
"query.tenant" = "demo"
"path.shopName" = "demo"
"path.CustomerKey" = "FUZZ"
TOML

failed=()
# Each document with the credentials its routes take: the customer's token for the
# storefronts (a token of either storefront dialect opens both), the API client for
# the admin routes (Emporix has both kinds, so it runs twice).
runs=("icm|customer|authentication-token: $TOKEN" "emporix|customer|Authorization: Bearer $TOKEN")
for dialect in icm-admin emporix websale iom service; do runs+=("$dialect|API client|Authorization: Basic $BASIC"); done
for run in "${runs[@]}"; do
    IFS='|' read -r dialect who header <<<"$run"
    log "$dialect as the $who: $EXAMPLES examples per operation"
    # ICM's admin API shares the storefront's paths and is chosen by this media type.
    accept="Accept: application/json"
    [ "$dialect" = icm-admin ] && accept="Accept: application/vnd.intershop.admin.customer.v1+json"
    # From the temporary folder: schemathesis keeps a cache in its working directory.
    # Server errors (ST101) and document errors count; schemathesis' own crashes while
    # generating a case (it calls them errors too) do not.
    if ! (cd "$W" && "$VENV/bin/st" --config-file "$W/schemathesis.toml" run "$BASE/openapi/$dialect.json" --url "$BASE" -H "$header" \
        -H "$accept" -c not_a_server_error -n "$EXAMPLES" --workers 2 >"$W/$dialect.out" 2>&1); then
        if grep -q -e 'Server error' -e 'Schema Error' "$W/$dialect.out"; then
            failed+=("$dialect")
            grep -E -A12 'Server error|Schema Error' "$W/$dialect.out" | head -60
        fi
    fi
    grep -E 'generated' "$W/$dialect.out" | tail -1
done
# The service logs warnings and errors only here; an error line is a failure too,
# except actix's own for requests it could not parse (it answers them 400 itself).
errors=$(grep -e 'panicked' -e ' ERROR ' "$W/server.log" | grep -v 'actix_http::h1::dispatcher: stream error: request parse error' || true)
if [ -n "$errors" ]; then
    printf '%s\n' "$errors" | head -20
    failed+=("server log")
fi
if [ ${#failed[@]} -gt 0 ]; then
    log "FAILED: ${failed[*]}"
    exit 1
fi
log "no server errors, every document valid"
