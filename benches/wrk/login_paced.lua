-- wrk script: ICM password-grant logins like login.lua, each connection pausing PAUSE_MS
-- (environment) between its requests: a login load of a chosen size (scripts/ab-storm.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=bench%40example.com&password=correct+horse+battery+staple"
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
function delay() return pause end
