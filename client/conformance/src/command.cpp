// `nanosim check` as a library call: the program only parses its flags into a CheckCommand.
#include <fstream>
#include <ostream>
#include <stdexcept>

#include "nanosim/conformance/conformance.hpp"

namespace nanosim::conformance {
namespace {

void write_report(const std::string& path, const std::string& content) {
  if (path.empty()) return;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  if (!file) throw std::invalid_argument("cannot write " + path);
}

}  // namespace

int check_command(const CheckCommand& command, std::ostream& out) {
  std::vector<Report> reports;
  if (!command.recorded.empty()) {
    reports = check_recorded(command.recorded);
    for (Report& report : reports) {
      std::erase_if(report.rules, [&](const RuleResult& rule) {
        return !selected(rule.id, command.options.only, command.options.skip);
      });
    }
  } else {
    if (command.options.provider.empty()) throw std::invalid_argument("--provider is required (or --recorded DIR)");
    if (command.options.base_url.empty()) throw std::invalid_argument("--base-url is required (or --recorded DIR)");
    reports.push_back(run_check(command.options));
  }
  print_table(reports, out);
  write_report(command.junit_file, to_junit(reports));
  write_report(command.json_file, to_json(reports).dump(2) + "\n");
  return all_passed(reports) ? 0 : 1;
}

}  // namespace nanosim::conformance
