-- A logged-in staff page (the path is wrk's URL).
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
