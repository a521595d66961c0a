#!/usr/bin/env bash
# Token-read p99 alone and during a login storm, several rounds against one server: for
# A/B runs of a change to hashing or scheduling (bench.sh measures it once per run).
#
#   scripts/ab-storm.sh NAME [ROUNDS]      (after `cargo build --release -p clientele`)
#
# Environment: BACKEND=pg|sqlite (pg: database abs_NAME on 127.0.0.1:5432), LC=32 login
# connections, PAUSE_MS=0 pause of each login connection between requests, EXTRA_ENV
# (e.g. CLIENTELE__SECURITY__HASH_THREADS_UNDER_LOAD=2), HASH_CHRT / OTHER_CHRT (chrt
# options applied to the hashing threads / all other threads, e.g. -i for SCHED_IDLE).
# Prints one line per round: idle p99, storm p99 (ms), read and login rates, their ratio,
# and the CPU the hashing threads used from the storm's first second to its end.
set -euo pipefail
NAME=$1; ROUNDS=${2:-3}; LC=${LC:-32}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/clientele
PORT=$((20000 + RANDOM % 20000)); W=$(mktemp -d)
if [ "${BACKEND:-pg}" = pg ]; then DB=abs_$NAME
psql -X -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null 2>&1
URL="postgres://postgres@127.0.0.1:5432/$DB"; else URL="sqlite://$W/c.db"; fi
env CLIENTELE_CONFIG_DIR=$W CLIENTELE__SERVER__HOST=127.0.0.1 CLIENTELE__SERVER__PORT=$PORT \
  CLIENTELE__DATABASE__URL="$URL" CLIENTELE__LOG__LEVEL=warn \
  CLIENTELE__MAIL__DIR=$W/mail CLIENTELE__SECURITY__AUTH_ATTEMPTS_PER_MINUTE=100000000 ${EXTRA_ENV:-} \
  $BIN serve > $W/log 2>&1 &
PID=$!; trap "kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf $W; [ -z \"${DB:-}\" ] || psql -X -q -h 127.0.0.1 -U postgres -d test -c \"DROP DATABASE IF EXISTS ${DB:-} WITH (FORCE)\" >/dev/null 2>&1" EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:$PORT/health/ready >/dev/null && break; sleep 0.2; done
if [ -n "${HASH_CHRT:-}" ]; then for t in /proc/$PID/task/*; do if grep -q '^argon2' $t/comm; then chrt $HASH_CHRT -p 0 $(basename $t); fi; done; fi
if [ -n "${OTHER_CHRT:-}" ]; then for t in /proc/$PID/task/*; do if ! grep -q '^argon2' $t/comm; then chrt $OTHER_CHRT -p 1 $(basename $t); fi; done; fi
B=http://127.0.0.1:$PORT/INTERSHOP/rest/WFS/demo/-
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data '{"type":"PrivateCustomer","customerNo":"bench-1","firstName":"Bench","lastName":"Mark","email":"bench@example.com","credentials":{"login":"bench@example.com","password":"correct horse battery staple"}}' $B/privatecustomers
TOKEN=$(curl -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=password&username=bench%40example.com&password=correct+horse+battery+staple' $B/token | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
p99() { awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v/=1000} else if (v ~ /ms$/) sub("ms","",v); else if (v ~ /s$/) {sub("s","",v); v*=1000}; print v}'; }
rps() { awk '/^Requests\/sec/ {print $2}'; }
# CPU time (clock ticks) the hashing threads have used so far.
argon2_ticks() { cat /proc/$PID/task/*/stat | awk '$2 ~ /argon2/ {s += $14 + $15} END {print s + 0}'; }
for r in $(seq $ROUNDS); do
  O=$(wrk --latency -t2 -c32 -d8s -H "authentication-token: $TOKEN" $B/customers/-)
  I99=$(echo "$O" | p99); IR=$(echo "$O" | rps)
  PAUSE_MS=${PAUSE_MS:-0} wrk -t1 -c$LC -d10s -s $ROOT/benches/wrk/login_paced.lua $B/token > $W/storm 2>&1 &
  SP=$!; sleep 1
  A0=$(argon2_ticks)
  O=$(wrk --latency -t2 -c32 -d8s -H "authentication-token: $TOKEN" $B/customers/-)
  S99=$(echo "$O" | p99); SR=$(echo "$O" | rps); wait $SP
  LR=$(rps < $W/storm)
  A1=$(argon2_ticks)
  echo "$NAME r$r: idle p99 $I99 ($IR/s) storm p99 $S99 ($SR/s) logins $LR/s ratio $(echo "scale=2; $S99/$I99" | bc) argon2 CPU $(( (A1 - A0) * 1000 / $(getconf CLK_TCK) )) ms"
done
