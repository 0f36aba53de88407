"""Turns a wrk --latency report into a docs/benchmarks.md section (between bench markers).

Usage: bench_section.py OUT NAME WRK_OUTPUT
"""
import datetime
import os
import re
import sys

BUDGETS = {
    "verify": ("GET /api/v1/auth/verify (local token verification), wrk -t2 -c64 -d15s",
               "≥ 15,000 req/s, p99 < 10 ms", lambda rps, p99: rps >= 15000 and p99 < 10.0),
}


def milliseconds(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    out, name, report = sys.argv[1:4]
    text = open(report).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = milliseconds(re.search(r"50%\s+(\S+)", text).group(1))
    p99 = milliseconds(re.search(r"99%\s+(\S+)", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = int(non2xx.group(1)) if non2xx else 0
    path, budget, met = BUDGETS[name]
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    section = (f"{begin}\n### {path}\n\nMeasured {when} on {os.cpu_count()} cores, release build, everything on one "
               f"machine, with `make bench`.\n\n| path | measured | budget | met |\n|---|---|---|---|\n"
               f"| {path} | {rps:,.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, {errors} non-2xx | {budget} | "
               f"{'yes' if met(rps, p99) and errors == 0 else 'no'} |\n{end}")
    doc = open(out).read() if os.path.exists(out) else "# Benchmarks\n"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + section + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip() + "\n\n" + section + "\n"
    open(out, "w").write(doc)


if __name__ == "__main__":
    main()
