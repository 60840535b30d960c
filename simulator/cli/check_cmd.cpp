// `nanosim check`: the conformance rules (nanosim::conformance) against a base URL, or a recording replayed.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"
#include "nanosim/conformance/conformance.hpp"

namespace nanosim::cli {
namespace {

struct CheckFlags {
  std::string provider;
  std::string base_url;
  std::string api_key;
  std::string junit;
  std::string json;
  std::string budget;
  std::vector<std::string> only;
  std::vector<std::string> skip;
  std::string timeout = "300";
  std::string model;
  std::string recorded;
};

conformance::CheckCommand to_command(const CheckFlags& flags) {
  conformance::CheckCommand command;
  conformance::CheckOptions& options = command.options;
  options.provider = flags.provider;
  options.base_url = flags.base_url;
  options.api_key = flags.api_key;
  if (!flags.budget.empty()) options.budget = static_cast<int>(parse_number("--budget", flags.budget, 0, 1'000'000));
  options.only = flags.only;
  options.skip = flags.skip;
  options.timeout = std::chrono::seconds(parse_number("--timeout", flags.timeout, 1, 86'400));
  options.model = flags.model;
  command.recorded = flags.recorded;
  command.junit_file = flags.junit;
  command.json_file = flags.json;
  if (command.recorded.empty() && (options.provider.empty() || options.base_url.empty())) {
    throw UsageError("check: --provider and --base-url are required (or --recorded DIR)");
  }
  return command;
}

int check(const conformance::CheckCommand& command) {
  try {
    return conformance::check_command(command, std::cout);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("check: ") + e.what());
  }
}

constexpr const char* check_footer = R"(Rules derived from the provider's contract, run through the reference client: free probes first (no key,
a rejected key, bodies the contract refuses, unknown ids, wrong methods), then, against nanosim only, the states a
live provider shows by chance (each catalog error, a failed job, an expired file; through a scenario), then the
rules that start generations, at most --budget of them (default: unlimited on loopback, 0 elsewhere).
Exit status: 0 when no rule failed, 1 when one did, 2 for a usage error.
--recorded DIR replays a recording of serve --proxy ... --record DIR (or fixtures/<id>/) against the contracts.)";

}  // namespace

void add_check_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* command = app.add_subcommand("check", "Check a provider (or nanosim, or a recording) against its contract");
  command->fallthrough();
  command->footer(check_footer);
  command->add_option("--provider", flags->provider, "The provider's id (nanosim contracts list)")->type_name("ID");
  command->add_option("--base-url", flags->base_url, "The provider's base URL (http://127.0.0.1:8080/odirouter)")->type_name("URL");
  command->add_option("--api-key", flags->api_key, "The key to send (nanosim takes any)")->type_name("KEY")->envname("NANOSIM_CHECK_API_KEY");
  command->add_option("--junit", flags->junit, "Write a JUnit XML report (one testcase per rule)")->type_name("FILE");
  command->add_option("--json", flags->json, "Write a JSON report")->type_name("FILE");
  command->add_option("--budget", flags->budget, "Generations the run may start")->type_name("N");
  command->add_option("--only", flags->only, "Run only these rules (an id, or a prefix ending in *; repeatable)")
      ->type_name("RULE")->allow_extra_args(false);
  command->add_option("--skip", flags->skip, "Skip these rules (repeatable)")->type_name("RULE")->allow_extra_args(false);
  command->add_option("--timeout", flags->timeout, "Seconds a generation is waited for (default 300)")->type_name("S");
  command->add_option("--model", flags->model, "The model to generate with (default: the contract's first)")->type_name("ID");
  command->add_option("--recorded", flags->recorded, "Replay a recording offline instead")->type_name("DIR");
  command->callback([&action, flags] {
    action = [parsed = to_command(*flags)] { return check(parsed); };
  });
}

}  // namespace nanosim::cli
