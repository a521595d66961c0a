-- wrk script: Emporix merge-patch of one address (no If-Match, so every write lands:
-- a read, a version-guarded update and the preference bookkeeping each time).
--
--   wrk -s benches/wrk/patch_address.lua -H "Authorization: Bearer TOKEN" \
--       http://127.0.0.1:PORT/customer/demo/me/addresses/ADDRESS_ID

wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/merge-patch+json"
wrk.body = '{"city":"Potsdam","zipCode":"14482"}'
