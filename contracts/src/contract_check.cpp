// check_contract_document: contract.schema.json first, then the cross-references a JSON Schema cannot
// express (references resolve, error kinds exist, path templates parse, patterns compile, schemas compile).
#include <algorithm>
#include <regex>
#include <set>

#include "contract_impl.hpp"
#include "schema_explain.hpp"

namespace nanosim::contracts {
namespace {

std::string join(const std::string& parent, const std::string& key) { return parent.empty() ? key : parent + "." + key; }

void violation(std::vector<Violation>& out, std::string field, std::string rule, const std::string& sentence) {
  std::string message = field + ": " + sentence;
  out.push_back({std::move(field), std::move(rule), std::move(message)});
}

/// Every "$ref" resolves and every "pattern" (and patternProperties key) is a valid regex, anywhere in the document.
void check_references_and_patterns(const json& root, const json& node, const std::string& path,
                                   std::vector<Violation>& out) {
  if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) check_references_and_patterns(root, node.at(i), path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    const std::string field = join(path, key);
    if (key == "$ref" && value.is_string() && !detail::resolve_ref(root, node)) {
      violation(out, field, "$ref", "does not resolve (" + value.get<std::string>() + ")");
    }
    std::vector<std::string> patterns;
    if (key == "pattern" && value.is_string()) patterns.push_back(value.get<std::string>());
    if (key == "patternProperties" && value.is_object()) {
      for (const auto& [pattern, unused] : value.items()) patterns.push_back(pattern);
    }
    for (const auto& pattern : patterns) {
      try {
        std::regex compiled(pattern);
      } catch (const std::regex_error& e) {
        violation(out, field, "pattern", "is not a valid regular expression (" + pattern + ")");
      }
    }
    check_references_and_patterns(root, value, field, out);
  }
}

void check_error_kind(const json& document, const json& kind, const std::string& field, std::vector<Violation>& out) {
  if (kind.is_string() && !document.at("errors").contains(kind.get<std::string>())) {
    violation(out, field, "error_kind", "names no entry of errors (" + kind.get<std::string>() + ")");
  }
}

void check_error_kinds(const json& document, std::vector<Violation>& out) {
  check_error_kind(document, document.at("auth").at("missing"), "auth.missing", out);
  check_error_kind(document, document.at("auth").at("invalid"), "auth.invalid", out);
  for (const auto& [name, kind] : document.at("failure_kinds").items()) {
    if (kind.contains("error")) check_error_kind(document, kind.at("error"), "failure_kinds." + name + ".error", out);
    const json by_operation = kind.value("error_by_operation", json::object());
    for (const auto& [op, error] : by_operation.items()) {
      const std::string field = "failure_kinds." + name + ".error_by_operation." + op;
      if (!document.at("operations").contains(op)) violation(out, field, "operation", "names no operation (" + op + ")");
      check_error_kind(document, error, field, out);
    }
  }
  for (const auto& [name, op] : document.at("operations").items()) {
    const std::string base = "operations." + name;
    if (op.contains("errors")) {
      for (std::size_t i = 0; i < op.at("errors").size(); ++i) {
        check_error_kind(document, op.at("errors").at(i), base + ".errors[" + std::to_string(i) + "]", out);
      }
    }
    if (op.contains("unsupported")) {
      for (std::size_t i = 0; i < op.at("unsupported").size(); ++i) {
        check_error_kind(document, op.at("unsupported").at(i).at("error"),
                         base + ".unsupported[" + std::to_string(i) + "].error", out);
      }
    }
    if (op.contains("synchronous")) {
      if (op.at("synchronous").contains("timeout_error")) {
        check_error_kind(document, op.at("synchronous").at("timeout_error"), base + ".synchronous.timeout_error", out);
      }
    }
  }
  if (document.contains("files")) check_error_kind(document, json("file_expired"), "files", out);
}

void check_operation_paths(const json& document, std::vector<Violation>& out) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [name, op] : document.at("operations").items()) {
    const std::string base = "operations." + name;
    const std::string method = op.at("method").get<std::string>();
    const std::string path = op.at("path").get<std::string>();
    if (!seen.emplace(method, path).second) violation(out, base + ".path", "unique", "repeats " + method + " " + path);
    try {
      detail::RouteTemplate route(path);
      const auto& names = route.parameter_names();
      auto in_template = [&](const std::string& param) { return std::find(names.begin(), names.end(), param) != names.end(); };
      if (op.contains("path_params")) {
        for (const auto& [param, unused] : op.at("path_params").items()) {
          if (!in_template(param)) violation(out, base + ".path_params." + param, "path", "is not a parameter of " + path);
        }
      }
      if (op.contains("model_param") && op.at("model_param").at("in") == "path" &&
          !in_template(op.at("model_param").at("name").get<std::string>())) {
        violation(out, base + ".model_param.name", "path", "is not a parameter of " + path);
      }
    } catch (const std::invalid_argument& e) {
      violation(out, base + ".path", "path", e.what());
    }
    // Another path serving the operation: the same parameters, and no path twice.
    const json aliases = op.value("also_at", json::array());
    for (std::size_t i = 0; i < aliases.size(); ++i) {
      const std::string field = base + ".also_at[" + std::to_string(i) + "].path";
      const std::string alias = aliases.at(i).at("path").get<std::string>();
      if (!seen.emplace(method, alias).second) violation(out, field, "unique", "repeats " + method + " " + alias);
      try {
        auto names = detail::RouteTemplate(alias).parameter_names();
        auto own = detail::RouteTemplate(path).parameter_names();
        std::sort(names.begin(), names.end());
        std::sort(own.begin(), own.end());
        if (names != own) violation(out, field, "path", "must have the parameters of " + path);
      } catch (const std::invalid_argument& e) {
        violation(out, field, "path", e.what());
      }
    }
  }
}

void check_upstream_models(const json& document, std::vector<Violation>& out) {
  const json& table = image_size_table().at("models");
  for (const auto& [id, model] : document.at("models").items()) {
    const std::string upstream = model.at("upstream").get<std::string>();
    if (!table.contains(upstream)) {
      violation(out, "models." + id + ".upstream", "upstream", "is not in shared/image-sizes.json (" + upstream + ")");
    }
  }
}

const Schema& format_schema() {
  static const Schema schema(contract_format_schema(), "contract.schema.json");
  return schema;
}

}  // namespace

std::vector<Violation> check_contract_document(const json& document) {
  auto violations = format_schema().validate(document);
  if (!violations.empty()) return violations;  // the cross-checks below rely on the format's structure
  check_references_and_patterns(document, document, "", violations);
  check_error_kinds(document, violations);
  check_operation_paths(document, violations);
  check_upstream_models(document, violations);
  if (!violations.empty()) return violations;
  try {
    Contract compiled(document);
    compiled.compile_all();  // every schema compiles
  } catch (const std::exception& e) {
    violation(violations, "", "schema", e.what());
  }
  return violations;
}

}  // namespace nanosim::contracts
