-- wrk script: SAML SSO round trips (run.sh --saml), one fresh signed AuthnRequest per request.
--   wrk -t T -c C -d D -s saml.lua URL -- <slice file prefix> <session cookie>
-- Thread i reads "<prefix>.<i>" (one Redirect-binding query a line, written by saml_requests)
-- and sends GET /saml/sso?<query> with the session cookie for each in turn: Sesame refuses an
-- AuthnRequest ID it has seen, so no line is sent twice. A round trip counts only when the
-- answer is 200 with the auto-post form carrying a SAMLResponse. When a slice is used up the
-- thread sends a request with no message (a 400, counted as an error and as "exhausted").
-- done() prints one line "BENCH_RESULT key=value ..." that run.sh reads.
local threads = {}
local nextId = 0

function setup(thread)
    thread:set("id", nextId)
    nextId = nextId + 1
    table.insert(threads, thread)
end

function init(args)
    queries = {}
    for line in io.lines(args[1] .. "." .. id) do
        queries[#queries + 1] = line
    end
    headers = { Cookie = args[2] }
    cursor = 0
    ok = 0
    errors = 0
    exhausted = 0
end

function request()
    cursor = cursor + 1
    local query = queries[cursor]
    if query == nil then
        exhausted = exhausted + 1
        query = "exhausted=1"
    end
    return wrk.format("GET", "/saml/sso?" .. query, headers)
end

function response(status, headers, body)
    if status == 200 and body and string.find(body, 'name="SAMLResponse" value="', 1, true) then
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
