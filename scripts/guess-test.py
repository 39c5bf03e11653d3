#!/usr/bin/env python3
"""Guessing tracking codes does not pay, measured against the real server.

A guesser at 127.0.0.2 asks for random codes as fast as one connection
goes; a citizen at 127.0.0.3 follows a real request meanwhile. The script
counts how many guesses were answered 404 before the first 429, reads the
Retry-After, checks that nothing the guesser asks after that is answered
(a real code included), that the citizen is never refused, and times the
citizen's lookups before and during the guessing. docs/RELIABILITY.md
has the arithmetic and the figures.

    python3 scripts/guess-test.py target/debug/shishi
"""
import random
import statistics
import sys
import tempfile
import time

from testkit import Browser, Server

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # the codes' 32 letters and digits
GUESSES = 2000

work = tempfile.mkdtemp()
shishi = Server(sys.argv[1], f"{work}/guess.db")
try:
    citizen = Browser(shishi.port, source="127.0.0.3")
    res = citizen.submit("夏北三巷路灯不亮")
    assert res.status == 303, res.status
    real = res.getheader("location").split("?")[0]

    def timed(browser, path, n):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            res, _ = browser.get(path)
            times.append((time.perf_counter() - t) * 1000)
            assert res.status == 200, res.status
        return times

    before = timed(citizen, real, 200)

    guesser = Browser(shishi.port, source="127.0.0.2")
    rng = random.Random(7)
    statuses, retry_after = [], None
    started = time.perf_counter()
    for _ in range(GUESSES):
        code = "NH-" + "".join(rng.choice(ALPHABET) for _ in range(4)) + "-" + "".join(
            rng.choice(ALPHABET) for _ in range(4))
        res, _ = guesser.get(f"/track/{code}")
        statuses.append(res.status)
        if res.status == 429 and retry_after is None:
            retry_after = int(res.getheader("retry-after"))
    took = time.perf_counter() - started
    during = timed(citizen, real, 200)
    refused_real, _ = guesser.get(real)

    misses = statuses.index(429) if 429 in statuses else len(statuses)
    assert misses == 30, f"{misses} misses before the first 429"
    assert set(statuses[misses:]) == {429}, "every guess after the limit is refused"
    assert retry_after and 0 < retry_after <= 600, retry_after
    assert refused_real.status == 429, "a refused address reads nothing, real codes included"
    p50 = lambda xs: statistics.median(xs)
    p99 = lambda xs: sorted(xs)[int(len(xs) * 0.99) - 1]
    print(f"guesser: {misses} misses answered 404, then {len(statuses) - misses} of "
          f"{GUESSES} refused 429 (Retry-After {retry_after} s) in {took:.1f} s; "
          f"a real code from the guesser's address: {refused_real.status}")
    print(f"citizen, real code: p50 {p50(before):.2f} ms, p99 {p99(before):.2f} ms before; "
          f"p50 {p50(during):.2f} ms, p99 {p99(during):.2f} ms after the guessing; never refused")
finally:
    shishi.stop()
