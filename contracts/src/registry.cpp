// The embedded contracts. Each is parsed once per process, on first use (function-local statics: thread-safe
// initialisation, immutable afterwards); each schema compiles when first used (Schema), so the first Simulator of a
// process is ready in milliseconds. The embedded files are build artefacts: the test suite checks each against
// contract.schema.json and its cross-references (check_contract_document: "every embedded contract passes
// contract.schema.json"), so loading checks only what it relies on (valid JSON, the id matching the file name).
// A contract that fails those is a build gone wrong: loading throws std::runtime_error naming the file, and every
// later call throws again.
#include <algorithm>
#include <memory>
#include <stdexcept>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/json_limits.hpp"

namespace nanosim::contracts {
namespace embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& contract_files();
}  // namespace embedded

namespace {

constexpr std::string_view kProvidersDir = "providers/";

/// Embedded contracts pass the same gate as every other JSON text (nanosim/json_limits.hpp), with room for big files.
constexpr JsonLimits kContractLimits{8u << 20, JsonLimits{}.max_depth};

json parse_embedded(std::string_view path, std::string_view text) {
  BoundedJson document = parse_bounded_json(text, kContractLimits, "contracts/" + std::string(path));
  if (document.refusal) throw std::runtime_error(document.refusal->message);
  return std::move(document.value);
}

json load_embedded(std::string_view path) {
  for (const auto& [name, text] : embedded::contract_files()) {
    if (name == path) return parse_embedded(name, text);
  }
  throw std::runtime_error("contracts/" + std::string(path) + " is not embedded");
}

std::string describe(std::string_view file, const std::vector<Violation>& violations) {
  std::string text = "contracts/" + std::string(file) + " is broken:";
  for (const auto& v : violations) text += "\n  " + to_string(v);
  return text;
}

json load_image_sizes() {
  json table = load_embedded("shared/image-sizes.json");
  const Schema format(json{{"$ref", "#/definitions/image_size_table"}}, "image-sizes",
                      contract_format_schema().at("definitions"));
  if (auto violations = format.validate(table); !violations.empty()) {
    throw std::runtime_error(describe("shared/image-sizes.json", violations));
  }
  return table;
}

struct Registry {
  std::vector<std::unique_ptr<Contract>> owned;
  std::vector<const Contract*> contracts;  // in id order (file names are ids; the embedded list is sorted below)
};

Registry load_registry() {
  Registry registry;
  for (const auto& [path, text] : embedded::contract_files()) {
    if (!path.starts_with(kProvidersDir) || !path.ends_with(".json")) continue;
    json document = parse_embedded(path, text);
    const std::string stem(path.substr(kProvidersDir.size(), path.size() - kProvidersDir.size() - 5));
    if (document.at("id") != stem) {
      throw std::runtime_error("contracts/" + std::string(path) + " is broken:\n  id: must be \"" + stem +
                               "\", the file's name (got " + document.at("id").dump() + ")");
    }
    registry.owned.push_back(std::make_unique<Contract>(std::move(document)));
  }
  std::sort(registry.owned.begin(), registry.owned.end(),
            [](const auto& a, const auto& b) { return a->id() < b->id(); });
  for (const auto& contract : registry.owned) registry.contracts.push_back(contract.get());
  return registry;
}

}  // namespace

const json& contract_format_schema() {
  static const json schema = load_embedded("contract.schema.json");
  return schema;
}

const json& image_size_table() {
  static const json table = load_image_sizes();
  return table;
}

std::optional<std::pair<int, int>> image_dimensions(std::string_view upstream_model, std::string_view aspect_ratio,
                                                    std::string_view size_tier) {
  const json& models = image_size_table().at("models");
  auto model = models.find(std::string(upstream_model));
  if (model == models.end()) return std::nullopt;
  const json& dimensions = model->at("dimensions");
  auto ratio = dimensions.find(std::string(aspect_ratio));
  if (ratio == dimensions.end()) return std::nullopt;
  auto cell = ratio->find(std::string(size_tier));
  if (cell == ratio->end()) return std::nullopt;
  const std::string text = cell->get<std::string>();  // "WIDTHxHEIGHT", checked by the table's format
  const std::size_t x = text.find('x');
  return std::pair{std::stoi(text.substr(0, x)), std::stoi(text.substr(x + 1))};
}

const std::vector<const Contract*>& all() {
  static const Registry registry = load_registry();
  return registry.contracts;
}

const Contract* find(std::string_view provider_id) {
  for (const Contract* contract : all()) {
    if (contract->id() == provider_id) return contract;
  }
  return nullptr;
}

const Contract& get(std::string_view provider_id) {
  if (const Contract* contract = find(provider_id)) return *contract;
  throw std::out_of_range("no contract for provider \"" + std::string(provider_id) + "\"");
}

}  // namespace nanosim::contracts
