#!/usr/bin/env bash
# PostgreSQL logins/s against raw argon2id verifies/s measured right before each round,
# several rounds against one server: for A/B runs of a change to the login path.
#
#   scripts/ab-logins.sh NAME [URL_SUFFIX] [ROUNDS]   (after `cargo build --release -p clientele -p clientele-bench`)
#
# URL_SUFFIX is appended to the database URL (database ab_NAME on 127.0.0.1:5432), e.g.
# '?options=-c%20synchronous_commit%3Doff'. Environment: EXTRA_ENV (more CLIENTELE__
# variables), SIGNUPS=1 (10 s of sign-ups first), LOGF (server log file).
set -euo pipefail
NAME=$1; SUFFIX=${2:-}; ROUNDS=${3:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); T=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$T/release/clientele; FLOOR=$T/release/clientele-floor
DB=ab_$NAME
psql -X -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
PORT=$((20000 + RANDOM % 20000)); W=$(mktemp -d)
env CLIENTELE_CONFIG_DIR=$W CLIENTELE__SERVER__HOST=127.0.0.1 CLIENTELE__SERVER__PORT=$PORT \
  CLIENTELE__DATABASE__URL="postgres://postgres@127.0.0.1:5432/$DB$SUFFIX" CLIENTELE__LOG__LEVEL=warn \
  CLIENTELE__MAIL__DIR=$W/mail CLIENTELE__SECURITY__AUTH_ATTEMPTS_PER_MINUTE=100000000 ${EXTRA_ENV:-} \
  $BIN serve > ${LOGF:-$W/log} 2>&1 &
PID=$!; trap "kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf $W; psql -X -q -h 127.0.0.1 -U postgres -d test -c \"DROP DATABASE IF EXISTS $DB WITH (FORCE)\" >/dev/null 2>&1" EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:$PORT/health/ready >/dev/null && break; sleep 0.2; done
curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' --data '{"type":"PrivateCustomer","customerNo":"bench-1","firstName":"Bench","lastName":"Mark","email":"bench@example.com","credentials":{"login":"bench@example.com","password":"correct horse battery staple"}}' http://127.0.0.1:$PORT/INTERSHOP/rest/WFS/demo/-/privatecustomers >/dev/null
if [ -n "${SIGNUPS:-}" ]; then ANON=$(curl -s "http://127.0.0.1:$PORT/customerlogin/auth/anonymous/login?tenant=demo&client_id=bench" | sed -n "s/.*\"access_token\":\"\([^\"]*\)\".*/\1/p"); wrk -t2 -c32 -d10s -H "Authorization: Bearer $ANON" -s $ROOT/benches/wrk/signup.lua http://127.0.0.1:$PORT -- demo x$RANDOM | grep -E "Requests/sec|Non-201"; fi
for r in $(seq $ROUNDS); do
  V=$($FLOOR argon2 --seconds 4 --threads 2 | sed -n 's/.*"verifies_per_sec":\([0-9.]*\).*/\1/p')
  L=$(wrk -t2 -c32 -d10s -s $ROOT/benches/wrk/login.lua http://127.0.0.1:$PORT/INTERSHOP/rest/WFS/demo/-/token | awk '/^Requests\/sec/ {print $2}')
  echo "$NAME round $r: logins $L verifies $V ratio $(echo "scale=3; $L/$V" | bc)"
done
