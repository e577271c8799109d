#!/usr/bin/env python3
"""Reads the figures bench/run.sh needs from one polypipe run report (<data>/_runs/<id>.json).

Usage: run_report.py REPORT ROUTE DATASET
Prints shell assignments (state, seconds, requests, ok, rate_limited, retries, errors, bytes, rows,
skipped, streams_planned, streams_done, left_out, peak_rss) for `eval`; a missing figure prints as 0, so a
run that never reached a route still yields a line of zeros rather than a failure. ROUTE or
DATASET "*" adds the figures of every route or dataset of the run up.
"""
import json
import shlex
import sys


def sum_of(items, name):
    """items[name], or with name "*" the numbers of every item added up."""
    if name != "*":
        return items.get(name, {})
    total = {}
    for item in items.values():
        for key, value in item.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: run_report.py REPORT ROUTE DATASET")
    path, route, dataset = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    http = sum_of(report.get("http", {}), route)
    data = sum_of(report.get("datasets", {}), dataset)
    errors = sum(http.get(k, 0) for k in ("server_errors", "transport_errors", "client_errors",
                                          "blocked", "unavailable"))
    figures = {
        "state": report.get("state", "unknown"),
        "seconds": report.get("seconds", 0),
        "requests": http.get("requests", 0),
        "ok": http.get("ok", 0),
        "rate_limited": http.get("rate_limited", 0),
        "retries": http.get("retries", 0),
        "errors": errors,
        "bytes": http.get("bytes", 0),
        "rows": data.get("rows", 0),
        "skipped": data.get("skipped", 0),
        "streams_planned": data.get("streams_planned", 0),
        "streams_done": data.get("streams_done", 0),
        "left_out": sum(data.get("left_out", {}).values()),
        "peak_rss": report.get("peak_rss_bytes", 0),
    }
    for key, value in figures.items():
        print(f"r_{key}={shlex.quote(str(value))}")


if __name__ == "__main__":
    main()
