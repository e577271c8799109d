# Thin wrapper over CMake. `make` builds; see README.md for the other targets.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build bootstrap test demo run bench format clean

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

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD)
