-- wrk script: one request per ticket, each thread on its own slice of the ticket list.
--   wrk -t T -c C -d D -s validate.lua URL -- <slice file prefix> <path before the ticket> <marker>
-- Thread i reads "<prefix>.<i>" (one ticket a line, written by run.sh) and requests
-- "<path before the ticket><ticket>" for each ticket in turn. A response is an error unless its
-- body contains <marker>. When a slice is used up the thread asks for a bogus ticket (so the
-- run goes on, and every such request is counted as an error and as "exhausted").
-- done() prints one line "BENCH_RESULT key=value ..." that run.sh reads.
local threads = {}
local nextId = 0

function setup(thread)
    thread:set("id", nextId)
    nextId = nextId + 1
    table.insert(threads, thread)
end

function init(args)
    tickets = {}
    for line in io.lines(args[1] .. "." .. id) do
        tickets[#tickets + 1] = line
    end
    path = args[2]
    marker = args[3]
    cursor = 0
    ok = 0
    errors = 0
    exhausted = 0
end

function request()
    cursor = cursor + 1
    local ticket = tickets[cursor]
    if ticket == nil then
        exhausted = exhausted + 1
        ticket = "ST-exhausted"
    end
    return wrk.format("GET", path .. ticket, headers)  -- headers: nil, or saml.lua's cookie
end

function response(status, headers, body)
    if body and string.find(body, marker, 1, true) then
        ok = ok + 1
    else
        errors = errors + 1
    end
end

function done(summary, latency, requests)
    local ok, errors, exhausted = 0, 0, 0
    for _, thread in ipairs(threads) do
        ok = ok + thread:get("ok")
        errors = errors + thread:get("errors")
        exhausted = exhausted + thread:get("exhausted")
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH_RESULT requests=%d duration_us=%d ok=%d errors=%d exhausted=%d socket_errors=%d " ..
        "status_errors=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, ok, errors, exhausted,
        e.connect + e.read + e.write + e.timeout, e.status,
        latency:percentile(50), latency:percentile(99)))
end
