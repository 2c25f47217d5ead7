-- post.lua - wrk script: POST envelopes of 1,000 distinct indicators. Each wrk thread sends its
-- own share of the files env-<i>.json in RK_BENCH_ENVELOPES (i = thread, thread + threads, ...)
-- and stops sending new objects when it runs out (a request then re-sends the last file, which
-- the status counts as duplicates; run.sh checks every object was stored once).
local dir = os.getenv("RK_BENCH_ENVELOPES")
local count = tonumber(os.getenv("RK_BENCH_ENVELOPE_COUNT"))
local nthreads = tonumber(os.getenv("RK_BENCH_THREADS"))
local counter = 0
local threads = {}

setup = function(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

init = function(args)
    bodies = {}
    local i = id
    while i < count do
        local f = io.open(string.format("%s/env-%d.json", dir, i), "rb")
        bodies[#bodies + 1] = f:read("*a")
        f:close()
        i = i + nthreads
    end
    next_body = 1
    accepted = 0
    wrk.method = "POST"
    wrk.headers["Accept"] = "application/taxii+json;version=2.1"
    wrk.headers["Content-Type"] = "application/taxii+json;version=2.1"
    wrk.headers["Authorization"] = os.getenv("RK_BENCH_AUTH")
end

request = function()
    local b = bodies[next_body]
    if next_body < #bodies then
        next_body = next_body + 1
    end
    return wrk.format(nil, os.getenv("RK_BENCH_PATH"), nil, b)
end

response = function(status, headers, body)
    if status == 202 then
        accepted = accepted + 1
    end
end

done = function(summary, latency, requests)
    io.stderr:write(string.format("requests %d\n", summary.requests))
end
