// The program's command line: help, version and usage errors, as a user meets them in a shell.
#include <catch2/catch.hpp>

#include <string>

#include "serve_process.hpp"

using nanosim::e2e::ProgramRun;
using nanosim::e2e::run_program;

TEST_CASE("--help after a command prints the usage and exits 0, without starting anything", "[e2e][cli]") {
  const std::string command = GENERATE(as<std::string>{}, "serve --help", "serve --port 0 -h", "scenarios --help",
                                       "contracts -h", "--help");
  INFO(command);
  const ProgramRun result = run_program(command);
  CHECK(result.exit_code == 0);
  CHECK(result.output.rfind("nanosim: an offline simulator", 0) == 0);
  CHECK(result.output.find("listening") == std::string::npos);
}

TEST_CASE("An unknown option is a usage error naming the option, exit code 2", "[e2e][cli]") {
  const ProgramRun result = run_program("serve --bogus");
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("unknown option --bogus") != std::string::npos);
}
