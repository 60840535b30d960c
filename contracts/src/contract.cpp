// Contract: one provider's contract document, with its routes compiled and its schemas compiled once.
// The document is assumed to have passed check_contract_document (the registry checks before loading);
// a structural surprise still fails loudly with std::invalid_argument rather than misbehaving later.
#include <algorithm>
#include <stdexcept>

#include "contract_impl.hpp"
#include "schema_explain.hpp"

namespace nanosim::contracts {
namespace {

const json kEmptyObject = json::object();

const json& member_or_empty(const json& object, const char* key) {
  return object.is_object() && object.contains(key) ? object.at(key) : kEmptyObject;
}

}  // namespace

const Schema* Contract::Impl::compile(const json& schema, const std::string& name) {
  schemas.emplace_back(schema, id + "." + name, definitions);
  return &schemas.back();
}

void Contract::Impl::load_operations() {
  for (const auto& [name, entry] : document.at("operations").items()) {
    Operation op;
    op.name = name;
    op.method = entry.at("method").get<std::string>();
    op.path = entry.at("path").get<std::string>();
    op.raw = entry;
    if (const auto model = entry.find("model_param"); model != entry.end()) op.model_param = model->value("name", "");
    const json& request = member_or_empty(entry, "request");
    op.content_type = request.value("content_type", "");
    if (request.contains("schema")) op.request_schema = compile(request.at("schema"), "operations." + name + ".request");
    op.streams = member_or_empty(entry.at("responses"), "200").value("content_type", "") == "text/event-stream";
    for (const auto& [status, response] : entry.at("responses").items()) {
      op.response_schemas[std::stoi(status)] =
          compile(response.at("schema"), "operations." + name + ".responses." + status);
    }
    for (const auto& [param, spec] : member_or_empty(entry, "query_params").items()) {
      query_schemas[name][param] = compile(spec.at("schema"), "operations." + name + ".query_params." + param);
    }
    routes.emplace_back(op.path);
    for (const json& alias : member_or_empty(entry, "also_at")) aliases.emplace_back(operations.size(), alias.at("path").get<std::string>());
    operations.push_back(std::move(op));
  }
}

Contract::Contract(json document) : impl_(std::make_unique<Impl>()) {
  impl_->document = std::move(document);
  try {
    impl_->id = impl_->document.at("id").get<std::string>();
    impl_->definitions = std::make_shared<const json>(member_or_empty(impl_->document, "definitions"));
    impl_->load_operations();
    for (const auto& [model_id, model] : impl_->document.at("models").items()) {
      if (model.contains("request_schema")) {
        impl_->model_schemas[model_id] = impl_->compile(model.at("request_schema"), "models." + model_id + ".request_schema");
      }
    }
    impl_->load_errors();
    const auto index = [&](const char* member, std::map<std::string, const json*, std::less<>>& into) {
      for (const auto& [name, entry] : member_or_empty(impl_->document, member).items()) into.emplace(name, &entry);
    };
    index("models", impl_->models);
    index("lifecycle", impl_->lifecycle_states);
    index("failure_kinds", impl_->failure_kinds);
  } catch (const json::exception& e) {
    throw std::invalid_argument("contract " + impl_->id + " is malformed: " + e.what());
  }
}

Contract::~Contract() = default;

void Contract::compile_all() const {
  for (const Schema& schema : impl_->schemas) schema.compile();
}

const std::string& Contract::id() const { return impl_->id; }
const json& Contract::document() const { return impl_->document; }
std::string Contract::documented_base_url() const { return impl_->document.at("documented_base_url").get<std::string>(); }
const std::vector<Operation>& Contract::operations() const { return impl_->operations; }

const Operation& Contract::operation(std::string_view name) const {
  for (const auto& op : impl_->operations) {
    if (op.name == name) return op;
  }
  throw std::out_of_range("contract " + impl_->id + " has no operation \"" + std::string(name) + "\"");
}

std::optional<RouteMatch> Contract::match(std::string_view method, std::string_view path) const {
  std::optional<RouteMatch> best;
  std::size_t best_literal = 0;
  for (std::size_t i = 0; i < impl_->operations.size(); ++i) {
    if (impl_->operations[i].method != method) continue;
    auto params = impl_->routes[i].match(path);
    if (!params || (best && impl_->routes[i].literal_length() <= best_literal)) continue;
    best = RouteMatch{&impl_->operations[i], std::move(*params)};
    best_literal = impl_->routes[i].literal_length();
  }
  for (const auto& [i, route] : impl_->aliases) {  // the same operation served at another path ("also_at")
    if (impl_->operations[i].method != method) continue;
    auto params = route.match(path);
    if (!params || (best && route.literal_length() <= best_literal)) continue;
    best = RouteMatch{&impl_->operations[i], std::move(*params)};
    best_literal = route.literal_length();
  }
  return best;
}

bool Contract::path_known(std::string_view path) const {
  return std::any_of(impl_->routes.begin(), impl_->routes.end(),
                     [&](const detail::RouteTemplate& route) { return route.match(path).has_value(); }) ||
         std::any_of(impl_->aliases.begin(), impl_->aliases.end(),
                     [&](const auto& alias) { return alias.second.match(path).has_value(); });
}

std::vector<std::string> Contract::model_ids() const {
  std::vector<std::string> ids;
  for (const auto& [model_id, unused] : impl_->document.at("models").items()) ids.push_back(model_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

const json* Contract::model(std::string_view id) const {
  const auto it = impl_->models.find(id);
  return it == impl_->models.end() ? nullptr : it->second;
}

const Schema* Contract::model_request_schema(std::string_view model_id) const {
  auto it = impl_->model_schemas.find(model_id);
  return it == impl_->model_schemas.end() ? nullptr : it->second;
}

const json& Contract::lifecycle(std::string_view canonical_state) const {
  const auto it = impl_->lifecycle_states.find(canonical_state);
  if (it == impl_->lifecycle_states.end()) {
    throw std::out_of_range("contract " + impl_->id + " maps no lifecycle state \"" + std::string(canonical_state) + "\"");
  }
  return *it->second;
}

const json& Contract::failure_kind(std::string_view kind) const {
  const auto it = impl_->failure_kinds.find(kind);
  if (it == impl_->failure_kinds.end()) {
    throw std::out_of_range("contract " + impl_->id + " maps no failure kind \"" + std::string(kind) + "\"");
  }
  return *it->second;
}

std::vector<Violation> Contract::validate_request(const Operation& op, const json& body, std::string_view model_id) const {
  std::vector<Violation> violations;
  if (op.request_schema) violations = op.request_schema->validate(body);
  if (!model_id.empty()) {
    if (const Schema* schema = model_request_schema(model_id)) {
      for (auto& v : schema->validate(body)) {
        const bool repeated = std::any_of(violations.begin(), violations.end(),
                                          [&](const Violation& seen) { return seen.message == v.message; });
        if (!repeated) violations.push_back(std::move(v));  // e.g. "body: must be an object" from both schemas
      }
    }
  }
  return violations;
}

std::vector<Violation> Contract::validate_query(const Operation& op, const QueryParams& query) const {
  std::vector<Violation> violations;
  auto schemas = impl_->query_schemas.find(op.name);
  if (schemas == impl_->query_schemas.end()) return violations;
  const json& specs = op.raw.at("query_params");
  for (const auto& [param, schema] : schemas->second) {
    auto value = query.find(param);
    if (value == query.end()) {
      if (specs.at(param).value("required", false)) violations.push_back({param, "required", param + ": is required"});
      continue;
    }
    for (auto v : schema->validate(json(value->second))) {
      const std::size_t colon = v.message.find(": ");  // "body: must be ..." names the parameter instead
      v.message = param + (colon == std::string::npos ? ": " + v.message : v.message.substr(colon));
      v.field = param;
      violations.push_back(std::move(v));
    }
  }
  return violations;
}

std::optional<std::string> Contract::unsupported_parameter(const Operation& op, const HttpRequest& request,
                                                           const json& body) const {
  auto found = find_unsupported_parameter(op, request, body);
  if (!found) return std::nullopt;
  return std::move(found->error);
}

std::optional<UnsupportedParameter> Contract::find_unsupported_parameter(const Operation& op,
                                                                         const HttpRequest& request,
                                                                         const json& body) const {
  if (!op.raw.contains("unsupported")) return std::nullopt;
  for (const auto& entry : op.raw.at("unsupported")) {
    const std::string in = entry.at("in").get<std::string>();
    const std::string name = entry.at("name").get<std::string>();
    const bool present = (in == "query" && request.query_param(name)) || (in == "header" && request.header(name)) ||
                         (in == "body" && body.is_object() && body.contains(name));
    if (present) return UnsupportedParameter{in, name, entry.at("error").get<std::string>()};
  }
  return std::nullopt;
}

void Contract::apply_defaults(const Schema& schema, json& body) {
  const json* root = detail::resolve_ref(schema.document(), schema.document());
  if (!body.is_object() || !root || !root->is_object() || !root->contains("properties")) return;
  for (const auto& [name, property] : root->at("properties").items()) {
    const json* resolved = detail::resolve_ref(schema.document(), property);
    if (resolved && resolved->is_object() && resolved->contains("default") && !body.contains(name)) {
      body[name] = resolved->at("default");
    }
  }
}

json form_to_json(const std::vector<FormPart>& form) {
  json object = json::object();
  std::map<std::string, std::size_t> counts;
  for (const auto& part : form) {
    std::string name = part.name;
    if (name.size() > 2 && name.ends_with("[]")) name.resize(name.size() - 2);
    ++counts[name];
  }
  for (const auto& part : form) {
    const bool bracketed = part.name.size() > 2 && part.name.ends_with("[]");
    const std::string name = bracketed ? part.name.substr(0, part.name.size() - 2) : part.name;
    json value = part.filename.empty() && part.content_type.empty()
                     ? json(part.content)
                     : json{{"filename", part.filename}, {"content_type", part.content_type}, {"size", part.content.size()}};
    if (bracketed || counts.at(name) > 1) {
      object[name].push_back(std::move(value));
    } else {
      object[name] = std::move(value);
    }
  }
  return object;
}

}  // namespace nanosim::contracts
