-- pages.lua - wrk script: GET one of the static pages nginx serves for the random positions
-- (pages/1.json .. pages/N.json, N from RK_BENCH_PAGES), chosen at random like get.lua's.
local n = tonumber(os.getenv("RK_BENCH_PAGES"))
math.randomseed(os.time())

request = function()
    return wrk.format("GET", "/pages/" .. math.random(n) .. ".json")
end
