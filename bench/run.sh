#!/usr/bin/env bash
# make bench: every benchmark, figures printed to stdout and kept in bench/out/.
#
# Cases (BENCH_ONLY, default all of them, in this order):
#   sim         polysim alone: serving rate and memory
#   saturation  polypipe against a rate-limited polysim (reject mode): achieved rate as % of the
#               limit L and 429s as % of requests, for trades and for batch price history
#   throughput  polypipe with every limit off on a ~2M-trade universe: trades/s, MB/s, requests per
#               1,000 trades, against DuckDB alone turning polysim's dumped pages into Parquet and
#               against curl alone fetching the same pages
#   memory      peak RSS of `fetch --mode trades` on ~2M and ~8M trades
#   silver      load-silver of ~5M trades (30 days) against a plain DuckDB INSERT ... SELECT * FROM
#               read_parquet(...) of the same files, then an incremental load of one new day
#   soak        fetch --mode all again and again for BENCH_SOAK_SECONDS against polysim with every
#               fault on and its clock advancing, then load-silver and check: requests, faults,
#               duplicates and rows lost against the truth, peak RSS per run (bench/soak.py)
#   fetch_scale (only when named; `make bench-scale`) fetch of markets, Gamma, trades and a slice
#               of prices from a universe of 10k, 100k and 1.5M markets with every limit off: wall,
#               requests, peak RSS against 200 MB, a resumed run's start-up, status; then Store
#               open and status on a log of 100k commits and 1.5M streams (bench/fetch_scale.sh,
#               which lists its own knobs)
#   silver_scale  (only when named; `make bench-scale`) load-silver of 100M generated trades under
#               its 1GB memory limit against DuckDB alone, then one new day into the full and into
#               an empty Silver file (bench/silver_scale.sh, which lists its own knobs)
#
# Environment:
#   BENCH_SECONDS        seconds per polysim serving case (default 5)
#   BENCH_FETCH_SECONDS  --timeout of each saturation fetch (default 60)
#   BENCH_RATES          the limits L (requests per second) the saturation cases try (default "50 20")
#   BENCH_SOAK_SECONDS   length of the soak's fetching (default 600)
#   BENCH_SCALE          multiplies the trade counts of the throughput and memory universes
#                        (default 1; 0.1 for a quick check)
#   BENCH_ONLY           a subset of the cases above, e.g. "saturation memory"
#   BUILD                build directory holding polypipe, polysim and bench/ (default build)
#   TMPDIR               where data directories and dumps go (the throughput dump is ~1.6 GB)
#
# The figures of a run (r_*, busiest_*, ...) are set by eval of the Python helpers' output.
# shellcheck disable=SC2154,SC2034
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[[ $build = /* ]] || build="$root/$build"
out="$root/bench/out"
mkdir -p "$out"
seconds=${BENCH_SECONDS:-5}
fetch_seconds=${BENCH_FETCH_SECONDS:-60}
rates=${BENCH_RATES:-50 20}
scale=${BENCH_SCALE:-1}
only=${BENCH_ONLY:-sim saturation throughput memory silver soak}
soak_seconds=${BENCH_SOAK_SECONDS:-600}
polypipe="$build/polypipe"
polysim="$build/polysim"
ticks=$(getconf CLK_TCK)

# Everything started or created here is stopped or removed on any exit.
pids=()
dirs=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if ((${#dirs[@]})); then rm -rf "${dirs[@]}"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wants() { [[ " $only " == *" $1 "* ]]; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", ($1) }"; }
# meets VALUE OP TARGET -> "met" or "MISSED"
meets() { awk "BEGIN { print (($1) $2 ($3)) ? \"met\" : \"MISSED\" }"; }

summary="$out/summary.txt"
: >"$summary"
# figure NAME VALUE TARGET VERDICT: one row of the final table.
figure() { printf "  %-58s %18s  %-14s %s\n" "$1" "$2" "$3" "$4" >>"$summary"; }
notes="$out/notes.txt"
: >"$notes"
# explain TEXT: a measured reason, printed under the table.
explain() { echo "  - $*" >>"$notes"; }

# make_dir: a new temporary directory in the caller's variable `dir`, removed on exit.
make_dir() {
  dir=$(mktemp -d "${TMPDIR:-/tmp}/polypipe-bench.XXXXXX")
  dirs+=("$dir")
}

# start_sim DIR FLAGS...: polysim on a free loopback port; sets sim_pid and sim_port.
start_sim() {
  local dir=$1
  shift
  rm -f "$dir/port"
  "$polysim" --port 0 --port-file "$dir/port" "$@" >"$dir/polysim.log" 2>&1 &
  sim_pid=$!
  pids+=("$sim_pid")
  for _ in $(seq 1 600); do
    [ -s "$dir/port" ] && break
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$dir/port" ]; then
    echo "  polysim did not start: $(tail -3 "$dir/polysim.log")"
    return 1
  fi
  sim_port=$(cat "$dir/port")
}
stop_sim() {
  kill -TERM "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# children_cpu BEFORE AFTER: user and system seconds between two `times` outputs (line 2, e.g.
# "1m2.500s 0m0.250s", is the shell's waited-for children).
children_cpu() {
  awk 'FNR == 2 {
         for (i = 1; i <= 2; i++) {
           split($i, p, /[ms]/)
           v[FILENAME == ARGV[1], i] = p[1] * 60 + p[2]
         }
       }
       END { printf "%.2f %.2f\n", v[0, 1] - v[1, 1], v[0, 2] - v[1, 2] }' "$1" "$2"
}
sim_truth() {
  curl -fsS "http://127.0.0.1:$sim_port/__sim/truth?detail=false" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['datasets']['$1'])"
}

# write_config FILE [LIMITER REQUESTS WINDOW | queue DATASET ROWS]...: every limiter unlimited
# but those named; queues (flush thresholds) at their defaults but those named.
write_config() {
  python3 - "$@" <<'EOF'
import json, sys
path, rest = sys.argv[1], sys.argv[2:]
limits = {k: {"requests": 0, "window_seconds": 1} for k in (
    "data", "data_v2_trades", "data_leaderboard", "clob", "clob_markets", "clob_prices_history",
    "clob_batch_prices_history", "gamma", "gamma_markets", "gamma_events", "gamma_tags")}
queues = {}
for i in range(0, len(rest), 3):
    if rest[i] == "queue":
        queues[rest[i + 1]] = int(rest[i + 2])
    else:
        limits[rest[i]] = {"requests": int(rest[i + 1]), "window_seconds": float(rest[i + 2])}
config = {"rate_limits": limits}
if queues:
    config["queues"] = queues
with open(path, "w") as f:
    json.dump(config, f, indent=1)
EOF
}

# fetch DIR MODE [FLAGS...]: polypipe fetch against polysim, bounded to 15 minutes. Sets report
# (the run report's path), pp_wall/pp_user/pp_sys (polypipe's seconds) and sim_cpu (polysim's CPU
# seconds meanwhile). The log is DIR/fetch-MODE.log.
fetch() {
  local dir=$1 mode=$2
  shift 2
  local base="http://127.0.0.1:$sim_port" before code=0
  local pid sampler start
  before=$(cpu_ticks "$sim_pid")
  start=$(date +%s.%N)
  # polypipe's CPU time is that of this shell's children, read with `times` (no subshell) around
  # the wait: timeout is the direct child, so stopping it stops polypipe and waits for it.
  times >"$dir/times.before"
  timeout --kill-after=30 900 \
    "$polypipe" fetch --mode "$mode" --config "$dir/config.json" --data-dir "$dir/data" \
    --data-api "$base/data" --clob-api "$base/clob" --gamma-api "$base/gamma" "$@" \
    >"$dir/fetch-$mode.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  rm -f "$dir/threads-$mode.vars"
  python3 "$root/bench/thread_cpu.py" "$pid" polypipe "$dir/threads-$mode.vars" \
    >"$dir/threads-$mode.txt" 2>&1 &
  sampler=$!
  pids+=("$sampler")
  wait "$pid" || code=$?
  times >"$dir/times.after"
  pp_wall=$(calc "$(date +%s.%N) - $start")
  wait "$sampler" || true
  sim_cpu=$(calc "($(cpu_ticks "$sim_pid") - $before) / $ticks" 1)
  read -r pp_user pp_sys < <(children_cpu "$dir/times.before" "$dir/times.after")
  # The newest by time: two runs started in the same second are named X and X-2, and "X-2.json"
  # sorts before "X.json".
  report=$(find "$dir/data/_runs" -maxdepth 1 -name '[0-9]*.json' -printf '%T@ %p\n' 2>/dev/null |
    sort -n | tail -1 | cut -d' ' -f2-)
  if ((code != 0)) || [ -z "$report" ]; then
    echo "  polypipe fetch --mode $mode failed (exit $code); the end of its log:"
    tail -5 "$dir/fetch-$mode.log" | sed 's/^/    /'
    return 1
  fi
}
read_report() { eval "$(python3 "$root/bench/run_report.py" "$report" "$1" "$2")"; }
parquet_bytes() { find "$1" -name '*.parquet' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# ---------------------------------------------------------------------------------------------
sim_cases() {
  echo "== polysim serving rate"
  "$build/bench/sim_load" "$seconds" | tee "$out/sim_load.txt"

  echo "== polysim memory: a universe of ~100M trades against one of ~10k"
  rss_of() {
    local dir trades rss
    make_dir
    start_sim "$dir" "$@" || return 1
    trades=$(sim_truth trades)
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$sim_pid/status")
    stop_sim
    rm -rf "$dir"
    printf "  %-48s trades %'14d  RSS %'8d kB\n" "$*" "$trades" "$rss" |
      tee -a "$out/sim_memory.txt"
  }
  : >"$out/sim_memory.txt"
  rss_of --markets 1000 --mean-trades 10 --heavy-markets 0
  rss_of --markets 1000 --mean-trades 10 --heavy-markets 100 --heavy-trades 1000000
}

# saturation trades|prices L: polysim rejects above L requests/s on the route, as 10 L per sliding
# 10-second window (the official limits' window); polypipe is configured with the same limit.
# Achieved rate = route requests / run seconds.
saturation() {
  local kind=$1 limit=$2 dir sim_route limiter mode universe prefetch
  make_dir
  if [ "$kind" = trades ]; then
    sim_route=/data/v2/trades limiter=data_v2_trades mode=trades
    # 8 markets of 1M trades: 60 s at 50 pages/s reads 3M, and four workers each find a long feed.
    universe=(--markets 2000 --mean-trades 50 --heavy-markets 8 --heavy-trades 1000000)
    prefetch=(markets)
  else
    sim_route=/clob/batch-prices-history limiter=clob_batch_prices_history mode=prices
    # 4,000 markets over three years: ~8,000 tokens in 15-day windows, 20 tokens per request.
    universe=(--markets 4000 --mean-trades 5 --heavy-markets 0 --history-days 1095)
    prefetch=(markets gamma)
  fi
  local window=10 per_window=$((limit * 10))
  echo "-- $kind, L = $limit req/s (polysim --rate-mode reject-json --rate-limit $sim_route=$per_window/$window)"
  start_sim "$dir" --rate-mode reject-json --rate-limit "$sim_route=$per_window/$window" \
    "${universe[@]}" || return 1
  write_config "$dir/config.json" "$limiter" "$per_window" "$window"
  local m
  for m in "${prefetch[@]}"; do fetch "$dir" "$m" || return 1; done
  fetch "$dir" "$mode" --timeout "$fetch_seconds" || return 1
  read_report "$limiter" "$kind"
  local stats
  stats=$(curl -fsS "http://127.0.0.1:$sim_port/__sim/stats" |
    python3 -c "import json,sys; s=json.load(sys.stdin); r=s.get('routes',s).get('$sim_route',{}); print(json.dumps(r, separators=(',',':')))")
  stop_sim
  cp "$report" "$out/saturation-$kind-$limit.json"
  local rate pct p429 okrate
  rate=$(calc "$r_requests / $r_seconds" 1)
  okrate=$(calc "$r_ok / $r_seconds" 1)
  pct=$(calc "100 * $r_requests / $r_seconds / $limit" 1)
  p429=$(calc "$r_requests > 0 ? 100 * $r_rate_limited / $r_requests : 0" 2)
  printf "  run %s after %.1f s: %'d requests (%'d ok, %d 429s, %d retries, %d errors), %'d rows\n" \
    "$r_state" "$r_seconds" "$r_requests" "$r_ok" "$r_rate_limited" "$r_retries" "$r_errors" \
    "$r_rows"
  printf "  achieved %s req/s = %s%% of L (ok %s req/s); 429s %s%% of requests\n" "$rate" "$pct" \
    "$okrate" "$p429"
  printf "  CPU seconds: polypipe %.1f user + %.1f sys, polysim %s, over %.1f s wall\n" \
    "$pp_user" "$pp_sys" "$sim_cpu" "$pp_wall"
  cat "$dir/threads-$mode.txt"
  local steady_pct="" first_files=0 first_rows=0 slowest_seconds=0 slowest_files=0 commits files
  python3 "$root/bench/run_phases.py" "$dir/fetch-$mode.log" "$dir/data/$kind" "$limit" \
    "$dir/phases.vars"
  [ ! -s "$dir/phases.vars" ] || eval "$(cat "$dir/phases.vars")"
  echo "  polysim's view of $sim_route: $stats"
  [ "$r_state" = timed_out ] ||
    echo "  note: the run ended ($r_state) before --timeout; the universe ran out of work"
  figure "saturation $kind L=$limit: achieved rate % of L" "$pct%" ">= 95%" \
    "$(meets "$pct" '>=' 95)"
  figure "saturation $kind L=$limit: 429s % of requests" "$p429%" "<= 0.5%" \
    "$(meets "$p429" '<=' 0.5)"
  if [ -n "$steady_pct" ]; then
    figure "saturation $kind L=$limit: rate after 15 s, % of L" "$steady_pct%" "" ""
  fi
  if [ "$(meets "$pct" '>=' 95)" = MISSED ]; then
    local busiest_index=0 busiest_cpu=0 busiest_share=0 wall=0
    [ ! -s "$dir/threads-$mode.vars" ] || eval "$(cat "$dir/threads-$mode.vars")"
    explain "saturation $kind L=$limit at $pct% of L: from 15 s on ${steady_pct:-?}% of L;" \
      "the slowest commit took ${slowest_seconds} s for ${slowest_files} Parquet files (one per" \
      "trade day; the first held ${first_files} files for ${first_rows} rows), and while the" \
      "persister writes them the workers wait on the full queue. Busiest polypipe thread:" \
      "#$busiest_index at $busiest_share% of the run; polysim $sim_cpu CPU s."
  fi
  rm -rf "$dir"
}

saturation_cases() {
  echo "== rate saturation: polypipe against polysim in reject mode, ${fetch_seconds}s per run"
  local kind limit
  for kind in trades prices; do
    for limit in $rates; do
      saturation "$kind" "$limit" || figure "saturation $kind L=$limit" "failed" "" "MISSED"
    done
  done
}

# The throughput universe: ~2M trades at scale 1 (4 markets of 425k and 2,000 ordinary ones).
throughput_universe() {
  local factor=$1
  echo --markets $((2000 * factor)) --mean-trades "$(calc "200 * $scale" 0)" \
    --heavy-markets $((4 * factor)) --heavy-trades "$(calc "425000 * $scale" 0)" --history-days 60
}

# trades_run DIR LABEL [CONFIG ARGS]: markets list (not timed), then `fetch --mode trades` with
# every limit off (and write_config's further arguments). Prints the figures; sets t_*.
trades_run() {
  local dir=$1 label=$2
  shift 2
  write_config "$dir/config.json" "$@"
  fetch "$dir" markets || return 1
  local list_seconds=$pp_wall
  fetch "$dir" trades || return 1
  read_report data_v2_trades trades
  cp "$report" "$out/$label.json"
  t_rows=$r_rows t_seconds=$r_seconds t_requests=$r_requests t_markets=$r_streams_planned
  t_json=$r_bytes t_rss=$r_peak_rss t_wall=$pp_wall t_sim_cpu=$sim_cpu
  t_cpu=$(calc "$pp_user + $pp_sys")
  local busiest_index=0 busiest_cpu=0 busiest_share=0 wall=0
  [ ! -s "$dir/threads-trades.vars" ] || eval "$(cat "$dir/threads-trades.vars")"
  t_busiest_index=$busiest_index t_busiest_cpu=$busiest_cpu t_busiest_share=$busiest_share
  t_parquet=$(parquet_bytes "$dir/data/trades")
  printf "  markets list: %.1f s (not counted); trades run %s: %'d rows in %.1f s (%.1f s wall)\n" \
    "$list_seconds" "$r_state" "$t_rows" "$t_seconds" "$pp_wall"
  printf "  %s trades/s; JSON received %s MB/s (%s MB); Parquet written %s MB/s (%s MB)\n" \
    "$(calc "$t_rows / $t_seconds" 0)" "$(calc "$t_json / $t_seconds / 1e6")" \
    "$(calc "$t_json / 1e6")" "$(calc "$t_parquet / $t_seconds / 1e6" 2)" \
    "$(calc "$t_parquet / 1e6")"
  printf "  CPU seconds: polypipe %.1f user + %.1f sys, polysim %s, over %.1f s wall (2 cores: %.0f)\n" \
    "$pp_user" "$pp_sys" "$sim_cpu" "$pp_wall" "$(calc "2 * $pp_wall")"
  cat "$dir/threads-trades.txt"
  python3 "$root/bench/run_phases.py" "$dir/fetch-trades.log" "$dir/data/trades"
  printf "  peak RSS %s MB; %'d requests, %d retries, %d errors, %d skipped rows\n" \
    "$(calc "$t_rss / 1048576")" "$t_requests" "$r_retries" "$r_errors" "$r_skipped"
}

throughput_case() {
  echo "== throughput: fetch --mode trades with every limit off, against DuckDB and curl alone"
  local dir universe truth
  make_dir
  read -r -a universe <<<"$(throughput_universe 1)"
  # Loopback has no bandwidth to save: gzip would only spend the cores polypipe is measured on
  # (its cost is measured on its own below).
  start_sim "$dir" "${universe[@]}" --no-gzip || return 1
  truth=$(sim_truth trades)
  printf "  universe: %s -> %'d trades (polysim truth)\n" "${universe[*]}" "$truth"
  trades_run "$dir" throughput-2m || return 1
  rss_2m=$t_rss rss_2m_rows=$t_rows
  [ "$t_rows" = "$truth" ] || echo "  note: $t_rows rows fetched, truth says $truth"

  # Requests against the lower bound: every page full, 20 markets per feed.
  local bound per_k per_market
  bound=$(calc "$t_rows / 1000 + $t_markets / 20" 0)
  per_k=$(calc "1000 * $t_requests / $t_rows" 3)
  per_market=$(calc "$t_requests / $t_markets" 3)
  printf "  requests: %'d for %'d trades and %'d markets = %s per 1,000 trades, %s per market\n" \
    "$t_requests" "$t_rows" "$t_markets" "$per_k" "$per_market"
  printf "  lower bound trades/1000 + markets/20 = %'d (%s per 1,000 trades, %s per market); " \
    "$bound" "$(calc "1000 * $bound / $t_rows" 3)" "$(calc "$bound / $t_markets" 3)"
  printf "actual / bound = %s\n" "$(calc "$t_requests / $bound" 3)"

  # curl alone over the same pages (one condition per request, cursor chains from the dump), four
  # keep-alive connections like polypipe's four trade workers: what polysim can serve here.
  echo "  dumping the same universe (polysim --dump; not timed)"
  local t0 dump_seconds
  t0=$(date +%s.%N)
  timeout 900 "$polysim" --dump "$dir/dump" "${universe[@]}" >"$dir/dump.log" 2>&1 || {
    echo "  polysim --dump failed: $(tail -2 "$dir/dump.log")"
    return 1
  }
  dump_seconds=$(calc "$(date +%s.%N) - $t0")
  local pages dump_bytes
  pages=$(find "$dir/dump/data/v2/trades" -name '*.json' | wc -l)
  dump_bytes=$(du -sb "$dir/dump/data/v2/trades" | cut -f1)
  printf "  dump: %s s, %'d trade pages, %s MB of trade JSON\n" "$dump_seconds" "$pages" \
    "$(calc "$dump_bytes / 1e6")"

  python3 - "$dir/dump/data/v2/trades" "$sim_port" "$dir/curl" 4 <<'EOF'
import glob, json, os, sys, urllib.parse
root, port, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
markets = {}
for path in sorted(glob.glob(os.path.join(root, "market-*.json"))):
    markets.setdefault(os.path.basename(path).rsplit("-", 1)[0], []).append(path)
chains = []
for files in markets.values():
    urls, cid, cursor = [], None, None
    for path in files:
        with open(path) as f:
            page = json.load(f)
        if cid is None:
            if not page["data"]:
                break  # a market without trades: one request, no condition id to name
            cid = page["data"][0]["condition_id"]
        url = (f"http://127.0.0.1:{port}/data/v2/trades?condition={cid}&limit=1000"
               "&filter_type=TOKENS&filter_amount=0")
        if cursor:
            url += "&cursor=" + urllib.parse.quote(cursor, safe="")
        urls.append(url)
        cursor = page["pagination"].get("next_cursor")
    if urls:
        chains.append(urls)
chains.sort(key=len, reverse=True)
loads = [[] for _ in range(n)]
for chain in chains:
    min(loads, key=len).extend(chain)
for i, urls in enumerate(loads):
    with open(f"{prefix}-{i}.cfg", "w") as f:
        for url in urls:
            f.write(f'url = "{url}"\noutput = "/dev/null"\n')
EOF
  local curl_pids=() i before curl_wall curl_ok curl_bytes curl_pages
  before=$(cpu_ticks "$sim_pid")
  t0=$(date +%s.%N)
  for i in 0 1 2 3; do
    curl -s -K "$dir/curl-$i.cfg" -w '%{http_code} %{size_download}\n' >"$dir/curl-$i.out" &
    curl_pids+=($!)
    pids+=($!)
  done
  for i in "${curl_pids[@]}"; do wait "$i" || true; done
  curl_wall=$(calc "$(date +%s.%N) - $t0" 2)
  local curl_sim_cpu
  curl_sim_cpu=$(calc "($(cpu_ticks "$sim_pid") - $before) / $ticks" 1)
  curl_pages=$(cat "$dir"/curl-*.out | wc -l)
  curl_ok=$(cat "$dir"/curl-*.out | awk '$1 == 200' | wc -l)
  curl_bytes=$(cat "$dir"/curl-*.out | awk '{ s += $2 } END { print s + 0 }')
  stop_sim
  printf "  curl alone, 4 connections: %'d pages (%'d ok) in %s s = %s pages/s, %s MB/s, " \
    "$curl_pages" "$curl_ok" "$curl_wall" "$(calc "$curl_pages / $curl_wall" 0)" \
    "$(calc "$curl_bytes / $curl_wall / 1e6")"
  printf "~%s trades/s (polysim CPU %s s)\n" "$(calc "$t_rows / $curl_wall" 0)" "$curl_sim_cpu"

  # DuckDB alone: the dumped trade pages -> one ZSTD Parquet file, on every core (the baseline)
  # and on one (what a single DuckDB thread, like polypipe's persister, can do).
  local sql base_out base_wall base_rows threads base_cpu base_cpu_1
  sql="COPY (SELECT unnest(data, recursive := true) FROM read_json('$dir/dump/data/v2/trades/*.json')) TO '$dir/baseline.parquet' (FORMAT PARQUET, COMPRESSION ZSTD)"
  for threads in "$(nproc)" 1; do
    base_out=$(timeout 900 /usr/bin/time -o "$dir/time" -f '%U %S' \
      "$build/bench/duckdb_baseline" --threads "$threads" "$sql" 2>&1) || {
      echo "  duckdb_baseline failed: $base_out"
      return 1
    }
    base_cpu=$(awk '{ print $1 + $2 }' "$dir/time")
    ((threads != 1)) || base_cpu_1=$base_cpu
    base_rows=$(echo "$base_out" | awk 'NR == 1 { print $3 }')
    printf "  DuckDB alone, %s thread(s) (read_json -> COPY ZSTD Parquet): %'d rows in %s s = " \
      "$threads" "$base_rows" "$(echo "$base_out" | awk '/^total/ { print $2 }')"
    printf "%s trades/s, %s CPU s, Parquet %s MB\n" \
      "$(calc "$base_rows / $(echo "$base_out" | awk '/^total/ { print $2 }')" 0)" "$base_cpu" \
      "$(calc "$(stat -c %s "$dir/baseline.parquet") / 1e6")"
    # The baseline is DuckDB on every core.
    [ -n "${base_wall:-}" ] || base_wall=$(echo "$base_out" | awk '/^total/ { print $2 }')
  done
  local ratio
  ratio=$(calc "$t_seconds / $base_wall" 2)
  printf "  polypipe / DuckDB wall time = %.1f / %s = %s (target <= 1.5)\n" "$t_seconds" \
    "$base_wall" "$ratio"
  printf "  polypipe / curl-alone wall time = %s\n" "$(calc "$t_seconds / $curl_wall" 2)"
  # CPU seconds are the fair measure on a shared machine: polypipe's user + system time against
  # that of DuckDB alone on one thread (its least CPU; on more threads it spends more).
  local cpu_verdict
  cpu_verdict=$(meets "$t_cpu" '<=' "$base_cpu_1")
  printf "  CPU seconds: polypipe %s, DuckDB alone (1 thread) %s: polypipe <= DuckDB %s\n" \
    "$t_cpu" "$base_cpu_1" "$cpu_verdict"

  figure "throughput: trades/s (limits off, ~2M trades)" "$(calc "$t_rows / $t_seconds" 0)" "" ""
  figure "throughput: JSON received MB/s" "$(calc "$t_json / $t_seconds / 1e6")" "" ""
  figure "throughput: Parquet written MB/s" "$(calc "$t_parquet / $t_seconds / 1e6" 2)" "" ""
  figure "throughput: polypipe / DuckDB-alone wall time" "$ratio" "<= 1.5" \
    "$(meets "$ratio" '<=' 1.5)"
  figure "throughput: CPU s, polypipe / DuckDB-alone (1 thread)" "$t_cpu / $base_cpu_1" \
    "polypipe <=" "$cpu_verdict"
  if [ "$(meets "$ratio" '<=' 1.5)" = MISSED ]; then
    local floor
    floor=$(calc "($t_cpu + $t_sim_cpu) / $(nproc)")
    explain "polypipe/DuckDB $ratio: polypipe's busiest thread (#$t_busiest_index, the" \
      "trades persister: Parquet through one DuckDB thread) ran $t_busiest_share% of the run" \
      "($t_busiest_cpu CPU s); polypipe used $t_cpu CPU s and polysim $t_sim_cpu, so on $(nproc)" \
      "cores the run cannot beat $floor s, against $base_wall s for DuckDB alone. polysim is" \
      "not the limit: curl alone fetched every page in $curl_wall s."
  fi
  figure "throughput: curl-alone (polysim serving) trades/s" \
    "$(calc "$t_rows / $curl_wall" 0)" "" ""
  figure "requests per 1,000 trades (bound $(calc "1000 * $bound / $t_rows" 3))" "$per_k" "" ""
  figure "requests per market (bound $(calc "$bound / $t_markets" 3))" "$per_market" "" ""
  rm -rf "$dir"

  # The same fetch with gzip, as the real services send it: what compressing (polysim) and
  # decompressing (polypipe) cost when both share this machine's cores.
  echo "  the same fetch with gzip (the real services' transport):"
  make_dir
  start_sim "$dir" "${universe[@]}" || return 1
  trades_run "$dir" throughput-2m-gzip >"$dir/gzip.txt" || return 1
  stop_sim
  grep -E "trades run|CPU seconds" "$dir/gzip.txt"
  figure "throughput with gzip: polypipe / DuckDB-alone wall time" \
    "$(calc "$t_seconds / $base_wall" 2)" "" ""
  rm -rf "$dir"
}

memory_case() {
  echo "== memory: peak RSS of fetch --mode trades, limits off"
  local dir universe truth
  if [ -z "${rss_2m:-}" ]; then
    make_dir
    read -r -a universe <<<"$(throughput_universe 1)"
    start_sim "$dir" "${universe[@]}" || return 1
    printf "  universe: %s -> %'d trades\n" "${universe[*]}" "$(sim_truth trades)"
    trades_run "$dir" memory-2m || return 1
    stop_sim
    rss_2m=$t_rss rss_2m_rows=$t_rows
    rm -rf "$dir"
  fi
  make_dir
  read -r -a universe <<<"$(throughput_universe 4)"
  start_sim "$dir" "${universe[@]}" || return 1
  truth=$(sim_truth trades)
  printf "  universe: %s -> %'d trades (polysim truth)\n" "${universe[*]}" "$truth"
  trades_run "$dir" memory-8m || return 1
  stop_sim
  rm -rf "$dir"
  local a b spread rate_8m
  rate_8m=$(calc "$t_rows / $t_seconds" 0)
  a=$(calc "$rss_2m / 1048576") b=$(calc "$t_rss / 1048576")
  spread=$(calc "100 * ($t_rss - $rss_2m) / $rss_2m")
  printf "  peak RSS: %s MB for %'d trades, %s MB for %'d trades (%s%% apart)\n" "$a" \
    "$rss_2m_rows" "$b" "$t_rows" "$spread"
  # What the memory is made of: the same 2M-trade run with a trades queue of 10,000 rows instead
  # of the configured default (the sink holds at most two queues' worth of rows: one batch being
  # written, one filling).
  local small
  make_dir
  read -r -a universe <<<"$(throughput_universe 1)"
  start_sim "$dir" "${universe[@]}" || return 1
  echo "  -- the same ~2M run with queues.trades = 10000 (default config: 75000)"
  trades_run "$dir" memory-2m-queue10k queue trades 10000 || return 1
  stop_sim
  rm -rf "$dir"
  small=$(calc "$t_rss / 1048576")
  figure "throughput: trades/s (limits off, ~8M trades)" "$rate_8m" "" ""
  if [ "$(meets "$a" '<' 300)" = MISSED ] || [ "$(meets "$b" '<' 300)" = MISSED ]; then
    explain "peak RSS $a MB (2M) and $b MB (8M): it follows the trades queue, not the trade" \
      "count. The sink holds at most two batches of queues.trades rows (default 75,000); with" \
      "10,000 the same 2M run peaks at $small MB, i.e." \
      "$(calc "($rss_2m - $t_rss) / 1024 / 30000" 1) KB per buffered row."
  fi
  figure "memory: peak RSS, ~2M trades (MB)" "$a" "< 300" "$(meets "$a" '<' 300)"
  figure "memory: peak RSS, ~8M trades (MB)" "$b" "< 300" "$(meets "$b" '<' 300)"
  figure "memory: 8M vs 2M peak RSS" "$spread%" "within 10%" \
    "$(meets "sqrt(($spread) * ($spread))" '<=' 10)"
  figure "memory: peak RSS, ~2M trades, queues.trades=10000 (MB)" "$small" "< 300" \
    "$(meets "$small" '<' 300)"
}

# --- silver: load-silver against DuckDB's own INSERT of the same Parquet files ---------------

# silver_load DIR LABEL: times `load-silver` of DIR/data into DIR/silver.duckdb; sets sl_seconds
# (wall), sl_rows (Bronze rows it loaded, from its summary line), sl_cpu (user + system seconds)
# and sl_rss (peak KB; both 0 when /usr/bin/time is missing).
silver_load() {
  local dir=$1 label=$2 start
  local -a timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e %U %S %M" -o "$dir/time-$label")
  start=$(date +%s.%N)
  "${timer[@]}" "$polypipe" load-silver --bronze "$dir/data" --silver "$dir/silver.duckdb" \
    >"$dir/load-$label.log" 2>&1 || {
    echo "  load-silver ($label) failed:"
    tail -5 "$dir/load-$label.log" | sed 's/^/    /'
    return 1
  }
  sl_seconds=$(calc "$(date +%s.%N) - $start" 2)
  sl_rows=$(sed -n 's/.*committed: [0-9,]* files, \([0-9,]*\) Bronze rows.*/\1/p' \
    "$dir/load-$label.log" | tr -d ,)
  sed 's/^/    /' "$dir/load-$label.log"
  sl_rss=$(awk '{ print $4 }' "$dir/time-$label" 2>/dev/null || echo 0)
  sl_cpu=$(awk '{ print $2 + $3 }' "$dir/time-$label" 2>/dev/null || echo 0)
}

silver_case() {
  echo "== silver: load-silver of ~5M trades against plain DuckDB, then one new day"
  local dir universe files plain_seconds day_rows ratio
  make_dir
  # ~5.2M trades over 30 days at scale 1: 10 markets of 425k trades and 5,000 ordinary ones.
  universe=(--seed 7 --markets "$(calc "5000 * $scale" 0)" --mean-trades 200
    --heavy-markets 10 --heavy-trades "$(calc "425000 * $scale" 0)" --history-days 30)
  start_sim "$dir" "${universe[@]}" || return 1
  printf "  universe: %s -> %'d trades (polysim truth)\n" "${universe[*]}" "$(sim_truth trades)"
  write_config "$dir/config.json"
  fetch "$dir" trades || return 1
  files=$(find "$dir/data/trades" -path '*/dt=*' -name '*.parquet' | wc -l)
  local trades
  trades=$(sim_truth trades)
  printf "  Bronze: %'d trades in %'d files (fetched in %.1f s, not counted)\n" \
    "$trades" "$files" "$pp_wall"

  # The yardstick: DuckDB alone, same files, same kind of database file, same machine and run;
  # the better of two runs (a busy machine only slows a run down).
  local glob="$dir/data/trades/dt=*/*.parquet" attempt plain_cpu
  plain_seconds=""
  for attempt in 1 2; do
    echo "  -- plain DuckDB ($attempt/2): INSERT INTO trades SELECT * FROM read_parquet(<the same files>)"
    rm -f "$dir/plain.duckdb" "$dir/plain.duckdb.wal"
    local -a ptimer=()
    [ -x /usr/bin/time ] && ptimer=(/usr/bin/time -f "%e %U %S %M" -o "$dir/plain.time")
    "${ptimer[@]}" "$build/bench/duckdb_baseline" \
      "ATTACH '$dir/plain.duckdb' AS plain" \
      "CREATE TABLE plain.trades AS SELECT * FROM read_parquet('$glob') LIMIT 0" \
      "INSERT INTO plain.trades SELECT * FROM read_parquet('$glob')" \
      "DETACH plain" >"$dir/plain.log" 2>&1 || {
      echo "  duckdb_baseline failed:"
      sed 's/^/    /' "$dir/plain.log"
      return 1
    }
    sed 's/^/    /' "$dir/plain.log"
    local seconds cpu
    seconds=$(awk '/^total/ { print $2 }' "$dir/plain.log")
    cpu=$(awk '{ print $2 + $3 }' "$dir/plain.time" 2>/dev/null || echo 0)
    echo "    CPU (user + system): $cpu s"
    if [ -z "$plain_seconds" ] || [ "$(meets "$seconds" '<' "$plain_seconds")" = met ]; then
      plain_seconds=$seconds plain_cpu=$cpu
    fi
  done
  rm -f "$dir/plain.duckdb"

  echo "  -- polypipe load-silver (Silver star schema, dedupe, surrogate keys, Gold views)"
  silver_load "$dir" full || return 1
  # Rows/s count the trades (the market list load-silver also reads is ~0.1% more rows).
  local full_seconds=$sl_seconds full_rows=$trades full_rss=$sl_rss
  ratio=$(calc "$full_seconds / $plain_seconds" 2)
  printf "  load-silver: %'d trades in %s s = %'d rows/s (peak RSS %s MB); " "$full_rows" \
    "$full_seconds" "$(calc "$full_rows / $full_seconds" 0)" "$(calc "$full_rss / 1024" 0)"
  printf "plain INSERT: %s s = %'d rows/s; ratio %s\n" "$plain_seconds" \
    "$(calc "$full_rows / $plain_seconds" 0)" "$ratio"
  printf "  CPU seconds (user + system): load-silver %s, plain INSERT %s\n" "$sl_cpu" "$plain_cpu"
  "$polypipe" check --silver "$dir/silver.duckdb" | tail -1 | sed 's/^/  /'

  # One more day: the clock moves 24 hours, the fetch adds that day's trades, the load adds them.
  echo "  -- one new day after the 30 loaded"
  curl -fsS -d '' "http://127.0.0.1:$sim_port/__sim/advance?seconds=86400" >/dev/null
  fetch "$dir" trades || return 1
  silver_load "$dir" day || return 1
  day_rows=$sl_rows
  printf "  incremental: %'d rows in %s s (%'d rows/s); the 30 days: %'d rows in %s s\n" \
    "$day_rows" "$sl_seconds" "$(calc "$day_rows / $sl_seconds" 0)" "$full_rows" "$full_seconds"
  stop_sim
  rm -rf "$dir"

  figure "silver: load-silver rows/s (~5M trades, 30 days)" \
    "$(calc "$full_rows / $full_seconds" 0)" "" ""
  figure "silver: plain DuckDB INSERT of the same files, rows/s" \
    "$(calc "$full_rows / $plain_seconds" 0)" "" ""
  figure "silver: load-silver peak RSS, ~5M trades (MB)" "$(calc "$full_rss / 1024" 0)" "" ""
  figure "silver: load-silver time / plain INSERT time" "$ratio" "<= 1.5" \
    "$(meets "$ratio" '<=' 1.5)"
  figure "silver: full load of 30 days (s)" "$full_seconds" "" ""
  figure "silver: incremental load of 1 new day (s, $(printf "%'d" "$day_rows") rows)" \
    "$sl_seconds" "" ""
  if [ "$(meets "$ratio" '<=' 1.5)" = MISSED ]; then
    explain "load-silver took $full_seconds s against $plain_seconds s for DuckDB's plain" \
      "INSERT of the same files (ratio $ratio, target 1.5); see bench/out/silver.txt."
  fi
}

soak_case() {
  echo "== soak: ${soak_seconds} s of fetch --mode all against polysim with every fault on and its" \
    "clock advancing, then load-silver and check"
  local dir
  make_dir
  python3 "$root/bench/soak.py" "$polypipe" "$polysim" "$build/bench/duckdb_baseline" "$dir" \
    "$soak_seconds" "$dir/soak.vars" || return 1
  eval "$(cat "$dir/soak.vars")"
  local duplicates=$((soak_trade_duplicates + soak_price_duplicates + soak_bronze_trade_duplicates))
  local lost=$((soak_trades_lost + soak_prices_lost))
  figure "soak: fetch runs / requests / faults injected / 429s" \
    "$soak_runs / $soak_requests / $soak_sim_faults / $soak_sim_rate_limited" "" ""
  figure "soak: duplicate trades + prices (Silver and Bronze)" "$duplicates" "0" \
    "$(meets "$duplicates" '==' 0)"
  figure "soak: trades + prices lost against the truth" "$lost" "0" "$(meets "$lost" '==' 0)"
  figure "soak: polypipe check exit code" "$soak_check_exit" "0" "$(meets "$soak_check_exit" '==' 0)"
  figure "soak: median peak RSS per run, first / last third (MB)" \
    "$soak_rss_first_mb / $soak_rss_last_mb" "not growing" \
    "$(meets "$soak_rss_last_mb" '<=' "$soak_rss_first_mb * 1.1")"
  figure "soak: highest peak RSS of a run (MB)" "$soak_rss_max_mb (run $soak_rss_max_run)" "" ""
}

# run_case NAME FUNCTION: runs a case in this shell (so that the trap knows what it started), its
# output shown and kept in bench/out/NAME.txt; a failed case is reported and the next one runs.
run_case() {
  wants "$1" || return 0
  local fd tee_pid
  exec {fd}> >(tee "$out/$1.txt")
  tee_pid=$!
  "$2" >&"$fd" 2>&1 || {
    echo "  the $1 case failed" >&"$fd"
    figure "$1" "failed" "" "MISSED"
  }
  exec {fd}>&-
  wait "$tee_pid" 2>/dev/null || true
}

# shellcheck source=bench/silver_scale.sh
source "$root/bench/silver_scale.sh"
# shellcheck source=bench/fetch_scale.sh
source "$root/bench/fetch_scale.sh"

run_case sim sim_cases
echo "load average before the fetcher cases: $(cut -d' ' -f1-3 /proc/loadavg)"
run_case saturation saturation_cases
run_case throughput throughput_case
run_case memory memory_case
run_case silver silver_case
run_case soak soak_case
run_case fetch_scale fetch_scale_case
run_case silver_scale silver_scale_case

if [ -s "$summary" ]; then
  echo "== summary (bench/out/summary.txt)"
  printf "  %-58s %18s  %-14s %s\n" figure value target verdict
  cat "$summary"
fi
if [ -s "$notes" ]; then
  echo "== targets missed: what the measurements say (bench/out/notes.txt)"
  fold -s -w 100 "$notes" | sed 's/^\([^ ]\)/    \1/'
fi
