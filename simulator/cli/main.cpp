// The `nanosim` program: serve | contracts | scenarios. Each subcommand is in its own file (serve.cpp,
// contracts_cmd.cpp, scenarios_cmd.cpp); this one parses the command line (CLI11) and reports usage errors.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace nanosim::cli {

long long parse_number(const std::string& flag, const std::string& text, long long min, long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < min || value > max) {
    throw UsageError(flag + ": expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                     ", got '" + text + "'");
  }
  return value;
}

namespace {

void print_help(const CLI::App& app, std::ostream& out) { out << banner << "\n\n" << app.help(); }

/// The program's command line: the subcommands, --version, --config (TOML or INI, sections per subcommand).
void define(CLI::App& app, Action& action) {
  app.set_version_flag("--version", std::string("nanosim ") + NANOSIM_VERSION);
  app.set_config("--config", "", "Read flags from a TOML or INI file ([serve] section: port = 8080)")
      ->type_name("FILE (Env:NANOSIM_CONFIG)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.allow_extras();  // reported below as "unknown option", the program's own words
  app.require_subcommand(1);
  add_serve_command(app, action);
  add_contracts_command(app, action);
  add_scenarios_command(app, action);
  app.footer("Run `nanosim COMMAND --help` for a command's options. `nanosim` with no command prints this, exit 2.");
}

/// `nanosim help [COMMAND...]` reads as `nanosim [COMMAND...] --help`; NANOSIM_CONFIG=FILE as `--config FILE` when
/// the command line names none (CLI11 reads a config file before the environment, so the program does it).
std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "help") {
    args.erase(args.begin());
    args.emplace_back("--help");
  }
  const char* config = std::getenv("NANOSIM_CONFIG");
  const bool named = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return arg == "--config" || arg.rfind("--config=", 0) == 0;
  });
  if (config != nullptr && *config != '\0' && !named && !args.empty()) args.insert(args.begin(), {"--config", config});
  return args;
}

bool is_command(const CLI::App& app, const std::string& name) {
  const auto commands = app.get_subcommands([&](const CLI::App* command) { return command->check_name(name); });
  return !commands.empty();
}

int run(CLI::App& app, Action& action, std::vector<std::string> args) {
  if (!args.front().empty() && args.front().front() != '-' && !is_command(app, args.front())) {
    throw UsageError("unknown command " + args.front());
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  const std::vector<std::string> left = app.remaining(true);
  if (!left.empty()) {
    throw UsageError((left.front().rfind('-', 0) == 0 ? "unknown option " : "unexpected argument ") + left.front());
  }
  return action ? action() : 2;
}

}  // namespace
}  // namespace nanosim::cli

int main(int argc, char** argv) {
  using namespace nanosim::cli;
  CLI::App app("", "nanosim");
  Action action;
  define(app, action);
  const std::vector<std::string> args = arguments(argc, argv);
  if (args.empty()) {
    print_help(app, std::cout);
    return 2;
  }
  try {
    return run(app, action, args);
  } catch (const CLI::CallForHelp&) {
    print_help(app, std::cout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    print_help(app, std::cout);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return 0;
  } catch (const CLI::ConfigError& e) {
    std::cerr << "nanosim: --config: " << e.what() << "\n\n";
    print_help(app, std::cerr);
    return 2;
  } catch (const CLI::ParseError& e) {
    std::cerr << "nanosim: " << e.what() << "\n\n";
    print_help(app, std::cerr);
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "nanosim: " << e.what() << "\n\n";
    print_help(app, std::cerr);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nanosim: " << e.what() << "\n";
    return 1;
  }
}
