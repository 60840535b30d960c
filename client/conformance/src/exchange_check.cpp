// Checking one exchange against its contract: which operation it is, which rule it broke, where that rule lives
// in the contract (a JSON pointer) and where it comes from (its provenance).
#include <algorithm>
#include <cctype>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

using contracts::Contract;
using contracts::Violation;

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  for (const char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

/// "a.b[2]" -> {"a", "b", "2"}.
std::vector<std::string> field_segments(std::string_view field) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : field) {
    if (c == '.' || c == '[' || c == ']') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

const json& definitions_of(const Contract& contract) {
  static const json none = json::object();
  const auto it = contract.document().find("definitions");
  return it != contract.document().end() ? *it : none;
}

bool is_index(const std::string& segment) {
  return !segment.empty() && std::all_of(segment.begin(), segment.end(), [](unsigned char c) { return std::isdigit(c); });
}

const json* resolve(const json& definitions, const json* node) {
  for (int hops = 0; hops < 16 && node != nullptr && node->is_object() && node->contains("$ref"); ++hops) {
    const auto& ref = node->at("$ref");
    static constexpr std::string_view prefix = "#/definitions/";
    if (!ref.is_string() || ref.get<std::string>().rfind(prefix, 0) != 0) return node;
    const std::string name = ref.get<std::string>().substr(prefix.size());
    if (!definitions.is_object() || !definitions.contains(name)) return node;
    node = &definitions.at(name);
  }
  return node;
}

/// The subschema a property or an item of `node` is checked by, looking through allOf/anyOf/oneOf/if/then/else.
const json* child(const json& definitions, const json* node, const std::string& segment, int depth = 0) {
  if (node == nullptr || !node->is_object() || depth > 8) return nullptr;
  if (is_index(segment) && node->contains("items") && node->at("items").is_object()) return &node->at("items");
  if (const auto props = node->find("properties"); props != node->end() && props->is_object() && props->contains(segment)) {
    return &props->at(segment);
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (const auto list = node->find(key); list != node->end() && list->is_array()) {
      for (const json& branch : *list) {
        if (const json* found = child(definitions, resolve(definitions, &branch), segment, depth + 1)) return found;
      }
    }
  }
  for (const char* key : {"then", "else"}) {
    if (const auto branch = node->find(key); branch != node->end()) {
      if (const json* found = child(definitions, resolve(definitions, &*branch), segment, depth + 1)) return found;
    }
  }
  return nullptr;
}

json own_provenance(const json* node) {
  if (node != nullptr && node->is_object()) {
    if (const auto p = node->find("x-provenance"); p != node->end()) return *p;
    if (const auto p = node->find("provenance"); p != node->end()) return *p;
  }
  return nullptr;
}

json at_pointer(const json& document, const std::string& pointer) {
  try {
    return document.at(json::json_pointer(pointer));
  } catch (const std::exception&) {
    return nullptr;
  }
}

Breach breach_of(const Violation& v, std::string pointer, json provenance) {
  Breach b;
  b.rule = v.rule;
  b.contract_pointer = std::move(pointer);
  b.field_pointer = v.field.rfind("header ", 0) == 0 ? v.field : field_to_pointer(v.field);
  b.message = v.message;
  b.provenance = std::move(provenance);
  return b;
}

/// The catalog kinds of an operation (all of them when it lists none) answered at a status.
std::vector<std::string> kinds_at(const Contract& contract, const contracts::Operation& op, int status) {
  std::vector<std::string> out;
  std::vector<std::string> kinds;
  if (op.raw.contains("errors")) {
    kinds = op.raw.at("errors").get<std::vector<std::string>>();
  } else {
    for (const auto& [kind, unused] : contract.document().at("errors").items()) kinds.push_back(kind);
  }
  for (const std::string& kind : kinds) {
    if (contract.has_error(kind) && contract.error(kind).http_status == status) out.push_back(kind);
  }
  return out;
}

}  // namespace

std::string field_to_pointer(std::string_view field) {
  std::string out;
  for (const std::string& segment : field_segments(field)) out += "/" + escape_pointer_token(segment);
  return out;
}

json provenance_at(const Contract& contract, const json& schema, std::string_view field) {
  const json& definitions = definitions_of(contract);
  json best = own_provenance(&schema);
  const json* node = resolve(definitions, &schema);
  if (json p = own_provenance(node); !p.is_null() && best.is_null()) best = std::move(p);
  for (const std::string& segment : field_segments(field)) {
    const json* next = child(definitions, node, segment);
    if (next == nullptr) break;
    if (json p = own_provenance(next); !p.is_null()) best = std::move(p);
    node = resolve(definitions, next);
    if (json p = own_provenance(node); !p.is_null() && own_provenance(next).is_null()) best = std::move(p);
  }
  return best;
}

const json* schema_node_at(const Contract& contract, const json& schema, std::string_view field) {
  const json& definitions = definitions_of(contract);
  const json* node = resolve(definitions, &schema);
  for (const std::string& segment : field_segments(field)) {
    node = resolve(definitions, child(definitions, node, segment));
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::vector<Breach> check_response(const Contract& contract, const HttpRequest& request, const HttpResponse& response) {
  std::vector<Breach> out;
  const auto match = contract.match(request.method, request.path);
  if (!match) {
    for (const Violation& v : contract.validate_error_response(response)) {
      const json* entry = nullptr;
      for (const auto& [kind, value] : contract.document().at("errors").items()) {
        if (value.at("http_status") == response.status) {
          entry = &value;
          break;
        }
      }
      out.push_back(breach_of(v, "/errors", own_provenance(entry)));
    }
    return out;
  }
  const contracts::Operation& op = *match->operation;
  const auto violations = contract.validate_response(op, response);
  if (violations.empty()) return out;
  const std::string op_pointer = "/operations/" + escape_pointer_token(op.name);
  const std::string status = std::to_string(response.status);
  const json responses = op.raw.value("responses", json::object());
  if (responses.contains(status)) {
    const json& schema = responses.at(status).at("schema");
    for (const Violation& v : violations) {
      json provenance = provenance_at(contract, schema, v.field);
      if (provenance.is_null()) provenance = op.raw.value("provenance", json());
      out.push_back(breach_of(v, op_pointer + "/responses/" + status + "/schema", std::move(provenance)));
    }
    return out;
  }
  const auto kinds = kinds_at(contract, op, response.status);
  for (const Violation& v : violations) {
    if (kinds.size() == 1) {
      out.push_back(breach_of(v, "/errors/" + escape_pointer_token(kinds.front()),
                              contract.error(kinds.front()).raw.value("provenance", json())));
    } else {
      out.push_back(breach_of(v, op_pointer + (kinds.empty() ? "/responses" : "/errors"), op.raw.value("provenance", json())));
    }
  }
  return out;
}

std::vector<Breach> check_request(const Contract& contract, const HttpRequest& request) {
  std::vector<Breach> out;
  const auto match = contract.match(request.method, request.path);
  if (!match) {
    Breach b;
    b.rule = "route";
    b.contract_pointer = "/operations";
    b.message = "no operation of the contract is " + request.method + " " + request.path;
    out.push_back(std::move(b));
    return out;
  }
  const contracts::Operation& op = *match->operation;
  const std::string pointer = "/operations/" + escape_pointer_token(op.name) + "/request/schema";
  json body;
  if (op.content_type.find("multipart/") != std::string::npos) {
    body = contracts::form_to_json(request.form);
  } else if (op.request_schema != nullptr) {
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
      out.push_back(breach_of({"", "json", "body: is not valid JSON"}, pointer, op.raw.value("provenance", json())));
      return out;
    }
  }
  std::string model;
  const json model_param = op.raw.value("model_param", json::object());
  const std::string model_name = model_param.value("name", "");
  if (const auto it = match->params.find(model_name); it != match->params.end()) model = it->second;
  else if (body.is_object() && body.contains(model_name) && body.at(model_name).is_string()) model = body.at(model_name).get<std::string>();
  if (!model.empty() && contract.model(model) == nullptr) model.clear();
  if (op.request_schema != nullptr) {
    for (const Violation& v : contract.validate_request(op, body, model)) {
      out.push_back(breach_of(v, pointer, provenance_at(contract, op.request_schema->document(), v.field)));
    }
  }
  for (const Violation& v : contract.validate_query(op, request.query)) {
    out.push_back(breach_of(v, "/operations/" + escape_pointer_token(op.name) + "/query_params",
                            op.raw.value("provenance", json())));
  }
  return out;
}

std::vector<Breach> check_error(const Contract& contract, std::string_view kind, const HttpResponse& response) {
  std::vector<Breach> out;
  const json provenance = contract.has_error(kind) ? contract.error(kind).raw.value("provenance", json()) : json();
  for (const Violation& v : contract.validate_error(kind, response)) {
    out.push_back(breach_of(v, "/errors/" + escape_pointer_token(kind), provenance));
  }
  return out;
}

json Breach::to_json() const {
  return {{"rule", rule}, {"contract_pointer", contract_pointer}, {"field", field_pointer}, {"message", message},
          {"provenance", provenance}};
}

std::string to_string(const Breach& breach) {
  std::string out = breach.rule + " at " + (breach.contract_pointer.empty() ? "/" : breach.contract_pointer);
  if (!breach.field_pointer.empty()) out += ", answer " + breach.field_pointer;
  out += ": " + breach.message;
  if (!breach.provenance.is_null()) out += " [provenance " + breach.provenance.dump() + "]";
  return out;
}

json contract_entry(const Contract& contract, const std::string& pointer) { return at_pointer(contract.document(), pointer); }

}  // namespace nanosim::conformance
