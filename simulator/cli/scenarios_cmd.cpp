// `nanosim scenarios list | show NAME|FILE | check NAME|FILE`.
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim::cli {
namespace {

int list_scenarios() {
  for (const std::string& name : scenario_catalog()) {
    std::cout << name << "  " << catalog_scenario(name)->description << "\n";
  }
  return 0;
}

/// show: the scenario's JSON; check: one line saying it is valid. A broken one: the error, exit 1.
int show_or_check(const std::string& name_or_file, bool show) {
  Scenario scenario;
  try {
    scenario = load_scenario(name_or_file);
  } catch (const ScenarioError& e) {
    std::cerr << "nanosim: " << e.what() << "\n";
    return 1;
  }
  if (show) std::cout << scenario.document.dump(2) << "\n";
  else std::cout << scenario.name << ": " << scenario.rules.size() << " rule(s), valid\n";
  return 0;
}

void add_scenario_reader(CLI::App& parent, Action& action, const std::string& name, const std::string& help,
                         bool show) {
  auto target = std::make_shared<std::string>();
  CLI::App* command = parent.add_subcommand(name, help);
  command->add_option("NAME|FILE", *target, "A catalog name (nanosim scenarios list) or a JSON file")->required();
  command->callback([&action, target, show] { action = [target, show] { return show_or_check(*target, show); }; });
}

}  // namespace

void add_scenarios_command(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand("scenarios", "The failure scenario catalog (the default: list)");
  command->require_subcommand(0, 1);
  command->callback([&action] {
    if (!action) action = list_scenarios;  // `nanosim scenarios` alone lists
  });
  command->add_subcommand("list", "Print each catalog scenario with its description")->callback([&action] {
    action = list_scenarios;
  });
  add_scenario_reader(*command, action, "show", "Print a scenario (catalog name or file) as JSON", true);
  add_scenario_reader(*command, action, "check", "Validate a scenario file against the scenario format", false);
  command->footer(
      "A scenario reproduces a provider incident on demand: serve --scenario NAME|FILE, at run time\n"
      "GET/POST /__nanosim/scenarios, DELETE /__nanosim/scenarios/NAME, or per request the header\n"
      "X-Nanosim-Scenario: NAME. Checks of client behaviour: GET /__nanosim/verify?check=NAME.");
}

}  // namespace nanosim::cli
