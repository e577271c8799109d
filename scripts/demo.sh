#!/usr/bin/env bash
# make demo / make run: runs the pipeline end to end.
#   scripts/demo.sh sim    against a polysim started here on a free loopback port
#   scripts/demo.sh real   against the real Polymarket hosts
# sim: polysim on a free loopback port, `polypipe fetch --mode all` into data/demo (emptied first),
# Bronze compared with the simulator's ground truth, `polypipe status`, `polypipe load-silver`
# into data/demo/polymarket.duckdb, `polypipe check`, a short table out of Silver and Gold, a
# clean stop.
# real: `polypipe fetch --mode all` into data/ with the shipped config (the real hosts).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-sim}
build="$root/build"

# demo_table SILVER WORKDIR TITLE SQL: prints the result of one query over the Silver file (with
# the database attached as `s`), through DuckDB alone, as an aligned table.
demo_table() {
  local silver=$1 work=$2 title=$3 sql=$4
  echo "demo: $title"
  "$build/bench/duckdb_baseline" "ATTACH '$silver' AS s (READ_ONLY)" \
    "COPY ($sql) TO '$work/table.csv' (HEADER, DELIMITER '|')" >/dev/null
  column -t -s '|' "$work/table.csv" | sed 's/^/  /'
}

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
    silver="$data/polymarket.duckdb"
    echo "demo: polypipe load-silver into $silver"
    "$build/polypipe" load-silver --bronze "$data" --silver "$silver"
    echo "demo: polypipe check"
    "$build/polypipe" check --silver "$silver"
    demo_table "$silver" "$work" "top markets by volume (gold.market_daily)" \
      "SELECT m.market_id, left(m.question, 48) AS question, m.closed,
              round(sum(d.volume), 2) AS volume, sum(d.trades) AS trades,
              max(d.unique_traders) AS busiest_day_traders
       FROM s.gold.market_daily d JOIN s.MarketDim m USING (condition_id)
       GROUP BY ALL ORDER BY volume DESC LIMIT 8"
    demo_table "$silver" "$work" "Silver row counts" \
      "SELECT 'table' AS \"table\", 0 AS \"rows\" WHERE false
       UNION ALL SELECT 'MarketDim', count(*) FROM s.MarketDim
       UNION ALL SELECT 'MarketDimHistory', count(*) FROM s.MarketDimHistory
       UNION ALL SELECT 'MarketTokenDim', count(*) FROM s.MarketTokenDim
       UNION ALL SELECT 'EventDim', count(*) FROM s.EventDim
       UNION ALL SELECT 'CategoryDim', count(*) FROM s.CategoryDim
       UNION ALL SELECT 'MarketCategoryBridge', count(*) FROM s.MarketCategoryBridge
       UNION ALL SELECT 'TraderDim', count(*) FROM s.TraderDim
       UNION ALL SELECT 'TradeFact', count(*) FROM s.TradeFact
       UNION ALL SELECT 'PriceHistoryFact', count(*) FROM s.PriceHistoryFact
       UNION ALL SELECT 'LeaderboardFact', count(*) FROM s.LeaderboardFact"
    echo "demo: done; Bronze is in $data, Silver and Gold in $silver"
    ;;
  real)
    # The real hosts, the shipped config (official limits with a margin), Bronze in data/.
    "$build/polypipe" fetch --mode all --data-dir "${RUN_DATA:-$root/data}" \
      --config "$root/config/polypipe.json"
    "$build/polypipe" status --data-dir "${RUN_DATA:-$root/data}"
    "$build/polypipe" load-silver --bronze "${RUN_DATA:-$root/data}" \
      --silver "${RUN_DATA:-$root/data}/polymarket.duckdb"
    ;;
  *)
    echo "usage: scripts/demo.sh sim|real" >&2
    exit 2
    ;;
esac
