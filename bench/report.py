"""Writes bench/RESULTS.md from bench/run.sh's measurements: one table per
backend and size, then both backends side by side with the ratio
PostgreSQL / SQLite, and the targets of docs/PERFORMANCE.md checked.

    python3 bench/report.py RESULTS.tsv NOTES.tsv WORKDIR CORES WRK PG_SETTINGS
"""
import datetime
import os
import re
import sys

tsv, notes_tsv, work, cores, wrk, pg_settings = sys.argv[1:7]
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def ms(text):
    """wrk's latency ("566.00us", "4.05ms", "1.20s") in milliseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text or "")
    if not m:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


rows = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip()]
notes = [line.rstrip("\n").split("\t") for line in open(notes_tsv) if line.strip()]
runs = []  # (backend, size) in the order measured
for b, s, *_ in rows:
    if (b, s) not in runs:
        runs.append((b, s))
scenarios = []
for r in rows:
    if r[2] not in scenarios:
        scenarios.append(r[2])
by = {(r[0], r[1], r[2]): r for r in rows}
sizes = []
for _, s in runs:
    if s not in sizes:
        sizes.append(s)

out = []
p = out.append
p("# Benchmark results")
p("")
p(f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ} on {cores} cores; {wrk} "
  "against the release build, wrk on the same machine. The server runs with MALLOC_ARENA_MAX=2, "
  f"as the README advises, and the default pool (SQLite 16 connections, PostgreSQL "
  f"{max(4, 2 * int(cores))}: twice the cores, at least 4).")
p(f"PostgreSQL 15: a throwaway cluster on the same machine, fsync on, started with `{pg_settings}` "
  "(docs/PERFORMANCE.md).")
p("")

if any(b == "postgres" for b, _ in runs) and any(b == "sqlite" for b, _ in runs):
    p("## Side by side")
    p("")
    head = "| scenario |"
    rule = "|---|"
    for s in sizes:
        head += f" SQLite {int(s):,} | PostgreSQL {int(s):,} | ratio |"
        rule += "---|---|---|"
    p(head)
    p(rule)
    for name in scenarios:
        line = f"| {name} |"
        for s in sizes:
            a, b = by.get(("sqlite", s, name)), by.get(("postgres", s, name))
            cell = lambda r: f"{float(r[3]):,.0f}/s, p99 {r[5]}" if r else "–"
            ratio = f"{float(b[3]) / float(a[3]):.2f}×" if a and b and float(a[3]) else "–"
            line += f" {cell(a)} | {cell(b)} | {ratio} |"
        p(line)
    p("")
    p("Ratio: PostgreSQL's requests per second over SQLite's in the same run.")
    p("")

    p("## Targets")
    p("")
    p("| target | SQLite | PostgreSQL |")
    p("|---|---|---|")
    big, small = sizes[-1], sizes[0]
    def lat(b, s, n):
        r = by.get((b, s, n))
        return ms(r[5]) if r else None
    for n in ["inbox, first page, town filter", "inbox, deep page (half-way down, by cursor)",
              "matter page", "dashboard"] + [s for s in scenarios if s.startswith("search")]:
        if not any(k[2] == n for k in by):
            continue
        cells = []
        for b in ["sqlite", "postgres"]:
            hi, lo = lat(b, big, n), lat(b, small, n)
            if hi is None or lo is None:
                cells.append("–")
                continue
            search = n.startswith("search")
            limit = 100 if search else 50
            ok = hi < limit and (search or hi <= 2 * lo)
            cells.append(f"p99 {hi:.1f} ms at {int(big):,}, {hi / lo:.2f}× {int(small):,}: "
                         + ("met" if ok else "**missed**"))
        lim = "p99 < 100 ms" if n.startswith("search") else "p99 < 50 ms and ≤ 2×"
        p(f"| {n}: {lim} | {cells[0]} | {cells[1]} |")
    for n in ["/healthz", "status lookup /track/{code}", "citizen submission (POST, 303)"]:
        cells = []
        for b in ["sqlite", "postgres"]:
            worst = max((lat(b, s, n) or 0) for s in sizes)
            cells.append(f"worst p99 {worst:.1f} ms: " + ("met" if worst < 20 else "**missed**"))
        p(f"| {n}: p99 < 20 ms | {cells[0]} | {cells[1]} |")
    for n in ["status lookup /track/{code}", "citizen submission (POST, 303)"]:
        ratios = []
        for s in sizes:
            a, b = by.get(("sqlite", s, n)), by.get(("postgres", s, n))
            if a and b:
                ratios.append(float(b[3]) / float(a[3]))
        worst = min(ratios) if ratios else 0
        p(f"| {n}: PostgreSQL ≥ ½ SQLite's throughput | | worst {worst:.2f}×: "
          + ("met" if worst >= 0.5 else "**missed**") + " |")
    p("")

for b, s in runs:
    p(f"## {NAMES.get(b, b)}, {int(s):,} matters")
    p("")
    for nb, ns, text in notes:
        if (nb, ns) == (b, s):
            p(text)
    p("")
    p("| scenario | requests/s | median | p99 | errors |")
    p("|---|---|---|---|---|")
    for name in scenarios:
        r = by.get((b, s, name))
        if r:
            p(f"| {name} | {r[3]} | {r[4]} | {r[5]} | {r[6]} |")
    p("")
    stmts = os.path.join(work, f"statements-{s}.txt")
    if b == "postgres" and os.path.exists(stmts):
        p("PostgreSQL's busiest statements over the run (pg_stat_statements, by total time):")
        p("")
        p("```")
        p(open(stmts).read().rstrip())
        p("```")
        p("")

print("\n".join(out))
