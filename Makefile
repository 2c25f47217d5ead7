# renkei - the two set-up commands, and a few conveniences.
#   make run    install missing packages, build a release binary, create and serve the demo node
#   make test   install missing packages, build with ASan + UBSan and run every test with CTest
SHELL := /bin/bash
JOBS ?= $(shell nproc)
DEMO ?= var/demo
FUZZ_TIME ?= 60

.PHONY: run test build release asan fuzz bench clean format

run: release
	@scripts/demo.sh build/release/renkei $(DEMO)

release:
	@scripts/deps.sh build
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/release -j $(JOBS) --target renkei

build: release

asan:
	@scripts/deps.sh test
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DRK_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)

test: asan
	@cd build/asan && ctest --output-on-failure -j $(JOBS)
	@scripts/complexity

# Fuzz every target for FUZZ_TIME seconds each with libFuzzer (clang), growing the corpora.
fuzz:
	@scripts/deps.sh test
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DRK_FUZZ=ON -DRK_SANITIZE=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@scripts/fuzz.sh build/fuzz $(FUZZ_TIME)

bench: release
	@scripts/deps.sh bench
	@cmake --build build/release -j $(JOBS)
	@bench/run-all.sh build/release

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf build
