-- wrk script: the OpenID Connect pair (run.sh --oidc) "authorization request with an open
-- session (-> code), then token request (code -> tokens)".
--   wrk -t T -c C -d D -s oidc.lua URL -- <cookie> <client_id> <encoded redirect_uri>
--       <encoded scope> <Authorization header value (Basic ...)>
-- As pair.lua: wrk calls request()/response() per thread, not per connection, so each thread
-- keeps a queue of the codes it was given. request() redeems the oldest one if there is one
-- (POST /oidc/token, client_secret_basic, grant_type=authorization_code, the same redirect_uri),
-- else sends GET /oidc/authorize?response_type=code&client_id=...&redirect_uri=...&scope=...
-- &state=...&nonce=... with the session cookie (a fresh state and nonce each time). response()
-- tells the two apart by what came back: a 303 whose Location is the redirect_uri with a code
-- queues the code; a 200 whose JSON has an id_token completes one pair; anything else (a login
-- page, an OAuth error, an error redirect) is an error. Every code issued is redeemed once.
-- done() prints "BENCH_RESULT ..." like validate.lua; ok counts completed pairs.
local threads = {}
local nextId = 0

function setup(thread)
    thread:set("id", nextId)
    nextId = nextId + 1
    table.insert(threads, thread)
end

function init(args)
    cookie, clientId, redirectEncoded, scopeEncoded = args[1], args[2], args[3], args[4]
    authorizePrefix = "/oidc/authorize?response_type=code&client_id=" .. clientId ..
        "&redirect_uri=" .. redirectEncoded .. "&scope=" .. scopeEncoded
    authorizeHeaders = { Cookie = cookie }
    tokenHeaders = { Authorization = args[5],
                     ["Content-Type"] = "application/x-www-form-urlencoded" }
    tokenPrefix = "grant_type=authorization_code&redirect_uri=" .. redirectEncoded .. "&code="
    queue, head, tail = {}, 1, 0
    sent = 0
    ok = 0
    errors = 0
end

function request()
    if head <= tail then
        local code = queue[head]
        queue[head] = nil
        head = head + 1
        return wrk.format("POST", "/oidc/token", tokenHeaders, tokenPrefix .. code)
    end
    sent = sent + 1
    local n = id .. "-" .. sent
    return wrk.format("GET", authorizePrefix .. "&state=s" .. n .. "&nonce=n" .. n, authorizeHeaders)
end

function response(status, headers, body)
    if status == 303 then
        local location = headers["Location"] or headers["location"]
        -- A code is base64url (core::randomToken); an error redirect has no code= parameter.
        local code = location and string.match(location, "[?&]code=([%w%-_]+)")
        if code then
            tail = tail + 1
            queue[tail] = code
            return
        end
    elseif status == 200 and body and string.find(body, '"id_token":"', 1, true) then
        ok = ok + 1
        return
    end
    errors = errors + 1
end

function done(summary, latency, requests)
    local ok, errors = 0, 0
    for _, thread in ipairs(threads) do
        ok = ok + thread:get("ok")
        errors = errors + thread:get("errors")
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH_RESULT requests=%d duration_us=%d ok=%d errors=%d exhausted=0 socket_errors=%d " ..
        "status_errors=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, ok, errors,
        e.connect + e.read + e.write + e.timeout, e.status,
        latency:percentile(50), latency:percentile(99)))
end
