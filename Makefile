# Thin wrapper over CMake presets; the build itself lives in CMakeLists.txt.
# make demo  - install deps, release build, run the orchestrator and a local agent
# make test  - install deps, ASan+UBSan build, every test through ctest

JOBS ?= $(shell nproc)
DEMO_LISTEN ?= 127.0.0.1:8080

.PHONY: all deps build release asan test demo bench format clean

all: release

deps:
	@scripts/install-deps.sh

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)

build: release

test: asan
	ctest --preset asan -j $(JOBS)

demo: release
	scripts/demo.sh build/release $(DEMO_LISTEN)

bench: release
	scripts/bench.sh build/release

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
