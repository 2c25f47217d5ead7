-- get.lua - wrk script: GET a page of 100 indicators at a random position of the collection,
-- authenticated with HTTP Basic. Positions (added_after values) come from positions.txt.
local positions = {}
local auth = os.getenv("RK_BENCH_AUTH")
local path = os.getenv("RK_BENCH_PATH")

for line in io.lines(os.getenv("RK_BENCH_POSITIONS")) do
    positions[#positions + 1] = line
end
math.randomseed(os.time())

wrk.headers["Accept"] = "application/taxii+json;version=2.1"
if auth and auth ~= "" then
    wrk.headers["Authorization"] = auth
end

request = function()
    local p = positions[math.random(#positions)]
    return wrk.format("GET", path .. "&added_after=" .. p)
end

local bad = 0
response = function(status, headers, body)
    if status ~= 200 then
        bad = bad + 1
    end
end

done = function(summary, latency, requests)
    io.stderr:write(string.format("non-200 responses: %d\n", bad))
end
