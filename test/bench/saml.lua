-- wrk script: SAML SSO round trips (run.sh --saml), one fresh signed AuthnRequest per request.
--   wrk -t T -c C -d D -s saml.lua URL -- <slice file prefix> <session cookie> [cycle]
-- Thread i reads "<prefix>.<i>" (one Redirect-binding query a line, written by saml_requests)
-- and sends GET /saml/sso?<query> with the session cookie for each in turn: Sesame refuses an
-- AuthnRequest ID it has seen, so no line is sent twice. A round trip counts only when the
-- answer is 200 with the auto-post form carrying a SAMLResponse whose status is Success (a
-- refusal is a 200 with a SAMLResponse too: the start of its base64, where samlp:Status is,
-- is decoded to tell them apart). When a slice is used up the thread sends a request with no
-- message (a 400, counted as an error and as "exhausted"); with "cycle" (the sign server, which
-- refuses no replay) it starts its slice again instead. done() prints one line
-- "BENCH_RESULT key=value ..." that run.sh reads.
-- The thread bookkeeping, the slices, request(), the counters and the BENCH_RESULT line are
-- validate.lua's: this script gives it the queries as "tickets" and a cookie to send.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "validate.lua")
local sliceInit = init

function init(args)
    sliceInit({ args[1], "/saml/sso?", "" })  -- tickets[]: the queries, path: their prefix
    headers = { Cookie = args[2] }
    cycle = args[3] == "cycle"
end

local sliceRequest = request
function request()
    if cycle and cursor >= #tickets then cursor = 0 end
    return sliceRequest()
end

local marker = 'name="SAMLResponse" value="'
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local sextet = {}
for i = 1, 64 do sextet[alphabet:byte(i)] = i - 1 end

-- The bytes of the first `chars` characters (a multiple of 4) of base64 text from `from` on.
local function decodeStart(text, from, chars)
    local out = {}
    for i = from, from + chars - 4, 4 do
        local a, b, c, d = sextet[text:byte(i)], sextet[text:byte(i + 1)],
            sextet[text:byte(i + 2)], sextet[text:byte(i + 3)]
        if not (a and b and c and d) then break end
        local n = ((a * 64 + b) * 64 + c) * 64 + d
        out[#out + 1] = string.char(math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
    end
    return table.concat(out)
end

function response(status, headers, body)
    local at = status == 200 and body and string.find(body, marker, 1, true)
    -- samlp:Status follows the Response's Issuer: within its first 1,000 bytes.
    if at and string.find(decodeStart(body, at + #marker, 1344),
                          'StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"', 1, true) then
        ok = ok + 1
    else
        errors = errors + 1
    end
end
