# The fetch_scale case of bench/run.sh (sourced by it; `make bench-scale` runs it before
# silver_scale): the fetcher against a universe of real size, every limit off.
#
# For each size N in BENCH_SCALE_MARKETS (default "10000 100000 1500000"), in one data directory:
#   1. polysim --markets N --mean-trades 2 --heavy-markets 0 --no-gzip --rate-mode off: its
#      start-up (from its own "ready in" line) and its RSS then.
#   2. fetch --mode markets, gamma, prices, trades, with every polypipe limit off (write_config):
#      wall and CPU seconds, requests (the run report, all routes), rows, seconds to the first
#      request polysim sees (bench/first_request.py), peak RSS (/usr/bin/time) against 200 MB.
#      Prices plan every token of the universe that has a start date, then fetch windows until
#      --timeout BENCH_SCALE_PRICE_SECONDS (default 60, counted from the run's start, so planning
#      is inside it): a bounded slice of the windows. (Markets without a start date wait for a
#      second pass, after the first, which the timeout leaves out.) Then prices once more, after
#      the trades, whose feed states its planning joins too.
#   3. The start-up of a resumed run: fetch --mode trades again (it resumes the run the timeout
#      stopped); no trade is new, but open markets are polled again, so what is timed is the start
#      to its first request (its wall and peak RSS beside it).
#   4. polypipe status: wall and peak RSS; the data directory's size (du).
# Then a long commit log: bench/log_gen writes a trades dataset of BENCH_SCALE_LOG_STREAMS
# (default 1500000) stream states over BENCH_SCALE_LOG_RECORDS (default 100000) commits (see
# log_gen.cc for how); opening it as a fetch does (Store::Open, then every stream read once) and
# `polypipe status` on it must each take <= 5 s and <= 200 MB.
#
# Environment: BENCH_SCALE_MARKETS, BENCH_SCALE_PRICE_SECONDS, BENCH_SCALE_LOG_RECORDS,
# BENCH_SCALE_LOG_STREAMS, BENCH_SCALE_FETCH_TIMEOUT (seconds before a fetch is stopped as failed,
# default 3600). At 1.5M markets the case takes about half an hour and a few GB under TMPDIR,
# deleted at the end. MB here are MiB, as in the memory case.
# shellcheck shell=bash disable=SC2154,SC2034

fs_rss_target=200 # MB, peak RSS of every fetch, of status and of opening the Store
fs_seconds_target=5

# fs_label N: 10000 -> 10k, 1500000 -> 1.5M.
fs_label() {
  awk -v n="$1" 'BEGIN {
    if (n >= 1e6) { s = sprintf("%.1f", n / 1e6); sub(/\.0$/, "", s); print s "M" }
    else if (n >= 1e3) { s = sprintf("%.1f", n / 1e3); sub(/\.0$/, "", s); print s "k" }
    else print n }'
}

# fs_fetch LABEL MODE [FLAGS...]: one `polypipe fetch` into $dir/data against polysim, every limit
# off. Sets fs_wall, fs_cpu, fs_rss (MB), fs_first (seconds to polysim's first request; empty
# when none came) and the run report's r_* figures summed over routes and datasets.
fs_fetch() {
  local label=$1 mode=$2
  shift 2
  local base="http://127.0.0.1:$sim_port"
  python3 "$root/bench/first_request.py" "$base" "$dir/$label.log" "$dir/$label.vars" -- \
    /usr/bin/time -f "%e %U %S %M" -o "$dir/$label.time" \
    timeout --kill-after=30 "${BENCH_SCALE_FETCH_TIMEOUT:-3600}" \
    "$polypipe" fetch --mode "$mode" --config "$dir/config.json" --data-dir "$dir/data" \
    --data-api "$base/data" --clob-api "$base/clob" --gamma-api "$base/gamma" "$@" || return 1
  eval "$(cat "$dir/$label.vars")"
  fs_first=$fr_first
  if ((fr_exit != 0)); then
    echo "  polypipe fetch --mode $mode failed (exit $fr_exit); the end of its log:"
    tail -5 "$dir/$label.log" | sed 's/^/    /'
    return 1
  fi
  fs_read_time "$dir/$label.time"
  # The report of this run: the newest by time (a resumed run rewrites its run's report).
  report=$(find "$dir/data/_runs" -maxdepth 1 -name '[0-9]*.json' -printf '%T@ %p\n' |
    sort -n | tail -1 | cut -d' ' -f2-)
  read_report '*' '*'
}

# fs_row SIZE WHAT: one row of the case's table from the last fs_fetch (or fs_timed_status).
fs_format="  %-6s %-16s %8s %8s %10s %12s %9s %9s  %s\n"
fs_row() {
  # shellcheck disable=SC2059  # the format is the table's, kept in one place
  printf "$fs_format" "$1" "$2" "$fs_wall" "$fs_cpu" \
    "$(printf "%'d" "${r_requests:-0}")" "$(printf "%'d" "${r_rows:-0}")" "${fs_first:--}" \
    "$fs_rss" "$(meets "$fs_rss" '<=' "$fs_rss_target")"
}
fs_header() {
  # shellcheck disable=SC2059
  printf "$fs_format" size run "wall s" "CPU s" requests rows \
    "1st req s" "RSS MB" "<= $fs_rss_target MB"
}

# fs_status DATA LABEL: `polypipe status` on DATA under /usr/bin/time; sets fs_wall, fs_cpu, fs_rss.
fs_status() {
  /usr/bin/time -f "%e %U %S %M" -o "$dir/$2.time" "$polypipe" status --data-dir "$1" \
    >"$dir/$2.log" 2>&1 || {
    echo "  polypipe status failed:"
    tail -3 "$dir/$2.log" | sed 's/^/    /'
    return 1
  }
  fs_read_time "$dir/$2.time"
}

# fs_read_time FILE: /usr/bin/time's "%e %U %S %M" in FILE as fs_wall, fs_cpu (user + system) and
# fs_rss (MB).
fs_read_time() {
  local user sys kb
  read -r fs_wall user sys kb <"$1"
  fs_cpu=$(calc "$user + $sys")
  fs_rss=$(calc "$kb / 1024")
}

# fs_prices LABEL SIZE ROW SECONDS: fs_fetch of prices with --timeout SECONDS and its table row; a
# failed run is reported (summary, notes) and the case goes on.
fs_prices() {
  if fs_fetch "$1" prices --timeout "$4" >"$dir/$1.out"; then
    fs_row "$2" "$3"
    return 0
  fi
  sed 's/^/  /' "$dir/$1.out"
  rm -f "$dir/$1.time" # no peak RSS figure for a failed run
  figure "fetch_scale $2: $3" "failed" "" "MISSED"
  explain "fetch_scale $2: fetch --mode prices ($3) failed:" \
    "$(grep -m1 'polypipe fetch:' "$dir/$1.log" | cut -c1-200)"
  return 1
}

# fs_size N: every step at one universe size; adds its figures to the summary.
fs_size() {
  local n=$1 dir size mode sim_start sim_ready sim_rss
  size=$(fs_label "$n")
  make_dir
  write_config "$dir/config.json"
  sim_start=$(date +%s.%N)
  start_sim "$dir" --markets "$n" --mean-trades 2 --heavy-markets 0 --no-gzip --rate-mode off ||
    return 1
  sim_start=$(calc "$(date +%s.%N) - $sim_start" 2)
  sim_ready=$(sed -n 's/^polysim ready in \([0-9.]*\) s.*/\1/p' "$dir/polysim.log")
  sim_rss=$(calc "$(awk '/VmHWM/ { print $2 }' "/proc/$sim_pid/status") / 1024")
  echo "  -- $size markets: polysim ready in ${sim_ready:-?} s (${sim_start} s to its port file)," \
    "peak RSS $sim_rss MB"
  figure "fetch_scale $size: polysim start-up (s)" "${sim_ready:-?}" "" ""

  fs_header
  local tokens=0 price_seconds=${BENCH_SCALE_PRICE_SECONDS:-60}
  fs_fetch markets markets || return 1
  fs_row "$size" markets
  tokens=$(python3 "$root/bench/run_report.py" "$report" '*' market_tokens |
    sed -n 's/^r_rows=//p')
  fs_fetch gamma gamma || return 1
  fs_row "$size" gamma
  # Prices before the trades: every dated token planned, then windows until the timeout.
  local planned=0 left_out=0 price_state=failed
  if fs_prices prices "$size" "prices (${price_seconds} s)" "$price_seconds"; then
    planned=$r_streams_planned left_out=$r_left_out price_state=$r_state
  fi
  fs_fetch trades trades || return 1
  fs_row "$size" trades
  for mode in markets gamma prices trades; do
    [ -s "$dir/$mode.time" ] || continue
    local rss
    rss=$(awk 'END { printf "%.1f", $4 / 1024 }' "$dir/$mode.time")
    figure "fetch_scale $size: fetch --mode $mode peak RSS (MB)" "$rss" "<= $fs_rss_target" \
      "$(meets "$rss" '<=' "$fs_rss_target")"
  done
  # Prices again, now that the trades are committed: planning joins their feed states too.
  if fs_prices prices-after "$size" "prices after trades" "$price_seconds"; then
    figure "fetch_scale $size: prices after trades peak RSS (MB)" "$fs_rss" \
      "<= $fs_rss_target" "$(meets "$fs_rss" '<=' "$fs_rss_target")"
  fi

  # Nothing new: the run resumes the one the timeout stopped (or starts one) and polls the open
  # markets again.
  fs_fetch resumed trades || return 1
  fs_row "$size" "trades, resumed"
  local resumed_first=${fs_first:-$fs_wall} resumed_what="to its first request"
  [ -n "$fs_first" ] || resumed_what="in all (it sent no request)"
  figure "fetch_scale $size: resumed trades run, start-up (s)" "$resumed_first" \
    "<= $fs_seconds_target" "$(meets "$resumed_first" '<=' "$fs_seconds_target")"
  figure "fetch_scale $size: resumed trades run peak RSS (MB)" "$fs_rss" "<= $fs_rss_target" \
    "$(meets "$fs_rss" '<=' "$fs_rss_target")"

  fs_status "$dir/data" status || return 1
  r_requests=0 r_rows=0 fs_first=""
  fs_row "$size" status
  figure "fetch_scale $size: status wall (s)" "$fs_wall" "<= $fs_seconds_target" \
    "$(meets "$fs_wall" '<=' "$fs_seconds_target")"
  figure "fetch_scale $size: status peak RSS (MB)" "$fs_rss" "<= $fs_rss_target" \
    "$(meets "$fs_rss" '<=' "$fs_rss_target")"
  local bytes
  bytes=$(du -sb "$dir/data" | cut -f1)
  printf "  prices: %'d of the %'d listed tokens planned (%'d left out; the rest wait for the" \
    "$planned" "$tokens" "$left_out"
  printf " pass after the trades, which --timeout cuts off), run %s\n" "$price_state"
  printf "  resumed trades run: %s s %s\n" "$resumed_first" "$resumed_what"
  printf "  data dir: %s MB (du)\n" "$(calc "$bytes / 1048576")"
  sed -n '/^dataset/,$p' "$dir/status.log" | sed 's/^/    /'
  figure "fetch_scale $size: data dir (MB)" "$(calc "$bytes / 1048576")" "" ""
  figure "fetch_scale $size: prices, tokens planned / listed" "$planned / $tokens" "" ""
  stop_sim
  rm -rf "$dir"
}

# fs_log: the long commit log of log_gen.cc, opened as a fetch opens it and read by `status`.
fs_log() {
  local records=${BENCH_SCALE_LOG_RECORDS:-100000} streams=${BENCH_SCALE_LOG_STREAMS:-1500000} dir
  echo "  -- a commit log of $(printf "%'d" "$records") commits and $(printf "%'d" "$streams")" \
    "streams (bench/log_gen)"
  make_dir
  scale_timed log-write "$build/bench/log_gen" write "$dir/log" --records "$records" \
    --streams "$streams" || return 1
  sed 's/^/    /' "$dir/log-write.log"
  printf "    %s records and %s checkpoint(s) in trades/_log, %s MB (du)\n" \
    "$(find "$dir/log/trades/_log" -name '[0-9]*[0-9].json' | wc -l)" \
    "$(find "$dir/log/trades/_log" -name '*.checkpoint.json' | wc -l)" \
    "$(calc "$(du -sb "$dir/log" | cut -f1) / 1048576")"
  scale_timed log-open "$build/bench/log_gen" open "$dir/log" || return 1
  eval "$(cat "$dir/log-open.log")"
  local open_rss open_seconds
  open_rss=$(calc "$st_rss_kb / 1024") open_seconds=$st_seconds
  printf "    Store::Open %s s, every stream read %s s (%'d streams, %'d commits, %'d files," \
    "$lg_open_seconds" "$lg_read_seconds" "$lg_streams" "$lg_commits" "$lg_files"
  printf " %'d streams after the newest checkpoint): %s s in all, CPU %s s, peak RSS %s MB\n" \
    "$lg_pending" "$open_seconds" "$st_cpu" "$open_rss"
  fs_status "$dir/log" log-status || return 1
  printf "    polypipe status: %s s, CPU %s s, peak RSS %s MB\n" "$fs_wall" "$fs_cpu" "$fs_rss"
  local label
  label="fetch_scale log $(fs_label "$streams") streams/$(fs_label "$records") commits"
  figure "$label: open (s)" "$open_seconds" "<= $fs_seconds_target" \
    "$(meets "$open_seconds" '<=' "$fs_seconds_target")"
  figure "$label: open RSS (MB)" "$open_rss" "<= $fs_rss_target" \
    "$(meets "$open_rss" '<=' "$fs_rss_target")"
  figure "$label: status (s)" "$fs_wall" "<= $fs_seconds_target" \
    "$(meets "$fs_wall" '<=' "$fs_seconds_target")"
  figure "$label: status RSS (MB)" "$fs_rss" "<= $fs_rss_target" \
    "$(meets "$fs_rss" '<=' "$fs_rss_target")"
  rm -rf "$dir"
}

fetch_scale_case() {
  local sizes=${BENCH_SCALE_MARKETS:-10000 100000 1500000} n
  echo "== fetch_scale: fetch of markets, Gamma, trades and a slice of prices at" \
    "$sizes markets, limits off; then a long commit log"
  [ -x /usr/bin/time ] || {
    echo "  /usr/bin/time is needed for peak RSS"
    return 1
  }
  echo "  (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores, shared with polysim)"
  for n in $sizes; do
    fs_size "$n" || {
      stop_sim
      figure "fetch_scale $(fs_label "$n")" "failed" "" "MISSED"
    }
  done
  fs_log || figure "fetch_scale log" "failed" "" "MISSED"
}
