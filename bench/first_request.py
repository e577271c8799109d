#!/usr/bin/env python3
"""Runs a command against polysim and says when polysim saw its first request.

Usage: first_request.py SIM_URL LOG VARS -- COMMAND...
Starts COMMAND (its stdout and stderr to LOG) and polls SIM_URL/__sim/stats every 10 ms until the
API request count moves; then waits for COMMAND. Writes shell assignments to VARS for `eval`:
fr_first (seconds from the start to the first request seen, empty when none came), fr_wall
(seconds to the command's exit) and fr_exit (its exit code). The first request is seen up to one
poll (plus a stats round trip, a millisecond on loopback) late.
"""
import json
import subprocess
import sys
import time
import urllib.request


def requests(url):
    with urllib.request.urlopen(url + "/__sim/stats", timeout=5) as r:
        return json.load(r)["requests"]


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit("usage: first_request.py SIM_URL LOG VARS -- COMMAND...")
    url, log, out, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]
    before = requests(url)
    first = ""
    with open(log, "w", encoding="utf-8") as f:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=f, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            if requests(url) > before:
                first = f"{time.monotonic() - start:.2f}"
                break
            time.sleep(0.01)
        code = proc.wait()
        wall = time.monotonic() - start
        if not first and requests(url) > before:
            first = f"{wall:.2f}"  # all its requests fell between two polls
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"fr_first={first}\nfr_wall={wall:.2f}\nfr_exit={code}\n")


if __name__ == "__main__":
    main()
