#!/usr/bin/env python3
"""Measures WEBSALE account lists, Emporix searches, bulk writes and imports against a running clientele
(called by scripts/bench-accounts.sh; arguments: BASE_URL CLIENT_JSON DATABASE_URL)."""
import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

base, client, db_url = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
auth = "Basic " + base64.b64encode(f"{client['clientId']}:{client['secret']}".encode()).decode()
LIST = "/admin/api/v1/customerAccounts?size=100&sort=createdAt:desc&filter=loginBlocked:eq:false"


def request(method, path, body=None, ok=(200,)):
    headers = {"Authorization": auth}
    if body is not None:
        body = body if isinstance(body, str) else json.dumps(body)
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read()
    took = (time.perf_counter() - start) * 1000
    if res.status not in ok:
        sys.exit(f"{method} {path}: {res.status} {data[:300]!r}")
    return json.loads(data), took


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


# Warm up, then the first page repeated.
for _ in range(20):
    request("GET", LIST)
first = [request("GET", LIST)[1] for _ in range(200)]
page, _ = request("GET", LIST)
total = page["totalCount"]

# Pages 1 … 1000 through the tokens.
pages = []
token = page["nextPageToken"]
for _ in range(999):
    if not token:
        break
    page, took = request("GET", LIST + "&pageToken=" + urllib.parse.quote(token))
    pages.append(took)
    token = page["nextPageToken"]
deep = pages[-50:]

# Emporix back-office search (issue 7), pages of 60 (the default): by exact e-mail (a
# different seeded customer each time), by last-name substring, sorted by last name at
# page 1 and page 10 000 (rows 599 941-600 000), and in creation order at page 10 000.
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karla", "Leon", "Mia",
         "Noah", "Olga", "Paul", "Rosa", "Sven", "Tina", "Umar", "Vera", "Willi", "Xenia", "Yusuf", "Zoe"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
        "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger",
        "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Huber", "Kaiser",
        "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel", "Friedrich", "Keller",
        "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke"]
# Every four-letter piece of the seeded last names once: each search's count is new
# (the store remembers a filtered search's total until the tenant's customers change).
PIECES = iter(sorted({n.lower()[k:k + 4] for n in LAST for k in range(len(n) - 3)}))
# Paging on from page 10 000 (each request the next page, as a back office clicks on).
PAGES = iter(range(10000, 20000))
SEARCHES = {
    "exact_email": lambda i: "q=" + urllib.parse.quote(
        f"contactEmail:{FIRST[(1000 + 7919 * i) % 25].lower()}.{1000 + 7919 * i}@example.com"),
    "name_substring": lambda i: "q=" + urllib.parse.quote("lastName:~hmid"),
    "name_substring_each_new": lambda i: "q=" + urllib.parse.quote("lastName:~" + next(PIECES)),
    "sorted_page_1": lambda i: "sort=lastName",
    "sorted_page_10000": lambda i: "sort=lastName&pageNumber=10000",
    "sorted_desc_page_10000": lambda i: "sort=lastName:desc&pageNumber=10000",
    "sorted_pages_from_10000": lambda i: f"sort=lastName&pageNumber={next(PAGES)}",
    "creation_page_10000": lambda i: "pageNumber=10000",
}
search = {}
for name, query in SEARCHES.items():
    # The first request of each search also counts and walks what the store then
    # remembers until the tenant's customers change: reported apart as "cold".
    cold = [request("GET", "/customer/demo/customers?" + query(i))[1] for i in range(5)]
    times = []
    for i in range(100):
        out, took = request("GET", "/customer/demo/customers?" + query(i))
        if name == "exact_email" and len(out) != 1:
            sys.exit(f"{query(i)}: {len(out)} customers")
        times.append(took)
    search[name] = {"p50": round(pct(times, 50), 2), "p99": round(pct(times, 99), 2), "cold": round(cold[0], 2)}
search["deep_to_first_p99"] = round(search["sorted_page_10000"]["p99"] / search["sorted_page_1"]["p99"], 2)

# What the page's total costs: counting the rows (what the counters replace) and
# summing the tenant's counters (what a page does).
def execution_ms(query):
    out = subprocess.run(["psql", "-X", "-tA", db_url, "-c", "EXPLAIN (ANALYZE, FORMAT JSON) " + query],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["Execution Time"]

TENANT = "(SELECT id FROM tenants WHERE name = 'demo')"
count_ms = execution_ms(f"SELECT count(*) FROM customers WHERE tenant_id = {TENANT} "
                        "AND status <> 'login_blocked' AND status <> 'deleted'")
counter_ms = execution_ms(f"SELECT SUM(n) FROM customer_counts WHERE tenant_id = {TENANT} AND status = 'active'")

# Bulk creates: 20 batches of 300 lines.
stamp = int(time.time())
# Requests are built before the clock starts: only the product's work is timed.
batches, created = 20, 0
bodies = [json.dumps([{"type": "create", "data": {"email": f"bulk{stamp}-{b}-{i}@example.com", "firstName": "Max",
                                                   "lastName": "Mustermann"}} for i in range(300)])
          for b in range(batches)]
start = time.perf_counter()
for lines in bodies:
    out, _ = request("POST", "/admin/api/v1/bulk/customerAccounts", lines)
    created += len(out["items"])
bulk_secs = time.perf_counter() - start

# Emporix imports: 20 calls of 200 new customers with an argon2id passwordHash (no
# rehash) and an address each.
def phc():
    b64 = lambda n: base64.b64encode(os.urandom(n)).decode().rstrip("=")
    return f"$argon2id$v=19$m=19456,t=2,p=1${b64(16)}${b64(32)}"

def import_bodies(tag, calls, names):
    """`calls` import bodies of 200 new customers; `names(b, i)` gives first and last name."""
    bodies = []
    for b in range(calls):
        items = []
        for i in range(200):
            first, last = names(b, i)
            items.append({"id": f"{tag}{stamp}-{b}-{i}", "contactEmail": f"{tag.lower()}{stamp}-{b}-{i}@example.com",
                          "account": {"email": f"{tag.lower()}{stamp}-{b}-{i}@example.com", "passwordHash": phc()},
                          "firstName": first, "lastName": last,
                          "addresses": [{"contactName": f"{first} {last}", "street": "Main St", "streetNumber": "1",
                                         "zipCode": "10115", "city": "Berlin", "country": "DE",
                                         "tags": ["BILLING"]}]})
        bodies.append(json.dumps(items))
    return bodies

def import_rate(bodies):
    done, start = 0, time.perf_counter()
    for items in bodies:
        out, _ = request("POST", "/customer/demo/customers/import", items, ok=(207,))
        done += sum(1 for item in out if item.get("code") == 201)
    return done, time.perf_counter() - start

imported, import_secs = import_rate(import_bodies("IMP", 20, lambda b, i: ("Erika", "Import")))
# The same with a different first and last name for every customer (each name adds a
# change row to the name tallies, migration 000026).
distinct, distinct_secs = import_rate(import_bodies("IMD", 10, lambda b, i: (f"Vn{stamp}x{b}x{i}", f"Nn{stamp}y{b}y{i}")))

# Floors: the same rows written by multi-row INSERTs in one transaction on the same
# database, as the store writes them: the users' ids drawn first, so each customer row
# carries its user's search fields from the start (migration 000025). For bulk creates
# customers and users; for imports an address each as well.
n = batches * 300
def floor_secs_for(tag, first, last, with_addresses):
    addresses = f"""
, a AS (INSERT INTO addresses (public_id, tenant_id, customer_id, street1, city, country, usage_invoice,
                               usage_shipping, preferred_invoice, preferred_shipping, created_at, updated_at)
        SELECT 'floora' || c.number, c.tenant_id, c.id, 'Main St 1', 'Berlin', 'DE', true, true, true, true,
               now(), now() FROM c)""" if with_addresses else ""
    sql = f"""
BEGIN;
WITH t AS (SELECT id FROM tenants WHERE name = 'demo'),
g AS (SELECT 'FLOOR{tag}{stamp}-' || i AS number, nextval(pg_get_serial_sequence('users', 'id')) AS uid
      FROM generate_series(1, {n}) i),
c AS (INSERT INTO customers (public_id, tenant_id, number, kind, status, custom, created_at, updated_at,
                             primary_user_id, search_login, search_email, search_first_name, search_last_name,
                             user_active)
      SELECT 'floorc' || g.number, t.id, g.number, 'private', 'active', '{{}}', now(), now(), g.uid,
             lower(g.number) || '@example.com', lower(g.number) || '@example.com', lower('{first}'),
             lower('{last}'), true
      FROM g, t RETURNING id, tenant_id, number, primary_user_id){addresses}
INSERT INTO users (id, public_id, tenant_id, customer_id, login, login_key, email, first_name, last_name, roles,
                   active, created_at, updated_at)
SELECT c.primary_user_id, 'flooru' || c.number, c.tenant_id, c.id, lower(c.number) || '@example.com',
       lower(c.number) || '@example.com', lower(c.number) || '@example.com', '{first}', '{last}', '[]', true,
       now(), now() FROM c;
COMMIT;
"""
    start = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db_url, "-c", sql], check=True, capture_output=True)
    return time.perf_counter() - start

floor_secs = floor_secs_for("", "Max", "Mustermann", False)
floor_addresses_secs = floor_secs_for("A", "Erika", "Import", True)

result = {
    "accounts": total,
    "first_page_ms": {"p50": round(pct(first, 50), 2), "p99": round(pct(first, 99), 2)},
    "pages_followed": len(pages) + 1,
    "page_ms": {"p50": round(pct(pages, 50), 2), "p99": round(pct(pages, 99), 2)},
    "deep_pages_ms": {"p50": round(pct(deep, 50), 2), "p99": round(pct(deep, 99), 2)},
    "deep_to_first_p99": round(pct(deep, 99) / pct(first, 99), 2),
    "counting_rows_ms": round(count_ms, 2),
    "summing_counters_ms": round(counter_ms, 3),
    "bulk_accounts_per_s": round(created / bulk_secs),
    "floor_multirow_insert_per_s": round(n / floor_secs),
    "bulk_to_floor": round((created / bulk_secs) / (n / floor_secs), 3),
    "import_customers_per_s": round(imported / import_secs),
    "import_to_floor": round((imported / import_secs) / (n / floor_secs), 3),
    "floor_with_addresses_per_s": round(n / floor_addresses_secs),
    "import_to_floor_with_addresses": round((imported / import_secs) / (n / floor_addresses_secs), 3),
    "import_distinct_names_per_s": round(distinct / distinct_secs),
    "import_distinct_names_to_floor_with_addresses": round((distinct / distinct_secs) / (n / floor_addresses_secs), 3),
    "emporix_search_ms": search,
}
print(json.dumps(result, indent=2))
