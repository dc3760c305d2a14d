# pilotlight — the commands a developer or operator types.
#
#   make          build ./build/pilotlight
#   make demo     install dependencies, build, seed demo data, serve it
#   make test     install dependencies, build with ASan+UBSan, run every test
#   make bench    benchmarks (bench/*.sh), figures and ratios
#   make fmt      clang-format the C sources
#   make fuzz     run every fuzz target longer (FUZZ_SECONDS, default 300)
#   make clean    remove build outputs (never data or demo-data)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_QUIET = -DCMAKE_RULE_MESSAGES=OFF --log-level=WARNING
FUZZ_SECONDS ?= 300
C_SOURCES = $(shell git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null)

.PHONY: all build build-test demo test bench fmt fuzz clean bootstrap

all: build

bootstrap:
	@scripts/bootstrap

build:
	@cmake -S . -B build $(CMAKE_QUIET) >/dev/null
	@cmake --build build -j $(JOBS) -- --no-print-directory

demo: bootstrap build
	./build/pilotlight demo

build-test:
	@CC=clang cmake -S . -B build-test -DPL_SANITIZE=ON -DPL_FUZZ=ON \
	    -DCMAKE_BUILD_TYPE=Debug $(CMAKE_QUIET) >/dev/null
	@cmake --build build-test -j $(JOBS) -- --no-print-directory

test: bootstrap
	@$(MAKE) --no-print-directory build-test
	@cd build-test && ctest --output-on-failure -j $(JOBS)

bench: bootstrap
	@cmake -S . -B build-bench -DPL_BENCH=ON $(CMAKE_QUIET) >/dev/null
	@cmake --build build-bench -j $(JOBS) -- --no-print-directory
	@for b in bench/*.sh; do echo "== $$b"; PILOTLIGHT_BIN=$(CURDIR)/build-bench/pilotlight bash $$b || exit 1; done

fmt:
	@clang-format -i $(C_SOURCES)

fuzz: bootstrap
	@$(MAKE) --no-print-directory build-test
	@for f in build-test/fuzz_*; do \
	    name=$$(basename $$f); mkdir -p build-test/corpus/$$name; \
	    echo "== $$name ($(FUZZ_SECONDS) s)"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        build-test/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

clean:
	rm -rf build build-test build-bench
