#!/usr/bin/env bash
# The test suite under sanitizers.
#
#   scripts/sanitize.sh asan    the whole suite (ctest) under AddressSanitizer + UndefinedBehaviorSanitizer, in the
#                               `fuzz` preset's clang build (the same build serves scripts/fuzz.sh)
#   scripts/sanitize.sh tsan    every concurrent test under ThreadSanitizer (the `tsan` preset, only the programs they
#                               need): tests/e2e (real servers and processes), the SDK checks (a real server), and every
#                               test whose name says it runs threads or a real clock (threads, concurrent, real clock)
#   scripts/sanitize.sh         both
#
# Any sanitizer report fails the test that caused it (halt_on_error), so the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"

# The concurrent tests, by ctest name. A new test that runs threads says so in its name, or lives in tests/e2e.
concurrent='^(e2e|sdk):|threads|[Cc]oncurrent|real clock'

run_asan() {
  bash scripts/build.sh fuzz
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --preset fuzz
}

run_tsan() {
  bash scripts/build.sh tsan --target nanosim nanosim_unit_tests nanosim_contract_tests nanosim_e2e_tests
  # tests/tsan.supp: reports inside libraries built without TSan (each entry says why); programs the tests start
  # inherit the options.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$(pwd)/tests/tsan.supp" \
    ctest --preset tsan -R "$concurrent"
}

case "$what" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan && run_tsan ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
