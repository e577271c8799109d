#!/usr/bin/env python3
"""Where a fetch run spent its time, from what it leaves behind: the request rate in each 5-second
interval (polypipe's `progress Ns: ...; N requests` log lines) and the commits of one dataset
(<data>/<dataset>/_log/*.json: files and rows per commit, seconds since the previous one).

Usage: run_phases.py FETCH_LOG DATASET_DIR [LIMIT [VARS_FILE]]
With LIMIT (requests per second; 0 for none), also prints the rate from 15 s on, i.e. after the
start-up phase, as % of LIMIT. With VARS_FILE, also writes the figures there as shell assignments
(steady_pct, commits, files, first_files, first_rows, slowest_seconds, slowest_files).
"""
import glob
import json
import os
import re
import sys
from datetime import datetime

PROGRESS = re.compile(r"progress (\d+)s:.*?; ([\d,]+) requests")


def main():
    log, dataset_dir = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else None
    figures = {}
    points = [(0, 0)]
    with open(log, errors="replace") as f:
        for line in f:
            m = PROGRESS.search(line)
            if m:
                points.append((int(m.group(1)), int(m.group(2).replace(",", ""))))
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(points, points[1:]) if b[0] > a[0]]
    if rates:
        print("  requests/s per 5 s interval: " + " ".join(f"{r:.0f}" for r in rates))
    if limit and len(points) > 5:
        (t0, n0), (t1, n1) = points[3], points[-1]
        rate = (n1 - n0) / (t1 - t0)
        print(f"  after the first {t0} s: {rate:.1f} req/s = {100 * rate / limit:.1f}% of L "
              f"({t0}-{t1} s)")
        figures["steady_pct"] = f"{100 * rate / limit:.1f}"

    commits = []
    for path in sorted(glob.glob(os.path.join(dataset_dir, "_log", "*.json"))):
        try:
            with open(path) as f:
                c = json.load(f)
            at = datetime.fromisoformat(c["committed_at"].rstrip("Z"))
            commits.append((c["seq"], len(c["files"]), c["rows"], at))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    if not commits:
        return
    files = sum(c[1] for c in commits)
    rows = sum(c[2] for c in commits)
    print(f"  {len(commits)} commits, {files:,} Parquet files for {rows:,} rows "
          f"({rows / max(files, 1):,.0f} rows per file)")
    gaps = [(c[0], c[1], c[2], (c[3] - p[3]).total_seconds()) for p, c in zip(commits, commits[1:])]
    slow = sorted(gaps, key=lambda g: -g[3])[:3]
    if slow:
        print("  slowest commits (seconds since the previous one): " +
              ", ".join(f"#{s} {sec:.1f}s ({n:,} files, {r:,} rows)" for s, n, r, sec in slow))
    print(f"  first commit: {commits[0][1]:,} files, {commits[0][2]:,} rows")
    figures.update(commits=len(commits), files=files, first_files=commits[0][1],
                   first_rows=commits[0][2])
    if slow:
        figures.update(slowest_seconds=f"{slow[0][3]:.1f}", slowest_files=slow[0][1])
    if len(sys.argv) > 4:
        with open(sys.argv[4], "w") as f:
            f.write(" ".join(f"{k}={v}" for k, v in figures.items()) + "\n")


if __name__ == "__main__":
    main()
