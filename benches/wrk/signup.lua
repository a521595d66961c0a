-- wrk script: Emporix sign-ups, each with an email (= login) no other request of the
-- run uses, so every request is a real sign-up (argon2id hash + insert), never a 409.
--
--   wrk -s benches/wrk/signup.lua http://127.0.0.1:PORT -- TENANT RUN_ID
--
-- Uniqueness: each wrk thread gets its own id in setup(), and counts its requests;
-- RUN_ID keeps two runs against the same database apart.
-- At the end it prints "Non-201 responses: N" (wrk itself only counts non-2xx).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function init(args)
   local tenant = args[1] or "demo"
   run = args[2] or tostring(os.time())
   path = "/customer/" .. tenant .. "/signup"
   headers = { ["Content-Type"] = "application/json" }
   -- Headers given with -H (the anonymous token) go on every request too.
   for k, v in pairs(wrk.headers) do headers[k] = v end
   sent = 0
   non201 = 0
end

function request()
   sent = sent + 1
   local email = string.format("bench-%s-%d-%d@example.com", run, tid, sent)
   local body = string.format(
      '{"email":"%s","password":"correct horse battery staple","customerDetails":{"firstName":"A","lastName":"B"}}',
      email)
   return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
   if status ~= 201 then
      non201 = non201 + 1
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("non201")
   end
   io.write(string.format("Non-201 responses: %d\n", total))
end
