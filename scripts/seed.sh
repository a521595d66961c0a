#!/usr/bin/env bash
# Seeds N private customers (each with one user and one address) into a tenant, for
# measuring back-office search at scale: `just seed 1000000 [DATABASE_URL] [TENANT]`.
#
# DATABASE_URL defaults to CLIENTELE__DATABASE__URL, then to the configured
# sqlite://data/clientele.db; TENANT to demo. The schema must exist (run the service or
# `clientele migrate` once). Customers are numbered SEED00000001…; names, e-mails and
# creation times vary so filters and sorts have work to do. Seeding again adds nothing:
# rows whose number exists are skipped. Uses psql or sqlite3.
set -euo pipefail

N=${1:?usage: seed.sh N [DATABASE_URL] [TENANT]}
URL=${2:-${CLIENTELE__DATABASE__URL:-sqlite://data/clientele.db}}
TENANT=${3:-demo}
case "$N" in '' | *[!0-9]*) echo "seed: N must be a number" >&2; exit 2 ;; esac
case "$TENANT" in '' | *[!a-zA-Z0-9_-]*) echo "seed: bad tenant name" >&2; exit 2 ;; esac

# Names repeat with different periods, so combinations are varied but reproducible.
FIRST="(ARRAY['Anna','Ben','Clara','David','Emma','Felix','Greta','Hugo','Ida','Jonas','Karla','Leon','Mia','Noah','Olga','Paul','Rosa','Sven','Tina','Umar','Vera','Willi','Xenia','Yusuf','Zoe'])"
LAST="(ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker','Schulz','Hoffmann','Koch','Richter','Klein','Wolf','Schröder','Neumann','Schwarz','Braun','Zimmermann','Krüger','Hofmann','Hartmann','Lange','Schmitt','Werner','Krause','Meier','Lehmann','Huber','Kaiser','Fuchs','Peters','Lang','Scholz','Möller','Weiß','Jung','Hahn','Vogel','Friedrich','Keller','Günther','Frank','Berger','Winkler','Roth','Beck','Lorenz','Baumann','Franke'])"

seed_postgres() {
    local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$URL")
    "${psql[@]}" <<SQL
BEGIN;
CREATE TEMP TABLE seed AS
SELECT g, 'SEED' || lpad(g::text, 8, '0') AS number,
       ${FIRST}[1 + g % 25] AS first_name,
       ${LAST}[1 + (g / 25) % 50] || CASE WHEN g % 7 = 0 THEN '-' || ${LAST}[1 + g % 50] ELSE '' END AS last_name,
       timestamp '2020-01-01' + (g * interval '97 seconds') AS created
FROM generate_series(1, $N) g;
INSERT INTO customers (public_id, tenant_id, number, kind, status, custom, created_at, updated_at)
SELECT 'seedc' || s.g, t.id, s.number, 'private', 'active', '{}', s.created, s.created
FROM seed s CROSS JOIN (SELECT id FROM tenants WHERE name = '$TENANT') t
ON CONFLICT DO NOTHING;
INSERT INTO users (public_id, tenant_id, customer_id, login, login_key, email, first_name, last_name,
                   roles, active, created_at, updated_at)
SELECT 'seedu' || s.g, c.tenant_id, c.id, 'seed' || s.g || '@example.com', 'seed' || s.g || '@example.com',
       lower(s.first_name) || '.' || s.g || '@example.com', s.first_name, s.last_name, '[]', true, s.created, s.created
FROM seed s JOIN customers c ON c.number = s.number
  AND c.tenant_id = (SELECT id FROM tenants WHERE name = '$TENANT')
ON CONFLICT DO NOTHING;
INSERT INTO addresses (public_id, tenant_id, customer_id, first_name, last_name, street1, postal_code, city, country,
                       usage_invoice, usage_shipping, preferred_invoice, preferred_shipping, tags, labels, custom,
                       created_at, updated_at)
SELECT 'seeda' || s.g, c.tenant_id, c.id, s.first_name, s.last_name, 'Hauptstr. ' || (s.g % 200 + 1),
       lpad((10000 + s.g % 89999)::text, 5, '0'), 'Berlin', 'DE', true, true, true, true, '[]', '[]', '{}',
       s.created, s.created
FROM seed s JOIN customers c ON c.number = s.number
  AND c.tenant_id = (SELECT id FROM tenants WHERE name = '$TENANT')
ON CONFLICT DO NOTHING;
COMMIT;
VACUUM (ANALYZE) customers;
VACUUM (ANALYZE) users;
VACUUM (ANALYZE) addresses;
SQL
}

seed_sqlite() {
    local file=${URL#sqlite://}
    [ -f "$file" ] || { echo "seed: $file does not exist; start the service or run 'clientele migrate' first" >&2; exit 1; }
    local first=${FIRST#(ARRAY[} last=${LAST#(ARRAY[}
    first=$(printf '%s' "${first%])}" | tr "'" '"') last=$(printf '%s' "${last%])}" | tr "'" '"')
    sqlite3 -bail "$file" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN IMMEDIATE;
CREATE TEMP TABLE first_names (i INTEGER PRIMARY KEY, name TEXT);
CREATE TEMP TABLE last_names (i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO first_names (name) SELECT value FROM json_each('[$first]');
INSERT INTO last_names (name) SELECT value FROM json_each('[$last]');
CREATE TEMP TABLE seed AS
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $N)
SELECT n AS g, 'SEED' || substr('00000000' || n, -8) AS number,
       (SELECT name FROM first_names WHERE i = 1 + n % 25) AS first_name,
       (SELECT name FROM last_names WHERE i = 1 + (n / 25) % 50)
         || CASE WHEN n % 7 = 0 THEN '-' || (SELECT name FROM last_names WHERE i = 1 + n % 50) ELSE '' END AS last_name,
       datetime('2020-01-01', '+' || (n * 97) || ' seconds') AS created
FROM g;
INSERT OR IGNORE INTO customers (public_id, tenant_id, number, kind, status, custom, created_at, updated_at, version)
SELECT 'seedc' || s.g, t.id, s.number, 'private', 'active', '{}', s.created, s.created, 1
FROM seed s, (SELECT id FROM tenants WHERE name = '$TENANT') t;
INSERT OR IGNORE INTO users (public_id, tenant_id, customer_id, login, login_key, email, first_name, last_name,
                             roles, active, created_at, updated_at)
SELECT 'seedu' || s.g, c.tenant_id, c.id, 'seed' || s.g || '@example.com', 'seed' || s.g || '@example.com',
       lower(s.first_name) || '.' || s.g || '@example.com', s.first_name, s.last_name, '[]', 1, s.created, s.created
FROM seed s JOIN customers c ON c.number = s.number
  AND c.tenant_id = (SELECT id FROM tenants WHERE name = '$TENANT');
INSERT OR IGNORE INTO addresses (public_id, tenant_id, customer_id, first_name, last_name, street1, postal_code, city,
                                 country, usage_invoice, usage_shipping, preferred_invoice, preferred_shipping, tags,
                                 labels, custom, created_at, updated_at)
SELECT 'seeda' || s.g, c.tenant_id, c.id, s.first_name, s.last_name, 'Hauptstr. ' || (s.g % 200 + 1),
       substr('00000' || (10000 + s.g % 89999), -5), 'Berlin', 'DE', 1, 1, 1, 1, '[]', '[]', '{}', s.created, s.created
FROM seed s JOIN customers c ON c.number = s.number
  AND c.tenant_id = (SELECT id FROM tenants WHERE name = '$TENANT');
COMMIT;
ANALYZE;
SQL
}

case "$URL" in
    postgres://* | postgresql://*) seed_postgres ;;
    sqlite://*) seed_sqlite ;;
    *) echo "seed: unsupported database URL $URL" >&2; exit 2 ;;
esac
echo "seeded up to $N customers into tenant $TENANT ($URL)"
