// The error catalog (kind -> HTTP status + body and header templates) and response validation, which falls
// back to the catalog's shapes for statuses an operation does not list.
#include <cstdint>
#include <algorithm>
#include <regex>
#include <stdexcept>

#include "contract_impl.hpp"
#include "nanosim/json_limits.hpp"
#include "nanosim/json_text.hpp"

namespace nanosim::contracts {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// Calls on_literal / on_placeholder for the pieces of a template string, in order. A placeholder is
/// "{name}" with name made of [A-Za-z0-9_]; any other brace is literal text.
template <typename Literal, typename Placeholder>
void scan_template(std::string_view text, Literal on_literal, Placeholder on_placeholder) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    std::size_t end = i + 1;
    while (end < text.size() && is_name_char(text[end])) ++end;
    if (end == i + 1 || end >= text.size() || text[end] != '}') continue;
    on_literal(text.substr(start, i - start));
    on_placeholder(text.substr(i + 1, end - i - 1));
    start = end + 1;
    i = end;
  }
  on_literal(text.substr(start));
}

/// A FastAPI validation "loc" list: its first item says where the field travelled.
bool is_fastapi_loc(const json& loc) {
  if (!loc.is_array() || loc.empty() || !loc.front().is_string()) return false;
  const auto& where = loc.front().get_ref<const std::string&>();
  return where == "body" || where == "query" || where == "path" || where == "header";
}

json substitute_all(const json& value, const std::map<std::string, std::string>& vars) {
  if (value.is_string()) return substitute_placeholders(value.get<std::string>(), vars);
  if (!value.is_structured()) return value;
  json out = value;
  if (out.is_array()) {
    for (auto& item : out) item = substitute_all(item, vars);
    return out;
  }
  const auto location = vars.find("location");
  for (auto& member : out.items()) {  // object keys are never templates
    member.value() = substitute_all(member.value(), vars);
    if (member.key() == "loc" && location != vars.end() && is_fastapi_loc(member.value())) {
      member.value().front() = location->second;
    }
  }
  return out;
}

std::string regex_escape(std::string_view text) {
  static const std::string special = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string substitute_placeholders(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  scan_template(
      text, [&](std::string_view literal) { out += literal; },
      [&](std::string_view name) {
        auto it = vars.find(std::string(name));
        out += it == vars.end() ? "{" + std::string(name) + "}" : it->second;
      });
  return out;
}

namespace detail {

json template_shape(const json& body_template) {
  json shape;
  if (body_template.is_object()) {
    shape = {{"type", "object"}, {"required", json::array()}, {"properties", json::object()}};
    for (const auto& [key, value] : body_template.items()) {
      shape.at("required").push_back(key);
      shape.at("properties")[key] = template_shape(value);
    }
  } else if (body_template.is_array()) {
    shape = {{"type", "array"}};
    if (body_template.size() == 1) shape["items"] = template_shape(body_template.at(0));
  } else if (body_template.is_string()) {
    std::string pattern;
    bool has_placeholder = false;
    scan_template(
        body_template.get<std::string>(), [&](std::string_view literal) { pattern += regex_escape(literal); },
        [&](std::string_view) {
          pattern += "[\\s\\S]*";
          has_placeholder = true;
        });
    shape = has_placeholder ? json{{"type", "string"}, {"pattern", "^" + pattern + "$"}}
                            : json{{"type", "string"}, {"const", body_template}};
  } else {
    shape = {{"const", body_template}};
  }
  return shape;
}

}  // namespace detail

void Contract::Impl::load_errors() {
  for (const auto& [kind, entry] : document.at("errors").items()) {
    CatalogEntry catalog_entry;
    catalog_entry.spec.kind = kind;
    catalog_entry.spec.http_status = entry.at("http_status").get<int>();
    catalog_entry.spec.body = entry.at("body");
    if (entry.contains("headers")) {
      catalog_entry.spec.headers = entry.at("headers").get<std::map<std::string, std::string>>();
    }
    catalog_entry.spec.raw = entry;
    catalog_entry.shape = compile(detail::template_shape(entry.at("body")), "errors." + kind);
    errors.emplace(kind, std::move(catalog_entry));
  }
}

const ErrorSpec& Contract::error(std::string_view kind) const {
  auto it = impl_->errors.find(kind);
  if (it == impl_->errors.end()) {
    throw std::out_of_range("contract " + impl_->id + " has no error kind \"" + std::string(kind) + "\"");
  }
  return it->second.spec;
}

bool Contract::has_error(std::string_view kind) const { return impl_->errors.find(kind) != impl_->errors.end(); }

HttpResponse Contract::render_error(std::string_view kind, const std::map<std::string, std::string>& vars) const {
  const ErrorSpec& spec = error(kind);
  HttpResponse response;
  response.status = spec.http_status;
  for (const auto& [name, value] : spec.headers) response.set_header(name, substitute_placeholders(value, vars));
  response.set_header("Content-Type", "application/json");
  response.body = json_text(substitute_all(spec.body, vars));
  return response;
}

bool Contract::quick_accepts(const Operation& op, const HttpResponse& response, const QuickJson& body) const {
  if (auto it = op.response_schemas.find(response.status); it != op.response_schemas.end()) {
    if (it->second->accepts(body)) return true;
  }
  // As validate_response: the first catalog entry at this status whose shape the body fits decides.
  const auto decides = [&](const CatalogEntry& entry) {
    return entry.spec.http_status == response.status && entry.shape->accepts(body);
  };
  const auto has_headers = [&](const CatalogEntry& entry) {
    return std::all_of(entry.spec.headers.begin(), entry.spec.headers.end(),
                       [&](const auto& header) { return response.header(header.first).has_value(); });
  };
  if (!op.raw.contains("errors")) {
    for (const auto& [kind, entry] : impl_->errors) {
      if (decides(entry)) return has_headers(entry);
    }
    return false;
  }
  for (const auto& kind : op.raw.at("errors")) {
    auto entry = impl_->errors.find(kind.get_ref<const std::string&>());
    if (entry != impl_->errors.end() && decides(entry->second)) return has_headers(entry->second);
  }
  return false;
}

std::vector<Violation> Contract::validate_response(const Operation& op, const HttpResponse& response) const {
  const bool streams = op.streams && response.status == 200;
  // A body on contract, read quickly: the verdict alone. Usable, it nests no deeper than the limit below.
  if (const QuickJson quick(streams ? std::string_view() : std::string_view(response.body));
      quick.usable() && quick_accepts(op, response, quick)) {
    return {};
  }
  // Off contract, or a text only nlohmann reads as a client would: the full path, which says what is wrong.
  // Any size (inline images are large), but no deeper than the simulator would take a body.
  if (auto refusal = check_json_limits(response.body, JsonLimits{SIZE_MAX, JsonLimits{}.max_depth})) {
    return {{"", refusal->rule, refusal->message}};
  }
  if (streams) return validate_stream(op, response);
  const json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) return {{"", "json", "body: is not valid JSON"}};
  std::vector<Violation> first_failure;  // the closest miss: the operation's schema, else the nearest catalog shape
  if (auto it = op.response_schemas.find(response.status); it != op.response_schemas.end()) {
    first_failure = it->second->validate(body);
    if (first_failure.empty()) return {};
  }
  // The catalog entries this operation may answer with (all of them when it does not say), at this status.
  std::vector<std::string> kinds;
  if (op.raw.contains("errors")) {
    kinds = op.raw.at("errors").get<std::vector<std::string>>();
  } else {
    for (const auto& [kind, unused] : impl_->errors) kinds.push_back(kind);
  }
  for (const auto& kind : kinds) {
    auto entry = impl_->errors.find(kind);
    if (entry == impl_->errors.end() || entry->second.spec.http_status != response.status) continue;
    auto violations = entry->second.shape->validate(body);
    if (violations.empty()) {
      for (const auto& [name, unused] : entry->second.spec.headers) {
        if (!response.header(name)) violations.push_back({"header " + name, "required", "header " + name + ": is required"});
      }
      return violations;
    }
    if (first_failure.empty() || violations.size() < first_failure.size()) first_failure = std::move(violations);
  }
  if (first_failure.empty()) {
    return {{"", "status", "body: HTTP " + std::to_string(response.status) + " is not a documented response of operation " + op.name}};
  }
  return first_failure;
}

std::vector<Violation> Contract::validate_error(std::string_view kind, const HttpResponse& response) const {
  const auto entry = impl_->errors.find(kind);
  if (entry == impl_->errors.end()) return {{"", "kind", "contract " + impl_->id + " has no error kind " + std::string(kind)}};
  std::vector<Violation> violations;
  if (response.status != entry->second.spec.http_status) {
    violations.push_back({"", "http_status", "status: must be HTTP " + std::to_string(entry->second.spec.http_status) +
                                                 " (" + std::string(kind) + "), got " + std::to_string(response.status)});
  }
  const json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    violations.push_back({"", "json", "body: is not valid JSON"});
  } else {
    for (auto& violation : entry->second.shape->validate(body)) violations.push_back(std::move(violation));
  }
  for (const auto& [name, unused] : entry->second.spec.headers) {
    if (!response.header(name)) violations.push_back({"header " + name, "required", "header " + name + ": is required"});
  }
  return violations;
}

std::vector<Violation> Contract::validate_stream(const Operation& op, const HttpResponse& response) const {
  // Server-sent events ("data: <json>" blocks split by a blank line), or without them the same chunks as one
  // JSON array. A chunk is the 200 schema's; a chunk holding an error object is a catalog error at its code.
  std::vector<json> chunks;
  if (response.content_type().rfind("text/event-stream", 0) == 0) {
    std::string text = response.body;
    for (std::size_t at = 0; (at = text.find('\r', at)) != std::string::npos;) text.erase(at, 1);
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find("\n\n", start), text.size());
      const std::string event = text.substr(start, end - start);
      start = end + 2;
      if (event.empty()) continue;
      if (event.rfind("data:", 0) != 0) return {{"", "event-stream", "body: event is not a data: line: " + event.substr(0, 40)}};
      chunks.push_back(json::parse(event.substr(5), nullptr, false));
    }
  } else {
    const json array = json::parse(response.body, nullptr, false);
    if (!array.is_array()) return {{"", "json", "body: must be server-sent events or a JSON array of chunks"}};
    chunks.assign(array.begin(), array.end());
  }
  if (chunks.empty()) return {{"", "minItems", "body: the stream carries no chunk"}};
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const json& chunk = chunks[i];
    if (chunk.is_discarded()) return {{"", "json", "body: chunk " + std::to_string(i) + " is not valid JSON"}};
    std::vector<Violation> violations;
    if (chunk.is_object() && chunk.contains("error") && chunk.at("error").is_object()) {
      HttpResponse error;
      error.status = chunk.at("error").value("code", 500);
      error.body = chunk.dump();
      Operation plain = op;  // the catalog's shapes, as for a plain answer at that status
      plain.streams = false;
      plain.response_schemas.clear();
      plain.raw["responses"] = json::object();
      violations = validate_response(plain, error);
    } else {
      violations = op.response_schemas.at(200)->validate(chunk);
    }
    if (!violations.empty()) {
      for (auto& v : violations) v.message = "chunk " + std::to_string(i) + ": " + v.message;
      return violations;
    }
  }
  return {};
}

std::vector<Violation> Contract::validate_error_response(const HttpResponse& response) const {
  Operation unmatched;  // no response schemas and no "errors" list: every catalog entry is a candidate
  unmatched.name = "(no operation)";
  unmatched.raw = json::object();
  return validate_response(unmatched, response);
}

}  // namespace nanosim::contracts
