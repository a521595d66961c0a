-- wrk script: ICM password-grant logins of the bench customer (each one an argon2id
-- verification and a new session).
--
--   wrk -s benches/wrk/login.lua http://127.0.0.1:PORT/INTERSHOP/rest/WFS/demo/-/token

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=bench%40example.com&password=correct+horse+battery+staple"
