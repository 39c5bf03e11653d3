-- A citizen's submission: a real POST with a valid CSRF token and cookie,
-- validation, insert, event and redirect. Expect 303.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.body = os.getenv("BENCH_BODY")
local bad = 0
response = function(status, headers, body)
  if status ~= 303 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-303: %d\n", bad))
end
