#!/usr/bin/env bash
# make demo / make run: runs the pipeline end to end.
#   scripts/demo.sh sim    against a polysim started here on a free loopback port
#   scripts/demo.sh real   against the real Polymarket hosts
# sim: polysim on a free loopback port, `polypipe fetch --mode all` into data/demo (emptied first),
# Bronze compared with the simulator's ground truth, `polypipe status`, a clean stop.
# real: `polypipe fetch --mode all` into data/ with the shipped config (the real hosts).
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
    data="${DEMO_DATA:-$root/data/demo}"
    rm -rf "$data"
    echo "demo: polypipe fetch --mode all into $data"
    "$build/polypipe" fetch --mode all --data-dir "$data" --config "$root/config/polypipe.json" \
      --data-api "$base/data" --clob-api "$base/clob" --gamma-api "$base/gamma"
    echo "demo: Bronze against the simulator's ground truth"
    "$build/polypipe" status --json --data-dir "$data" >"$work/status.json"
    curl -fsS "$base/__sim/truth?detail=false" >"$work/truth.json"
    python3 - "$work/status.json" "$work/truth.json" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))["datasets"]
ok = True
print(f"  {'dataset':18} {'bronze rows':>12} {'truth':>12}")
for name, want in truth.items():
    got = status["datasets"].get(name, {}).get("rows", 0)
    ok &= got == want
    print(f"  {name:18} {got:>12,} {want:>12,}  {'ok' if got == want else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
    echo "demo: polypipe status"
    "$build/polypipe" status --data-dir "$data"
    echo "demo: done; Bronze is in $data (load-silver and check are not built yet)"
    ;;
  real)
    # The real hosts, the shipped config (official limits with a margin), Bronze in data/.
    "$build/polypipe" fetch --mode all --data-dir "${RUN_DATA:-$root/data}" \
      --config "$root/config/polypipe.json"
    "$build/polypipe" status --data-dir "${RUN_DATA:-$root/data}"
    ;;
  *)
    echo "usage: scripts/demo.sh sim|real" >&2
    exit 2
    ;;
esac
