# The silver_scale case of bench/run.sh (sourced by it; `make bench-scale` runs only this case):
# load-silver at real scale under its memory limit.
#
#   1. bench/bronze_gen writes a Bronze directory of BENCH_SCALE_TRADES trades (default 100M), one
#      dt= day of BENCH_SCALE_DAY_TRADES (default 1M) per file, 4 files per commit record, with
#      the markets and tokens they trade.
#   2. Baseline: DuckDB alone (bench/duckdb_baseline) with the same memory_limit,
#      CREATE TABLE trades AS SELECT * FROM read_parquet(<the same files>) into a database file.
#   3. load-silver of everything into an empty Silver file: rows/s and peak RSS, which must stay
#      within BENCH_SCALE_MARGIN (default 10%) of the memory limit.
#   4. One new day of BENCH_SCALE_DAY_TRADES trades, loaded into that full Silver file and into a
#      Silver file holding only the markets and tokens: the two times must be within 20%.
#   5. `polypipe check` of the full Silver file: its time and peak RSS.
#
# Environment: BENCH_SCALE_TRADES, BENCH_SCALE_DAY_TRADES, BENCH_SCALE_MEMORY (the memory limit,
# default 1GB as in config/polypipe.json), BENCH_SCALE_MARGIN, BENCH_SCALE_BRONZE (a directory
# bronze_gen wrote before with the same sizes: used instead of writing one; the new day is added
# to it). The data (~13 GB of Parquet and ~10 GB of DuckDB files at 100M trades) goes under TMPDIR
# and is deleted at the end.
# shellcheck shell=bash disable=SC2154

# scale_timed LABEL COMMAND...: runs COMMAND under /usr/bin/time; sets st_seconds (wall),
# st_cpu (user + system) and st_rss_kb (peak). Its output goes to $dir/LABEL.log.
scale_timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/$label.time" "$@" >"$dir/$label.log" 2>&1 || {
    echo "  $label failed:"
    tail -5 "$dir/$label.log" | sed 's/^/    /'
    return 1
  }
  read -r st_seconds st_user st_sys st_rss_kb <"$dir/$label.time"
  st_cpu=$(calc "$st_user + $st_sys")
}

# The limit in bytes, as DuckDB reads it (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).
scale_limit_bytes() {
  python3 - "$1" <<'EOF'
import re, sys
m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", sys.argv[1])
units = {"": 1, "b": 1, "bytes": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
print(int(float(m.group(1)) * units[m.group(2).lower()]))
EOF
}

silver_scale_case() {
  local trades=${BENCH_SCALE_TRADES:-100000000} day_trades=${BENCH_SCALE_DAY_TRADES:-1000000}
  local limit=${BENCH_SCALE_MEMORY:-1GB} margin=${BENCH_SCALE_MARGIN:-10}
  local days=$((trades / day_trades)) gen="$build/bench/bronze_gen" dir limit_bytes
  limit_bytes=$(scale_limit_bytes "$limit")
  echo "== silver_scale: load-silver of $(printf "%'d" "$trades") trades with memory_limit" \
    "$limit, then one new day of $(printf "%'d" "$day_trades")"
  [ -x /usr/bin/time ] || {
    echo "  /usr/bin/time is needed for peak RSS"
    return 1
  }
  make_dir
  local full="$dir/full" empty="$dir/empty"

  if [ -n "${BENCH_SCALE_BRONZE:-}" ]; then
    # Written before by bronze_gen with these sizes; the new day is added to it.
    full=$BENCH_SCALE_BRONZE st_seconds="(earlier)"
  else
    scale_timed gen "$gen" "$full" --first-day 2025-01-01 --days "$days" --trades "$trades" \
      --file-rows "$day_trades" --files-per-commit 4 || return 1
  fi
  local files bytes
  files=$(find "$full/trades" -name '*.parquet' | wc -l)
  bytes=$(parquet_bytes "$full/trades")
  printf "  Bronze: %'d trades in %'d files of %'d rows, %s GB of Parquet, %d commit records" \
    "$trades" "$files" "$day_trades" "$(calc "$bytes / 1e9")" \
    "$(find "$full/trades/_log" -name '*.json' | wc -l)"
  printf " (written in %s s, not counted)\n" "$st_seconds"

  echo "  -- baseline: DuckDB alone, memory_limit $limit," \
    "CREATE TABLE trades AS SELECT * FROM read_parquet(<the same files>) into a database file"
  scale_timed baseline "$build/bench/duckdb_baseline" "SET memory_limit = '$limit'" \
    "SET temp_directory = '$dir/plain.tmp'" "SET preserve_insertion_order = false" \
    "ATTACH '$dir/plain.duckdb' AS plain" \
    "CREATE TABLE plain.trades AS SELECT * FROM read_parquet('$full/trades/dt=*/*.parquet')" \
    "DETACH plain" || return 1
  local base_seconds=$st_seconds base_cpu=$st_cpu base_rss=$st_rss_kb
  rm -rf "$dir/plain.duckdb" "$dir/plain.tmp"
  printf "  baseline: %s s = %'d rows/s; CPU %s s; peak RSS %s MB\n" "$base_seconds" \
    "$(calc "$trades / $base_seconds" 0)" "$base_cpu" "$(calc "$base_rss * 1024 / 1e6" 0)"

  echo "  -- load-silver into an empty Silver file (--memory-limit $limit)"
  scale_timed load "$polypipe" load-silver --bronze "$full" --silver "$dir/full.duckdb" \
    --memory-limit "$limit" || return 1
  sed 's/^/    /' "$dir/load.log" | grep -v '… ' || true
  local load_seconds=$st_seconds load_cpu=$st_cpu load_rss=$st_rss_kb
  local rss_mb limit_mb rss_pct
  rss_mb=$(calc "$load_rss * 1024 / 1e6" 0) limit_mb=$(calc "$limit_bytes / 1e6" 0)
  rss_pct=$(calc "100 * ($load_rss * 1024 - $limit_bytes) / $limit_bytes")
  printf "  load-silver: %'d trades in %s s = %'d rows/s; CPU %s s; peak RSS %s MB" \
    "$trades" "$load_seconds" "$(calc "$trades / $load_seconds" 0)" "$load_cpu" "$rss_mb"
  printf " (memory_limit %s MB, %s%% above it); %s x the baseline's time\n" "$limit_mb" \
    "$rss_pct" "$(calc "$load_seconds / $base_seconds" 2)"
  printf "  Silver file: %s GB\n" "$(calc "$(stat -c %s "$dir/full.duckdb") / 1e9")"

  echo "  -- one new day: into the full Silver file and into one holding only the dimensions"
  mkdir -p "$empty"
  cp -r "$full/markets" "$full/market_tokens" "$empty/"
  "$polypipe" load-silver --bronze "$empty" --silver "$dir/empty.duckdb" \
    --memory-limit "$limit" >"$dir/empty-dims.log" 2>&1 || {
    tail -3 "$dir/empty-dims.log"
    return 1
  }
  local day
  day=$(date -u -d "2025-01-01 + $days days" +%F)
  for target in "$full" "$empty"; do
    "$gen" "$target" --first-day "$day" --trades "$day_trades" --first-trade "$trades" \
      --file-rows "$day_trades" >/dev/null || return 1
  done
  scale_timed day-full "$polypipe" load-silver --bronze "$full" --silver "$dir/full.duckdb" \
    --memory-limit "$limit" || return 1
  local day_full=$st_seconds day_full_cpu=$st_cpu day_full_rss=$st_rss_kb
  scale_timed day-empty "$polypipe" load-silver --bronze "$empty" \
    --silver "$dir/empty.duckdb" --memory-limit "$limit" || return 1
  local day_empty=$st_seconds day_empty_cpu=$st_cpu
  local spread
  spread=$(calc "100 * ($day_full - $day_empty) / $day_empty")
  printf "  new day %s (%'d trades): into the full Silver %s s (CPU %s s, peak RSS %s MB)," \
    "$day" "$day_trades" "$day_full" "$day_full_cpu" "$(calc "$day_full_rss * 1024 / 1e6" 0)"
  printf " into the empty one %s s (CPU %s s): %s%%\n" "$day_empty" "$day_empty_cpu" "$spread"
  local check_seconds=""
  if scale_timed check "$polypipe" check --silver "$dir/full.duckdb"; then
    check_seconds=$st_seconds
    printf "  check of the full Silver file: %s s (CPU %s s, peak RSS %s MB): %s\n" "$st_seconds" \
      "$st_cpu" "$(calc "$st_rss_kb * 1024 / 1e6" 0)" "$(tail -1 "$dir/check.log")"
  fi
  rm -rf "$dir"

  local label
  label="silver_scale: $(calc "$trades / 1e6" 0)M trades"
  figure "$label, load-silver rows/s" "$(calc "$trades / $load_seconds" 0)" "" ""
  figure "$label, DuckDB-alone CREATE TABLE rows/s" "$(calc "$trades / $base_seconds" 0)" "" ""
  figure "$label, peak RSS (MB; memory_limit $limit_mb)" "$rss_mb" "<= +$margin%" \
    "$(meets "$rss_pct" '<=' "$margin")"
  figure "silver_scale: new day into full / empty Silver (s)" "$day_full / $day_empty" \
    "within 20%" "$(meets "sqrt(($spread) * ($spread))" '<=' 20)"
  figure "$label, check of the full Silver file (s)" "${check_seconds:-failed}" "" ""
  if [ "$(meets "$rss_pct" '<=' "$margin")" = MISSED ]; then
    explain "silver_scale: load-silver peaked at $rss_mb MB against a memory_limit of" \
      "$limit_mb MB; DuckDB alone peaked at $(calc "$base_rss * 1024 / 1e6" 0) MB under the" \
      "same limit (see bench/out/silver_scale.txt)."
  fi
}
