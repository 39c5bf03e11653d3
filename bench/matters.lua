-- A staff member opening random matter pages (ids in ids.txt), logged in.
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS") or "ids.txt") do ids[#ids + 1] = line end
math.randomseed(os.time())
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
request = function()
  return wrk.format("GET", "/staff/matters/" .. ids[math.random(#ids)])
end
