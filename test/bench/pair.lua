-- wrk script: the pair "ticket issued by /cas/login with a session cookie, then validated".
--   wrk -t T -c C -d D -s pair.lua URL -- <cookie> <encoded service URL>
-- Each thread keeps a queue of tickets it was given: request() validates the oldest one if
-- there is one, else asks /cas/login?service=... with the session cookie. response() tells the
-- two apart by content: a 302 whose Location carries ?ticket=ST-... queues that ticket; a body
-- with <cas:authenticationSuccess> completes one pair; anything else is an error. (wrk calls
-- request()/response() per thread, not per connection, hence the queue rather than a state per
-- connection: every issued ticket is validated once, by whichever connection is free next.)
-- done() prints "BENCH_RESULT ..." like validate.lua; ok counts completed pairs.
local threads = {}
local nextId = 0

function setup(thread)
    thread:set("id", nextId)
    nextId = nextId + 1
    table.insert(threads, thread)
end

function init(args)
    loginRequest = wrk.format("GET", "/cas/login?service=" .. args[2], { Cookie = args[1] })
    validatePath = "/cas/serviceValidate?service=" .. args[2] .. "&ticket="
    queue, head, tail = {}, 1, 0
    ok = 0
    errors = 0
    exhausted = 0
    issued = 0
end

function request()
    if head <= tail then
        local ticket = queue[head]
        queue[head] = nil
        head = head + 1
        return wrk.format("GET", validatePath .. ticket)
    end
    return loginRequest
end

function response(status, headers, body)
    if status == 302 then
        -- HAProxy writes header names in lower case (HTX); Sesame writes "Location".
        local location = headers["Location"] or headers["location"]
        local ticket = location and string.match(location, "[?&]ticket=(ST%-%w+)")
        if ticket then
            issued = issued + 1
            tail = tail + 1
            queue[tail] = ticket
            return
        end
    elseif body and string.find(body, "<cas:authenticationSuccess>", 1, true) then
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
