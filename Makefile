# Thin wrapper over CMake. `make` builds; see README.md for the other targets.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build bootstrap test demo run bench bench-scale format clean asan tsan fuzz

all: build

bootstrap:
	@scripts/bootstrap.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: bootstrap
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: bootstrap
	@$(MAKE) --no-print-directory build
	scripts/demo.sh sim

run: bootstrap
	@$(MAKE) --no-print-directory build
	scripts/demo.sh real

bench: bootstrap
	@$(MAKE) --no-print-directory build
	bench/run.sh

# Benchmarks at real scale (README.md, Benchmarks): long, and tens of GB under TMPDIR.
# BENCH_ONLY=fetch_scale or BENCH_ONLY=silver_scale runs one of the two.
bench-scale: bootstrap
	@$(MAKE) --no-print-directory build
	BENCH_ONLY="$${BENCH_ONLY:-fetch_scale silver_scale}" BUILD=$(BUILD) bench/run.sh

# Sanitizer builds with clang, each in its own folder (README.md, "Sanitizers and fuzzing").
# asan: every ctest test (unit, integration, end to end, fuzz replays) under ASan + UBSan.
# tsan: the tests where threads meet, under TSan: the Sink and its persister thread, the rate
#   limiters and throttle, the client's concurrent requests, the store, and the fetch end-to-end
#   runs (coordinator, worker pools, one Sink per dataset, feeds split while others run, compaction
#   beside the fetch).
SAN_CMAKE = CC=clang CXX=clang++ cmake -S . -G Ninja -DPOLYPIPE_JEMALLOC=OFF
SAN_OPTIONS = tests/sanitizers
# Under ASan the binary runs several times slower: a test that signals the fetch after a fixed
# 1.2 s may find nothing fetched yet, so it stays in `make test` only.
ASAN_EXCLUDE ?= ^FetchCrashTest\.SigintStopsCleanlyAndTheRerunCompletes$$
TSAN_TESTS ?= ^(SinkTest|RateLimiter|Throttle|Client|Store|StoreRecovery|FetchE2E|FetchFidelity)\.
TSAN_TARGETS ?= http_test bronze_test fetch_e2e_test
FUZZ_SECONDS ?= 60

asan: bootstrap
	$(SAN_CMAKE) -B build-asan -DPOLYPIPE_SANITIZE=address
	cmake --build build-asan -j $(JOBS)
	cd build-asan && \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/$(SAN_OPTIONS)/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 1200 -E '$(ASAN_EXCLUDE)'

tsan: bootstrap
	$(SAN_CMAKE) -B build-tsan -DPOLYPIPE_SANITIZE=thread
	cmake --build build-tsan -j $(JOBS) --target $(TSAN_TARGETS)
	cd build-tsan && \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/$(SAN_OPTIONS)/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) --timeout 1200 -R '$(TSAN_TESTS)'

# libFuzzer targets (fuzz/), each run for FUZZ_SECONDS.
fuzz: bootstrap
	$(SAN_CMAKE) -B build-fuzz -DPOLYPIPE_SANITIZE=address -DPOLYPIPE_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	FUZZ_BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD)
