// The program's command line: help, version and usage errors, as a user meets them in a shell.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& arguments) {
  const std::string command = std::string(NANOSIM_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return Run{WEXITSTATUS(status), output};
}

}  // namespace

TEST_CASE("--help after a command prints the usage and exits 0, without starting anything", "[e2e][cli]") {
  const std::string command = GENERATE(as<std::string>{}, "serve --help", "serve --port 0 -h", "scenarios --help",
                                       "contracts -h", "--help");
  INFO(command);
  const Run result = run(command);
  CHECK(result.exit_code == 0);
  CHECK(result.output.rfind("nanosim: an offline simulator", 0) == 0);
  CHECK(result.output.find("listening") == std::string::npos);
}

TEST_CASE("An unknown option is a usage error naming the option, exit code 2", "[e2e][cli]") {
  const Run result = run("serve --bogus");
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("unknown option --bogus") != std::string::npos);
}
