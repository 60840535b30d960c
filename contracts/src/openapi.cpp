// to_openapi: the contract as an OpenAPI 3.1 document. Everything is generated from the contract; provenance
// travels as "x-provenance" (schemas keep theirs, OpenAPI 3.1 schemas being JSON Schema) and the parts OpenAPI
// has no place for (models, lifecycle, failure kinds, the error catalog) go under "x-nanosim".
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "nanosim/contracts/contract.hpp"
#include "route_template.hpp"

namespace nanosim::contracts {
namespace {

constexpr std::string_view kDefinitions = "#/definitions/";

json rewrite_refs(const json& node) {
  if (node.is_array()) {
    json out = json::array();
    for (const auto& item : node) out.push_back(rewrite_refs(item));
    return out;
  }
  if (!node.is_object()) return node;
  json out = json::object();
  for (const auto& [key, value] : node.items()) {
    if (key == "$ref" && value.is_string() && value.get<std::string>().starts_with(kDefinitions)) {
      out[key] = "#/components/schemas/" + value.get<std::string>().substr(kDefinitions.size());
    } else {
      out[key] = rewrite_refs(value);
    }
  }
  return out;
}

bool is_array_schema(const json& node) {
  const auto type = node.find("type");
  if (type == node.end()) return false;
  if (type->is_string()) return *type == "array";
  return type->is_array() && std::find(type->begin(), type->end(), "array") != type->end();
}

/// What OpenAPI tools expect of a schema without changing what it means: an array schema says `items` (`{}`, any
/// item, is JSON Schema's own default), and the per-keyword provenance becomes a list, so that no member is named
/// like a schema keyword ("enum", "default") where linters would read it as one.
void make_lint_clean(json& node) {
  if (node.is_array()) {
    for (auto& item : node) make_lint_clean(item);
    return;
  }
  if (!node.is_object()) return;
  if (is_array_schema(node) && !node.contains("items") && !node.contains("prefixItems")) node["items"] = json::object();
  // anyOf of one schema (one error kind, one model) is that schema: merged in when no keyword collides.
  if (const auto any = node.find("anyOf"); any != node.end() && any->is_array() && any->size() == 1 && any->at(0).is_object()) {
    const json only = any->at(0);
    const bool collides = std::any_of(only.items().begin(), only.items().end(),
                                      [&](const auto& item) { return node.contains(item.key()); });
    if (!collides) {
      node.erase("anyOf");
      for (const auto& [key, value] : only.items()) node[key] = value;
    }
  }
  if (const auto keywords = node.find("x-provenance-keywords"); keywords != node.end() && keywords->is_object()) {
    json listed = json::array();
    for (const auto& [keyword, provenance] : keywords->items()) listed.push_back({{"keyword", keyword}, {"provenance", provenance}});
    *keywords = std::move(listed);
  }
  for (auto& [key, value] : node.items()) {
    if (key != "x-provenance-keywords") make_lint_clean(value);
  }
}

json security_scheme(const json& scheme) {
  json out;
  const std::string prefix = scheme.value("prefix", "");
  if (scheme.at("in") == "query") {
    out = {{"type", "apiKey"}, {"in", "query"}, {"name", scheme.at("param")}};
  } else if (scheme.at("header") == "Authorization" && prefix == "Bearer ") {
    out = {{"type", "http"}, {"scheme", "bearer"}};
  } else {
    out = {{"type", "apiKey"}, {"in", "header"}, {"name", scheme.at("header")}};
    if (!prefix.empty()) out["description"] = "Send \"" + prefix + "<key>\"";
  }
  out["x-provenance"] = scheme.at("provenance");
  return out;
}

void add_parameters(const json& specs, const char* location, bool always_required, json& parameters) {
  for (const auto& [name, spec] : specs.items()) {
    json parameter = {{"name", name}, {"in", location}, {"required", always_required || spec.value("required", false)},
                      {"schema", rewrite_refs(spec.at("schema"))}};
    if (spec.contains("description")) parameter["description"] = spec.at("description");
    parameters.push_back(std::move(parameter));
  }
}

json operation_parameters(const json& op) {
  json parameters = json::array();
  json path_specs = json::object();
  const detail::RouteTemplate route(op.at("path").get<std::string>());
  const json documented = op.value("path_params", json::object());
  for (const auto& name : route.parameter_names()) {
    path_specs[name] = documented.contains(name) ? documented.at(name) : json{{"schema", {{"type", "string"}}}};
  }
  add_parameters(path_specs, "path", true, parameters);
  if (op.contains("query_params")) add_parameters(op.at("query_params"), "query", false, parameters);
  if (op.contains("headers")) add_parameters(op.at("headers"), "header", false, parameters);
  return parameters;
}

json request_body(const Contract& contract, const json& request) {
  json schema = request.contains("schema") ? rewrite_refs(request.at("schema")) : json::object();
  if (request.value("model_schema", false)) {
    json per_model = json::object();
    json choices = json::array();
    for (const auto& id : contract.model_ids()) {
      const json& model = *contract.model(id);
      if (!model.contains("request_schema")) continue;
      json model_schema = rewrite_refs(model.at("request_schema"));
      model_schema["title"] = id;
      choices.push_back(model_schema);
      per_model[id] = std::move(model_schema);
    }
    if (choices.size() == 1) {
      schema = json{{"allOf", json::array({schema, choices.at(0)})}};  // the request's rules and its one model's
    } else if (!choices.empty()) {
      schema["anyOf"] = std::move(choices);
    }
    schema["x-model-schemas"] = std::move(per_model);  // which one applies depends on the model parameter
  }
  json body = {{"required", true}, {"content", {{request.at("content_type").get<std::string>(), {{"schema", schema}}}}}};
  if (request.contains("description")) body["description"] = request.at("description");
  return body;
}

json error_response(const Contract& contract, const std::vector<std::string>& kinds) {
  json examples = json::object();
  json shapes = json::array();
  std::string description;
  json headers = json::object();
  for (const auto& kind : kinds) {
    const ErrorSpec& spec = contract.error(kind);
    description += (description.empty() ? "" : ", ") + kind;
    examples[kind] = {{"summary", kind}, {"value", spec.body}};
    shapes.push_back({{"title", kind}, {"x-error-kind", kind}, {"x-provenance", spec.raw.at("provenance")}});
    for (const auto& [name, value] : spec.headers) headers[name] = {{"schema", {{"type", "string"}}}, {"description", value}};
  }
  json response = {{"description", "Error: " + description},
                   {"content", {{"application/json", {{"schema", {{"anyOf", shapes}}}, {"examples", examples}}}}}};
  if (!headers.empty()) response["headers"] = std::move(headers);
  return response;
}

json operation_object(const Contract& contract, const Operation& op) {
  const json& raw = op.raw;
  json out = {{"operationId", op.name}, {"parameters", operation_parameters(raw)}, {"responses", json::object()},
              {"x-provenance", raw.at("provenance")}};
  for (const char* key : {"summary", "description"}) {
    if (raw.contains(key)) out[key] = raw.at(key);
  }
  if (raw.contains("request")) out["requestBody"] = request_body(contract, raw.at("request"));
  for (const auto& [status, response] : raw.at("responses").items()) {
    json entry = {{"description", response.at("description")},
                  {"content", {{response.value("content_type", "application/json"), {{"schema", rewrite_refs(response.at("schema"))}}}}}};
    if (response.contains("lifecycle")) entry["x-lifecycle"] = response.at("lifecycle");
    out.at("responses")[status] = std::move(entry);
  }
  std::map<int, std::vector<std::string>> errors_by_status;
  if (raw.contains("errors")) {
    for (const auto& kind : raw.at("errors")) errors_by_status[contract.error(kind.get<std::string>()).http_status].push_back(kind);
  }
  for (const auto& [status, kinds] : errors_by_status) {
    const std::string key = std::to_string(status);
    if (out.at("responses").contains(key)) {
      out.at("responses").at(key)["x-error-kinds"] = kinds;  // documented body first; the catalog's too
    } else {
      out.at("responses")[key] = error_response(contract, kinds);
    }
  }
  if (raw.contains("unsupported")) out["x-unsupported"] = raw.at("unsupported");
  return out;
}

}  // namespace

json to_openapi(const Contract& contract, const std::string& served_at) {
  const json& doc = contract.document();
  json api = {{"openapi", "3.1.0"},
              {"info", {{"title", doc.at("title")}, {"version", "contract format " + doc.at("format_version").dump()},
                        {"x-provenance", doc.at("sources")}}},
              {"servers", json::array({{{"url", contract.documented_base_url()}, {"description", "documented base URL"}}})},
              {"paths", json::object()},
              {"components", {{"schemas", json::object()}, {"securitySchemes", json::object()}}}};
  if (!served_at.empty()) {  // the simulator first: a tool pointed at the document calls it, not the paid provider
    api.at("servers").insert(api.at("servers").begin(), json::object({{"url", served_at}, {"description", "nanosim"}}));
  }
  if (doc.contains("description")) api.at("info")["description"] = doc.at("description");
  json security = json::array();
  for (const auto& scheme : doc.at("auth").at("schemes")) {
    const std::string name = scheme.at("name").get<std::string>();
    api.at("components").at("securitySchemes")[name] = security_scheme(scheme);
    security.push_back({{name, json::array()}});  // alternatives: any one scheme suffices
  }
  api["security"] = std::move(security);
  if (doc.contains("definitions")) {
    for (const auto& [name, schema] : doc.at("definitions").items()) api.at("components").at("schemas")[name] = rewrite_refs(schema);
  }
  for (const auto& op : contract.operations()) {
    std::string method = op.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    json& object = api.at("paths")[op.path][method] = operation_object(contract, op);
    // Schemes limited to some operations (auth.schemes[].operations): this operation's own alternatives.
    const json& schemes = doc.at("auth").at("schemes");
    if (std::any_of(schemes.begin(), schemes.end(), [](const json& s) { return s.contains("operations"); })) {
      json own = json::array();
      for (const auto& scheme : schemes) {
        const json listed = scheme.value("operations", json::array({op.name}));
        if (std::find(listed.begin(), listed.end(), op.name) != listed.end()) {
          own.push_back({{scheme.at("name").get<std::string>(), json::array()}});
        }
      }
      object["security"] = std::move(own);
    }
    // The operation served at another path too ("also_at"): the same object under an operationId of its own.
    const json aliases = op.raw.value("also_at", json::array());
    for (std::size_t i = 0; i < aliases.size(); ++i) {
      json copy = object;
      copy["operationId"] = op.name + "_also_at_" + std::to_string(i);
      copy["x-provenance-path"] = aliases.at(i).at("provenance");
      api.at("paths")[aliases.at(i).at("path").get<std::string>()][method] = std::move(copy);
    }
  }
  api["x-nanosim"] = {{"id", contract.id()}, {"auth", doc.at("auth")}, {"models", rewrite_refs(doc.at("models"))},
                      {"lifecycle", doc.at("lifecycle")}, {"failure_kinds", doc.at("failure_kinds")}, {"errors", doc.at("errors")}};
  api["tags"] = json::array({{{"name", contract.id()}, {"description", doc.at("title")}}});
  for (auto& [path, methods] : api.at("paths").items()) {
    for (auto& [method, operation] : methods.items()) operation["tags"] = json::array({contract.id()});
  }
  make_lint_clean(api);
  return api;
}

}  // namespace nanosim::contracts
