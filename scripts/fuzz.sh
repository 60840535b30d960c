#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, -fsanitize=fuzzer,address,undefined) and runs each from its
# seed corpus (tests/fuzz/corpus/<target>/) and every crash found so far (tests/fuzz/regressions/<target>/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   explore: each target for a time (default: $NANOSIM_FUZZ_SECONDS
#                                                      or 50 s), from a random seed, growing build/fuzz/corpus/<target>/
#   scripts/fuzz.sh --smoke [TARGET...]                CI: each target for a fixed number of inputs from seed 1 and the
#                                                      checked-in corpus only, so the same commit always runs the same
#                                                      inputs and a run fails only when the code changed
#
# Targets: handle (Simulator::handle: every provider's routes, the admin API, files), scenario (the scenario
# loader), multipart (the multipart/form-data reader), inline_image (data: URIs, base64, image decoding), plain_get
# (the HTTP skin's own reading of a plain GET and its answer).
# A crash, sanitizer report, leak or slow input fails the script; the input is left in build/fuzz/artifacts/<target>/.
# Replay it with build/fuzz/tests/fuzz/fuzz_<target> FILE, fix the bug, and copy the file into
# tests/fuzz/regressions/<target>/ under a name that says what it broke: ctest replays it in every build from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0
if [ "${1:-}" = "--smoke" ]; then
  smoke=1
  shift
else
  seconds="${1:-${NANOSIM_FUZZ_SECONDS:-50}}"
  shift || true
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(handle scenario multipart inline_image plain_get)

build_targets=()
for target in "${targets[@]}"; do build_targets+=("fuzz_${target}"); done
bash scripts/build.sh fuzz --target "${build_targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Inputs per target in a smoke run: about 30 s each on a 2-core machine (the handle target runs up to eight requests
# per input through the whole simulator; the others are single parsers).
declare -A smoke_runs=([handle]=2500 [scenario]=100000 [multipart]=600000 [inline_image]=1200000 [plain_get]=600000)
failed=()
for target in "${targets[@]}"; do
  if [ "$smoke" = 1 ]; then
    work="build/fuzz/smoke/${target}"
    rm -rf "$work"
    budget=(-seed=1 -runs="${smoke_runs[$target]:-10000}")
    what="${smoke_runs[$target]:-10000} inputs from seed 1"
  else
    work="build/fuzz/corpus/${target}"
    budget=(-max_total_time="$seconds")
    what="${seconds} s"
  fi
  artifacts="build/fuzz/artifacts/${target}/"
  mkdir -p "$work" "$artifacts" "tests/fuzz/regressions/${target}"
  echo "== fuzz ${target}: ${what}"
  start=$(date +%s)
  # -timeout: one input (up to eight requests, sanitizers on, a busy machine) may take at most 30 s; -rss_limit_mb:
  # the run stays within 2 GB.
  if ! "build/fuzz/tests/fuzz/fuzz_${target}" "${budget[@]}" -timeout=30 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts" \
      "$work" "tests/fuzz/corpus/${target}" "tests/fuzz/regressions/${target}" 2>"build/fuzz/${target}.log"; then
    tail -n 60 "build/fuzz/${target}.log"
    failed+=("$target")
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added|^Done" "build/fuzz/${target}.log" || true
  echo "== fuzz ${target}: $(( $(date +%s) - start )) s"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a crash in: ${failed[*]} (inputs in build/fuzz/artifacts/; see the comment at the top of $0)" >&2
  exit 1
fi
