// The program's command line: help, version and usage errors, as a user meets them in a shell.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "serve_process.hpp"

using nanosim::e2e::ProgramRun;
using nanosim::e2e::run_program;
using nanosim::e2e::run_program_with_env;

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

TEST_CASE("Each command's --help describes that command and its own options", "[e2e][cli]") {
  const ProgramRun serve = run_program("serve --help");
  CHECK(serve.output.find("Usage: nanosim serve") != std::string::npos);
  CHECK(serve.output.find("--time-scale") != std::string::npos);
  const ProgramRun exporter = run_program("contracts export --help");
  CHECK(exporter.exit_code == 0);
  CHECK(exporter.output.find("Usage: nanosim contracts export") != std::string::npos);
  CHECK(exporter.output.find("--openapi") != std::string::npos);
  CHECK(exporter.output.find("--time-scale") == std::string::npos);
  const ProgramRun help = run_program("help scenarios");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("Usage: nanosim scenarios") != std::string::npos);
}

TEST_CASE("No command prints the usage with exit code 2, and --version the version", "[e2e][cli]") {
  const ProgramRun bare = run_program("");
  CHECK(bare.exit_code == 2);
  CHECK(bare.output.find("serve") != std::string::npos);
  const ProgramRun version = run_program("--version");
  CHECK(version.exit_code == 0);
  CHECK(version.output.rfind("nanosim ", 0) == 0);
}

TEST_CASE("A flag takes its value as --flag=value or --flag value, and a bad value is a usage error", "[e2e][cli]") {
  const std::string form = GENERATE(as<std::string>{}, "--port=99999", "--port 99999");
  const ProgramRun result = run_program("serve " + form);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("--port: expected an integer in 0..65535, got '99999'") != std::string::npos);
}

TEST_CASE("serve takes a flag from NANOSIM_ environment variables, and the command line wins", "[e2e][cli]") {
  const ProgramRun from_env = run_program_with_env("NANOSIM_CLOCK=sundial", "serve --port=0");
  CHECK(from_env.exit_code == 2);
  CHECK(from_env.output.find("--clock: expected real or manual, got 'sundial'") != std::string::npos);
  const ProgramRun overridden = run_program_with_env("NANOSIM_CLOCK=sundial", "serve --port=0 --clock=lunar");
  CHECK(overridden.output.find("got 'lunar'") != std::string::npos);
}

TEST_CASE("serve reads flags from a --config file section and refuses a key it does not know", "[e2e][cli]") {
  const std::string path = "/tmp/nanosim-config-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "[serve]\nport = 0\nworkers = 0\n";
  const ProgramRun bad_value = run_program("serve --config " + path);
  CHECK(bad_value.exit_code == 2);
  CHECK(bad_value.output.find("--workers: expected an integer in 1..100000, got '0'") != std::string::npos);
  // The file is read before --clock: a run that ignored it would stop at the clock, never serve.
  const ProgramRun from_env = run_program_with_env("NANOSIM_CONFIG=" + path, "serve --clock=bogus");
  CHECK(from_env.output.find("--workers: expected an integer") != std::string::npos);
  std::ofstream(path) << "[serve]\nprot = 0\n";
  const ProgramRun typo = run_program("serve --config=" + path);
  std::remove(path.c_str());
  CHECK(typo.exit_code == 2);
  CHECK(typo.output.find("prot") != std::string::npos);
}

TEST_CASE("serve started with environment and config file values uses them", "[e2e][cli]") {
  const std::string path = "/tmp/nanosim-config-ok-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "[serve]\nseed = 77\nprovider = [\"gemini\", \"toapis\"]\n";
  ::setenv("NANOSIM_CLOCK", "manual", 1);
  nanosim::e2e::ServeProcess serve({"--config", path});
  ::unsetenv("NANOSIM_CLOCK");
  std::remove(path.c_str());
  CHECK(serve.banner().find("clock manual, seed 77") != std::string::npos);
  CHECK(serve.banner().find("toapis  http://") != std::string::npos);
  CHECK(serve.banner().find("odirouter") == std::string::npos);
}
