#!/usr/bin/env bash
# One command: install what is needed, build the program, and run `nanosim serve` with the embedded defaults.
# Extra arguments go to `nanosim serve` (e.g. --port 0 --clock manual).
# Builds only the program: it reuses the tree ./scripts/test.sh built (build/dev) when there is one, else builds an
# optimised one without the tests (build/release), as a unity build (16 sources compiled as one: the heavy headers
# are parsed and their templates compiled a few times rather than once per source). It installs only the packages
# serving needs (setup.sh --serve): no test framework, no clang, no Node or npm package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --serve >&2
if [[ -f build/dev/CMakeCache.txt ]]; then
  preset=dev
else
  preset=release
  [[ -f build/release/CMakeCache.txt ]] || cmake --preset release -DNANOSIM_BUILD_TESTS=OFF -DNANOSIM_BUILD_BENCH=OFF \
                                              -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
fi
cmake --build --preset "$preset" --target nanosim -- -j"$(nproc)" >&2
exec "./build/$preset/simulator/nanosim" serve "$@"
