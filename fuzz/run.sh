#!/usr/bin/env bash
# Runs fuzz targets built by `make fuzz` (POLYPIPE_FUZZ=ON in build-fuzz/), each for FUZZ_SECONDS.
#   fuzz/run.sh                  every target
#   fuzz/run.sh trades config    the named ones
# New inputs collect in build-fuzz/fuzz-corpus/<target>/ (the checked-in seeds of fuzz/corpus/ are
# read, never written); a crash leaves its input in build-fuzz/fuzz-artifacts/<target>/. Turn each
# into a regression test: fix it, copy the input to fuzz/regressions/<target>/, and `make test`
# replays it. Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for seeds in fuzz/corpus/*/; do targets+=("$(basename "$seeds")"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzz"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (make fuzz builds it)" >&2
    exit 2
  fi
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  inputs=("$work" "fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && inputs+=("fuzz/regressions/$t")
  start=$(date +%s)
  log="$build/fuzz-$t.log"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb bounds memory on a small machine.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict=fuzz/json.dict \
      -artifact_prefix="$artifacts/" -print_final_stats=1 "${inputs[@]}" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz: $t ok: ${runs:-?} inputs in $(( $(date +%s) - start ))s, $cov, corpus $(ls "$work" | wc -l)"
  else
    echo "fuzz: $t FAILED after $(( $(date +%s) - start ))s; log $log, inputs:" >&2
    ls "$artifacts" >&2 || true
    grep -m 20 -E 'ERROR|runtime error|invariant|==[0-9]+==' "$log" >&2 || tail -20 "$log" >&2
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
