# The two commands a newcomer runs: `make demo` and `make test`.
# Both first install what is missing (scripts/deps), then build with CMake presets.

PORT ?= 8080
HOST ?= 127.0.0.1
DATA ?= var/demo
PRESET ?= dev
JOBS ?= $(shell nproc)

.PHONY: all build demo test bench fuzz format clean

all: build

build:
	scripts/deps build
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

demo:
	scripts/deps demo
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	scripts/demo build/release/sunbid $(DATA) $(PORT) $(HOST)

# The dev build runs every test (unit, integration, browser); then the ASan
# build runs the unit and integration tests again.
test:
	scripts/deps test
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev -j $(JOBS)
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS) -LE browser

bench:
	scripts/deps bench
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	bench/run build/release

fuzz:
	scripts/deps test
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	fuzz/run build/fuzz 30

format:
	clang-format -i $$(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 'fuzz/*.[ch]' 'bench/*.[ch]')

clean:
	rm -rf build
