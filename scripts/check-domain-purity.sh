#!/usr/bin/env bash
# The domain crate must stay reusable on its own: no database, web, crypto or runtime
# adapter may appear anywhere in its normal dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(diesel|diesel_migrations|r2d2|libsqlite3-sys|pq-sys|actix|actix-web|actix-http|awc|hyper|reqwest|argon2|password-hash|rand|getrandom|sha2|aes-gcm|ring|openssl|lettre|tokio|clientele-store|clientele-http|clientele-crypto|clientele-blocking)$'
deps=$(cargo tree -p clientele-domain -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
bad=$(echo "$deps" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "clientele-domain must not depend on: $(echo $bad)" >&2
  exit 1
fi
echo "ok: clientele-domain depends only on: $(echo "$deps" | grep -v '^clientele-domain$' | tr '\n' ' ')"
