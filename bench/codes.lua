-- Status lookups over random existing tracking codes (one code a line in codes.txt).
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES") or "codes.txt") do codes[#codes + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/track/" .. codes[math.random(#codes)])
end
