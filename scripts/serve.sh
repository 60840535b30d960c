#!/usr/bin/env bash
# One command: install what is needed, build, and run `nanosim serve` with the embedded defaults.
# Extra arguments go to `nanosim serve` (e.g. --port 0 --clock manual).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release --target nanosim
exec ./build/release/simulator/nanosim serve "$@"
