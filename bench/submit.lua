-- A citizen's submission: a real POST with a valid CSRF token and cookie,
-- validation, insert, event and redirect. Expect 303. (A failure cannot be
-- counted here: wrk runs done() in a Lua state of its own. run.sh counts
-- them instead: wrk's non-2xx/3xx answers, and the matters in the
-- database before and after against the requests completed.)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.body = os.getenv("BENCH_BODY")
