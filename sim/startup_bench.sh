#!/usr/bin/env bash
# startup_bench.sh POLYSIM [FLAGS...]: starts polysim on a free loopback port with FLAGS, waits
# until it answers /__sim/health, and prints one line: the seconds from launch to the first
# answer, polysim's own "ready in" figure, and its peak RSS (VmHWM) then. Stops it afterwards.
#
#   sim/startup_bench.sh build/polysim --markets 1500000 --mean-trades 2 --heavy-markets 0
#   -> startup 1.07 s (polysim: ready in 1.02 s), peak RSS 235448 kB: --markets 1500000 ...
set -euo pipefail

polysim=$1
shift
dir=$(mktemp -d)
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

start=$(date +%s.%N)
"$polysim" --port 0 --port-file "$dir/port" "$@" >"$dir/log" 2>&1 &
pid=$!
until [ -s "$dir/port" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "polysim exited before listening: $(tail -3 "$dir/log")" >&2
    exit 1
  fi
  sleep 0.01
done
until curl -fsS "http://127.0.0.1:$(cat "$dir/port")/__sim/health" >/dev/null 2>&1; do
  sleep 0.01
done
end=$(date +%s.%N)
peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
ready=$(sed -n 's/^polysim ready in \([0-9.]*\) s.*/\1/p' "$dir/log")
printf 'startup %.2f s (polysim: ready in %s s), peak RSS %s kB: %s\n' \
  "$(echo "$end - $start" | bc)" "${ready:-?}" "$peak" "$*"
