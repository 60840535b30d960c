#!/usr/bin/env bash
# Configures and builds one CMake preset (default: dev); extra arguments go to `cmake --build` (e.g. --target nanosim).
# Idempotent: reuses the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
shift || true
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "$@" -- -j"$(nproc)"
