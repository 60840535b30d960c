// `nanosim contracts list | export ID [--openapi]`.
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "nanosim/contracts/contract.hpp"

namespace nanosim::cli {
namespace {

int list_contracts() {
  for (const auto* contract : contracts::all()) {
    std::cout << contract->id() << "  " << contract->documented_base_url() << "\n";
  }
  return 0;
}

int export_contract(const std::string& id, bool openapi) {
  const auto* contract = contracts::find(id);
  if (contract == nullptr) throw UsageError("no contract named " + id);
  std::cout << (openapi ? contracts::to_openapi(*contract) : contract->document()).dump(2) << "\n";
  return 0;
}

}  // namespace

void add_contracts_command(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand("contracts", "The embedded provider contracts (the default: list)");
  command->require_subcommand(0, 1);
  command->callback([&action] {
    if (!action) action = list_contracts;  // `nanosim contracts` alone lists
  });
  command->add_subcommand("list", "Print each contract's id and documented base URL")->callback([&action] {
    action = list_contracts;
  });

  struct ExportFlags {
    std::string id;
    bool openapi = false;
  };
  auto flags = std::make_shared<ExportFlags>();
  CLI::App* exporter = command->add_subcommand("export", "Print one contract as JSON, or its OpenAPI 3.1 form");
  exporter->add_option("ID", flags->id, "The provider id (nanosim contracts list)")->required();
  exporter->add_flag("--openapi", flags->openapi, "Print the OpenAPI 3.1 document instead of the contract");
  exporter->callback([&action, flags] { action = [flags] { return export_contract(flags->id, flags->openapi); }; });
}

}  // namespace nanosim::cli
