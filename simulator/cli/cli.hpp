#pragma once
// The `nanosim` program's shared pieces: each subcommand lives in its own file and adds itself to the CLI11 app.

#include <functional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace nanosim::cli {

/// The first line of every help text.
inline constexpr const char* banner = "nanosim: an offline simulator of Nano Banana image-generation providers";

/// A command line the program cannot act on: printed with the command's help, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the program runs once the command line is parsed; a subcommand's parse callback sets it.
using Action = std::function<int()>;

/// `text` as an integer in min..max, else a UsageError naming `flag`.
long long parse_number(const std::string& flag, const std::string& text, long long min, long long max);

void add_serve_command(CLI::App& app, Action& action);
void add_contracts_command(CLI::App& app, Action& action);
void add_scenarios_command(CLI::App& app, Action& action);

}  // namespace nanosim::cli
