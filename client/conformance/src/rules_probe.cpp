// The free probes: requests no provider charges for (no key, a bad key, bodies the contract refuses, unknown ids,
// wrong methods, unknown routes). Each is derived from the contract, and the bodies from the reference client's.
#include <algorithm>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

using contracts::Contract;
using contracts::Operation;

constexpr const char* unknown_id = "nanosim-check-unknown-id";
constexpr const char* not_a_value = "nanosim-check-not-documented";

json error_provenance(const Contract& contract, const std::string& kind) {
  return contract.has_error(kind) ? contract.error(kind).raw.value("provenance", json()) : json();
}

/// A refusal: HTTP 4xx, one of the operation's documented error shapes.
bool expect_refusal(Session& s, Outcome& o, const Exchange& ex, const std::string& what) {
  if (!ex.response) {
    o.fail(what + ": no answer (" + ex.transport_error + ")", {}, ex);
    return false;
  }
  if (ex.response->status < 400 || ex.response->status >= 500) {
    Breach b{"http_status", "/operations", "", what + ": must be refused with a 4xx error, got HTTP " +
                                                   std::to_string(ex.response->status), nullptr};
    o.fail(b.message, {b}, ex);
    return false;
  }
  return o.expect_clean(what, check_response(s.contract, ex.request, *ex.response), ex);
}

void add_auth_rules(const Session& session, std::vector<RuleSpec>& out) {
  const Contract& contract = session.contract;
  const json& auth = contract.document().at("auth");
  for (const bool missing : {true, false}) {
    const std::string kind = auth.value(missing ? "missing" : "invalid", "");
    if (kind.empty() || !contract.has_error(kind)) continue;
    const std::string id = missing ? "auth.missing" : "auth.invalid";
    const std::string title = std::string(missing ? "a request without a key" : "a request with a rejected key") +
                              " gets " + kind + " (HTTP " + std::to_string(contract.error(kind).http_status) + ")";
    out.push_back({id, title, "free", "/errors/" + kind, error_provenance(contract, kind),
                   [kind, missing](Session& s, Outcome& o) {
                     const auto request = s.submit_request();
                     if (!request) return o.skip("the reference client cannot build a submit for this model");
                     const Exchange ex = s.send(*request, missing ? "" : keys::invalid);
                     if (!ex.response) return o.fail("no answer: " + ex.transport_error, {}, ex);
                     o.expect_clean("the answer", check_error(s.contract, kind, *ex.response), ex);
                   }});
  }
}

/// Whether the error bodies an operation answers with at a status carry text that could name a field.
bool errors_can_name_fields(const Contract& contract, const Operation& op, int status) {
  if (!op.raw.contains("errors")) return false;
  for (const auto& kind : op.raw.at("errors")) {
    if (!contract.has_error(kind.get<std::string>())) continue;
    const auto& spec = contract.error(kind.get<std::string>());
    if (spec.http_status != status) continue;
    const std::string body = spec.body.dump();
    if (body.find("{field}") != std::string::npos || body.find("{message}") != std::string::npos) return true;
  }
  return false;
}

RuleSpec invalid_body_rule(const Session& session, const json& schema, const std::string& op_name, std::string id,
                           std::string title, std::string field, json body, std::string pointer) {
  json provenance = provenance_at(session.contract, schema, field);
  const std::string last = field.substr(field.find_last_of('.') + 1);
  return {std::move(id), std::move(title), "free", std::move(pointer), std::move(provenance),
          [variant = std::move(body), last, op_name](Session& s, Outcome& o) {
            auto request = s.submit_request();
            if (!request) return o.skip("the reference client cannot build a submit for this model");
            if (s.api_key.empty()) return o.skip("needs --api-key (without one the provider refuses the key first)");
            request->body = variant.dump();
            const Exchange ex = s.send(*request, s.api_key);
            if (!expect_refusal(s, o, ex, "the refusal")) return;
            const Operation& refused = s.contract.operation(op_name);
            if (errors_can_name_fields(s.contract, refused, ex.response->status) && ex.response->body.find(last) == std::string::npos) {
              Breach b{"names_field", "/operations/" + op_name + "/errors", "", "the refusal must name the field " + last, nullptr};
              o.fail(b.message, {b}, ex);
            }
          }};
}

void collect_enum_leaves(const Session& s, const json& schema, const json& node, const std::string& field,
                         std::vector<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, member] : node.items()) collect_enum_leaves(s, schema, member, field.empty() ? key : field + "." + key, out);
    return;
  }
  if (!node.is_string()) return;
  const json* rule = schema_node_at(s.contract, schema, field);
  if (rule != nullptr && rule->is_object() && rule->contains("enum")) out.push_back(field);
}

/// Bodies the operation's schema (and the model's own, where the operation defers to it) refuses: each required
/// field left out, each enum field given a value outside its enum. Each variant is checked against the contract
/// before it becomes a rule.
void add_body_rules(const Session& session, std::vector<RuleSpec>& out) {
  const auto request = session.submit_request();
  if (!request) return;
  const auto match = session.contract.match(request->method, request->path);
  if (!match || match->operation->request_schema == nullptr) return;
  const Operation& op = *match->operation;
  const json body = json::parse(request->body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return;  // multipart bodies are not varied
  const std::string model = session.request.model;
  std::vector<std::pair<const json*, std::string>> schemas{{&op.request_schema->document(), "/operations/" + op.name + "/request/schema"}};
  if (const auto* own = session.contract.model_request_schema(model)) schemas.emplace_back(&own->document(), "/models/" + model + "/request_schema");
  std::vector<std::string> seen;
  for (const auto& [schema, pointer] : schemas) {
    const json* root = schema_node_at(session.contract, *schema, "");
    if (root != nullptr && root->contains("required")) {
      for (const auto& name : root->at("required")) {
        const std::string field = name.get<std::string>();
        json variant = body;
        if (!variant.contains(field) || std::find(seen.begin(), seen.end(), "required." + field) != seen.end()) continue;
        variant.erase(field);
        if (session.contract.validate_request(op, variant, model).empty()) continue;
        seen.push_back("required." + field);
        out.push_back(invalid_body_rule(session, *schema, op.name, "request.required." + field,
                                        "a submit without " + field + " is refused, naming it", field, std::move(variant),
                                        pointer + "/required"));
      }
    }
    std::vector<std::string> enums;
    collect_enum_leaves(session, *schema, body, "", enums);
    for (const std::string& field : enums) {
      json variant = body;
      variant[json::json_pointer(field_to_pointer(field))] = not_a_value;
      if (std::find(seen.begin(), seen.end(), "enum." + field) != seen.end()) continue;
      if (session.contract.validate_request(op, variant, model).empty()) continue;
      seen.push_back("enum." + field);
      out.push_back(invalid_body_rule(session, *schema, op.name, "request.enum." + field,
                                      "a submit with " + field + " outside its enum is refused, naming it", field,
                                      std::move(variant), pointer));
    }
  }
}

bool has_id_param(const Operation& op) {
  const std::string model_name = op.raw.value("model_param", json::object()).value("name", "");
  for (std::size_t open = op.path.find('{'); open != std::string::npos; open = op.path.find('{', open + 1)) {
    if (op.path.substr(open + 1, op.path.find('}', open) - open - 1) != model_name) return true;
  }
  return false;
}

HttpRequest probe_request(const Session& s, const Operation& op, std::string method) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = s.path_of(op, unknown_id);
  if (request.method != "GET" && request.method != "HEAD" && request.method != "DELETE") {
    request.headers.emplace("Content-Type", "application/json");
    request.body = "{}";
  }
  return request;
}

void add_route_rules(const Session& session, std::vector<RuleSpec>& out) {
  const Contract& contract = session.contract;
  std::vector<std::string> paths_seen;
  for (const Operation& op : contract.operations()) {
    const json provenance = op.raw.value("provenance", json());
    if (has_id_param(op)) {
      out.push_back({"route.unknown_id." + op.name, op.method + " " + op.path + " with an unknown id answers a documented error",
                     "free", "/operations/" + op.name + "/errors", provenance, [name = op.name](Session& s, Outcome& o) {
                       const Operation& target = s.contract.operation(name);
                       if (s.api_key.empty()) return o.skip("needs --api-key");
                       expect_refusal(s, o, s.send(probe_request(s, target, target.method), s.api_key), "the answer");
                     }});
    }
    if (std::find(paths_seen.begin(), paths_seen.end(), op.path) != paths_seen.end()) continue;
    paths_seen.push_back(op.path);
    const std::string path = session.path_of(op, unknown_id);
    for (const char* method : {"PATCH", "DELETE", "PUT", "POST", "GET"}) {
      if (contract.match(method, path)) continue;
      const std::string kind = contract.has_error("method_not_allowed") ? "method_not_allowed" : "route_not_found";
      out.push_back({"route.method." + op.name, std::string(method) + " " + op.path + " (no such operation) answers a catalog error",
                     "free", "/errors/" + kind, error_provenance(contract, kind),
                     [name = op.name, m = std::string(method)](Session& s, Outcome& o) {
                       expect_refusal(s, o, s.send(probe_request(s, s.contract.operation(name), m), s.api_key), "the answer");
                     }});
      break;
    }
  }
  out.push_back({"route.unknown", "GET of a path no operation has answers the catalog's not-found error", "free",
                 "/errors/route_not_found", error_provenance(contract, "route_not_found"), [](Session& s, Outcome& o) {
                   HttpRequest request;
                   request.path = "/nanosim-check/no-such-route";
                   expect_refusal(s, o, s.send(request, s.api_key), "the answer");
                 }});
}

}  // namespace

std::vector<RuleSpec> probe_rules(const Session& session) {
  std::vector<RuleSpec> out;
  add_auth_rules(session, out);
  add_body_rules(session, out);
  add_route_rules(session, out);
  return out;
}

}  // namespace nanosim::conformance
