#!/usr/bin/env bash
# make demo / make run: runs the pipeline end to end.
#   scripts/demo.sh sim    against a polysim started here on a free loopback port
#   scripts/demo.sh real   against the real Polymarket hosts
# What runs today: polysim up, a health request, the simulated universe's summary, a clean stop.
# The fetch, load-silver and check stages join as they are built (see README "Status").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-sim}
build="$root/build"

case "$mode" in
  sim)
    work=$(mktemp -d)
    sim_pid=""
    cleanup() {
      if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
        kill -TERM "$sim_pid"
        wait "$sim_pid" 2>/dev/null || true
      fi
      rm -rf "$work"
    }
    trap cleanup EXIT
    "$build/polysim" --port 0 --port-file "$work/port" --seed 42 --markets 500 \
      --history-days 60 >"$work/polysim.log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 100); do
      [ -s "$work/port" ] && break
      kill -0 "$sim_pid" 2>/dev/null || { cat "$work/polysim.log" >&2; exit 1; }
      sleep 0.1
    done
    [ -s "$work/port" ] || { echo "demo: polysim did not start" >&2; exit 1; }
    base="http://127.0.0.1:$(cat "$work/port")"
    echo "demo: polysim serving on $base"
    echo "demo: health: $(curl -fsS "$base/__sim/health")"
    curl -fsS "$base/__sim/truth?detail=false" | python3 -c '
import json, sys
truth = json.load(sys.stdin)
print("demo: the simulated universe holds (rows a complete fetch must produce):")
for name, rows in truth["datasets"].items():
    print(f"  {name:18} {rows:>12,}")
'
    echo "demo: polypipe $("$build/polypipe" --version | cut -d" " -f2) built; fetch, load-silver and check are not built yet"
    ;;
  real)
    # One cheap request per service, to show whether the hosts answer from this machine.
    ok=1
    for url in "https://clob.polymarket.com/markets/0x0000000000000000000000000000000000000000000000000000000000000000" \
               "https://data-api.polymarket.com/v1/leaderboard?limit=1" \
               "https://gamma-api.polymarket.com/tags?limit=1"; do
      code=$(curl -sS -m 15 -o /dev/null -w 'HTTP %{http_code}' "$url" 2>/dev/null) || code="unreachable"
      echo "run: ${url%%\?*} -> $code"
      case "$code" in "HTTP 2"*|"HTTP 404") ;; *) ok=0 ;; esac
    done
    [ "$ok" = 1 ] || { echo "run: the real hosts cannot be reached from here" >&2; exit 1; }
    echo "run: fetching from the real hosts needs 'polypipe fetch', which is not built yet" >&2
    exit 1
    ;;
  *)
    echo "usage: scripts/demo.sh sim|real" >&2
    exit 2
    ;;
esac
