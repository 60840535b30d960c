// Effects respond and patch_response, and the templates they fill from the request (see answers.hpp).
#include "nanosim/json_limits.hpp"
#include "answers.hpp"

#include <algorithm>
#include <optional>

#include "nanosim/images.hpp"
#include "../provider.hpp"

namespace nanosim::core {
namespace {

using nlohmann::json;

constexpr std::string_view open_mark = "{{";
constexpr std::string_view close_mark = "}}";

const std::vector<std::string_view>& plain_names() {
  static const std::vector<std::string_view> names{"job_id", "model",   "provider", "operation", "method", "path",
                                                   "api_key", "prompt", "now_ms",   "now_s",     "open"};
  return names;
}

std::string trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

/// The problem with a placeholder name, or "" when it is one of the template's names.
std::string name_problem(const std::string& name) {
  if (std::find(plain_names().begin(), plain_names().end(), name) != plain_names().end()) return {};
  for (const std::string_view prefix : {"header.", "query."}) {
    if (name.rfind(prefix, 0) != 0) continue;
    return name.size() > prefix.size() ? "" : "names no " + std::string(prefix.substr(0, prefix.size() - 1));
  }
  if (name.rfind("body.", 0) == 0) {
    try {
      json::json_pointer pointer(name.substr(5));
      return {};
    } catch (const json::exception&) {
      return "is not a JSON pointer after body.";
    }
  }
  return "is not a known placeholder";
}

std::string fact(const std::string& name, const RequestFacts& facts) {
  if (name == "job_id") return facts.job_id;
  if (name == "model") return facts.model;
  if (name == "provider") return facts.provider;
  if (name == "operation") return facts.operation;
  if (name == "method") return facts.method;
  if (name == "path") return facts.path;
  if (name == "api_key") return facts.api_key;
  if (name == "prompt") return facts.prompt.value_or("");
  if (name == "now_ms") return std::to_string(facts.now.count());
  if (name == "now_s") return std::to_string(facts.now.count() / 1000);
  if (name == "open") return std::string(open_mark);
  if (facts.request != nullptr && name.rfind("header.", 0) == 0) {
    return facts.request->header(name.substr(7)).value_or("");
  }
  if (facts.request != nullptr && name.rfind("query.", 0) == 0) {
    return facts.request->query_param(name.substr(6)).value_or("");
  }
  if (facts.body != nullptr && name.rfind("body.", 0) == 0) {
    const json* value = at_pointer(*facts.body, name.substr(5));
    if (value == nullptr) return {};
    return value->is_string() ? value->get<std::string>() : value->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return {};
}

json render_json(const json& value, const RequestFacts& facts) {  // depth bounded by max_scenario_depth
  if (value.is_string()) return render_template(value.get_ref<const std::string&>(), facts);
  if (!value.is_structured()) return value;
  json out = value;
  for (auto& item : out) item = render_json(item, facts);
  return out;
}

void check_json_templates(const json& value, const std::string& field) {
  if (value.is_string()) check_template(value.get_ref<const std::string&>(), field);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) check_json_templates(item, field + "." + key);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_json_templates(value[i], field + "[" + std::to_string(i) + "]");
    }
  }
}

/// A header value without CR/LF (a template may bring them from the request body).
std::string header_safe(std::string value) {
  std::replace_if(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return value;
}

void remove_header(HttpResponse& response, const std::string& name) {
  const auto [first, last] = response.headers.equal_range(name);
  response.headers.erase(first, last);
}

json* at_pointer_mutable(json& root, const std::string& pointer) {
  return const_cast<json*>(at_pointer(root, pointer));
}

/// Erases the value at a pointer; false when there is none.
bool erase_at(json& root, const std::string& pointer) {
  if (pointer.empty()) return false;
  const json::json_pointer path(pointer);
  json* parent = at_pointer_mutable(root, path.parent_pointer().to_string());
  if (parent == nullptr || at_pointer(root, pointer) == nullptr) return false;
  if (parent->is_object()) return parent->erase(path.back()) > 0;
  parent->erase(std::stoul(path.back()));  // at_pointer found it: a valid index
  return true;
}

/// Puts a value at a pointer (creating missing objects on the way); the reason when it cannot.
std::optional<std::string> put_at(json& root, const std::string& pointer, json value) {
  if (pointer.empty()) {
    root = std::move(value);
    return std::nullopt;
  }
  const json::json_pointer path(pointer);
  if (const json* parent = at_pointer(root, path.parent_pointer().to_string()); parent && parent->is_array()) {
    const std::string& last = path.back();
    const bool index = !last.empty() && last.size() < 10 && last.find_first_not_of("0123456789") == std::string::npos;
    if (last != "-" && (!index || std::stoul(last) > parent->size())) return "not an index of the array";
  }
  try {
    root[path] = std::move(value);
  } catch (const json::exception&) {
    return "the path crosses a value that is not an object or array";
  }
  return std::nullopt;
}

std::vector<std::string> edit_body(const AnswerPatch& patch, json& body) {
  std::vector<std::string> done;
  for (const auto& [from, to] : patch.move) {
    const json* value = at_pointer(body, from);
    if (value == nullptr) {
      done.push_back("move " + from + " not applied (absent)");
      continue;
    }
    json moved = *value;
    json before = body;  // restored when the value cannot be put back at `to`
    erase_at(body, from);
    if (const auto problem = put_at(body, to, std::move(moved))) {
      body = std::move(before);
      done.push_back("move " + from + " -> " + to + " not applied (" + *problem + ")");
    } else {
      done.push_back("moved " + from + " -> " + to);
    }
  }
  for (const std::string& pointer : patch.remove) {
    done.push_back(erase_at(body, pointer) ? "removed " + pointer : "remove " + pointer + " not applied (absent)");
  }
  for (const auto& [pointer, value] : patch.set) {
    const auto problem = put_at(body, pointer, value);
    done.push_back(problem ? "set " + pointer + " not applied (" + *problem + ")" : "set " + pointer);
  }
  return done;
}

}  // namespace

std::string checked_pointer(const std::string& pointer, const std::string& field) {
  try {
    json::json_pointer parsed(pointer);
  } catch (const json::exception&) {
    throw ScenarioError(field + ": is not a JSON pointer (RFC 6901: empty, or /-separated with ~0 and ~1 escapes)");
  }
  return pointer;
}

const json* at_pointer(const json& root, const std::string& pointer) {
  try {
    const json::json_pointer path(pointer);
    return root.contains(path) ? &root.at(path) : nullptr;
  } catch (const json::exception&) {
    return nullptr;
  }
}

void check_header_value(std::string_view text, const std::string& field) {
  if (text.find_first_of("\r\n") != std::string_view::npos) throw ScenarioError(field + ": must not contain CR or LF");
  check_template(text, field);
}

void check_template(std::string_view text, const std::string& field) {
  for (std::size_t at = text.find(open_mark); at != std::string_view::npos; at = text.find(open_mark, at)) {
    const std::size_t end = text.find(close_mark, at + open_mark.size());
    if (end == std::string_view::npos) throw ScenarioError(field + ": has a {{ without a closing }}");
    const std::string name = trimmed(text.substr(at + open_mark.size(), end - at - open_mark.size()));
    if (const std::string problem = name_problem(name); !problem.empty()) {
      throw ScenarioError(field + ": placeholder {{" + name + "}} " + problem +
                          " (job_id, model, provider, operation, method, path, api_key, prompt, now_ms, now_s, "
                          "open, header.NAME, query.NAME, body./json/pointer)");
    }
    at = end + close_mark.size();
  }
}

std::string render_template(std::string_view text, const RequestFacts& facts) {
  std::string out;
  std::size_t at = 0;
  for (std::size_t open = text.find(open_mark); open != std::string_view::npos; open = text.find(open_mark, at)) {
    const std::size_t end = text.find(close_mark, open + open_mark.size());
    if (end == std::string_view::npos) break;  // refused at load; copied as is otherwise
    out.append(text.substr(at, open - at));
    out += fact(trimmed(text.substr(open + open_mark.size(), end - open - open_mark.size())), facts);
    at = end + close_mark.size();
  }
  out.append(text.substr(at));
  return out;
}

HandMadeAnswer parse_respond(const json& body, const std::string& field) {
  HandMadeAnswer answer;
  answer.status = body.at("status").get<int>();
  const json headers = body.value("headers", json::object());  // (items() of a temporary would dangle)
  for (const auto& [name, value] : headers.items()) {
    check_header_value(value.get<std::string>(), field + ".headers." + name);
    answer.headers.emplace_back(name, value.get<std::string>());
  }
  const int bodies = static_cast<int>(body.contains("body")) + static_cast<int>(body.contains("body_json")) +
                     static_cast<int>(body.contains("body_base64"));
  if (bodies > 1) throw ScenarioError(field + ": give at most one of body, body_json and body_base64");
  if (body.contains("body")) {
    answer.body_form = HandMadeAnswer::Body::text;
    answer.body = body.at("body").get<std::string>();
    check_template(answer.body, field + ".body");
  } else if (body.contains("body_json")) {
    answer.body_form = HandMadeAnswer::Body::json;
    answer.body_json = body.at("body_json");
    check_json_templates(answer.body_json, field + ".body_json");
  } else if (body.contains("body_base64")) {
    const auto bytes = images::base64_decode(body.at("body_base64").get<std::string>());
    if (!bytes) throw ScenarioError(field + ".body_base64: is not valid base64");
    answer.body_form = HandMadeAnswer::Body::base64;
    answer.body = *bytes;
  }
  return answer;
}

AnswerPatch parse_patch(const json& body, const std::string& field) {
  AnswerPatch patch;
  if (body.contains("status")) patch.status = body.at("status").get<int>();
  const json move = body.value("move", json::object());  // (items() of a temporary would dangle)
  for (const auto& [from, to] : move.items()) {
    checked_pointer(from, field + ".move." + from);
    patch.move.emplace_back(from, checked_pointer(to.get<std::string>(), field + ".move." + from));
    if (from.empty()) throw ScenarioError(field + ".move: cannot move the whole body (pointer \"\")");
  }
  const json remove = body.value("remove", json::array());
  for (std::size_t i = 0; i < remove.size(); ++i) {
    const std::string where = field + ".remove[" + std::to_string(i) + "]";
    patch.remove.push_back(checked_pointer(remove[i].get<std::string>(), where));
    if (patch.remove.back().empty()) throw ScenarioError(where + ": cannot remove the whole body (pointer \"\")");
  }
  const json set = body.value("set", json::object());
  for (const auto& [pointer, value] : set.items()) {
    checked_pointer(pointer, field + ".set." + pointer);
    check_json_templates(value, field + ".set." + pointer);
    patch.set.emplace_back(pointer, value);
  }
  const json headers = body.value("headers", json::object());
  for (const auto& [name, value] : headers.items()) {
    if (value.is_null()) {
      patch.headers.emplace_back(name, std::nullopt);
    } else {
      check_header_value(value.get<std::string>(), field + ".headers." + name);
      patch.headers.emplace_back(name, value.get<std::string>());
    }
  }
  return patch;
}

HttpResponse hand_made_answer(const HandMadeAnswer& answer, const RequestFacts& facts) {
  HttpResponse response;
  response.status = answer.status;
  switch (answer.body_form) {
    case HandMadeAnswer::Body::none: break;
    case HandMadeAnswer::Body::text:
      response.body = render_template(answer.body, facts);
      response.set_header("Content-Type", "text/plain; charset=utf-8");
      break;
    case HandMadeAnswer::Body::json:
      response.body = render_json(answer.body_json, facts).dump(-1, ' ', false, json::error_handler_t::replace);
      response.set_header("Content-Type", "application/json");
      break;
    case HandMadeAnswer::Body::base64:
      response.body = answer.body;
      response.set_header("Content-Type", "application/octet-stream");
      break;
  }
  for (const auto& [name, value] : answer.headers) {
    response.set_header(name, header_safe(render_template(value, facts)));
  }
  return response;
}

AnswerPatch rendered(const AnswerPatch& patch, const RequestFacts& facts) {
  AnswerPatch out = patch;
  for (auto& [pointer, value] : out.set) value = render_json(value, facts);
  for (auto& [name, value] : out.headers) {
    if (value) value = header_safe(render_template(*value, facts));
  }
  return out;
}

std::string apply_patch(const AnswerPatch& patch, HttpResponse& response) {
  std::vector<std::string> done;
  if (patch.status) {
    done.push_back("status " + std::to_string(response.status) + " -> " + std::to_string(*patch.status));
    response.status = *patch.status;
  }
  if (patch.edits_body()) {
    json body = !json_nesting_within(response.body, 256) ? json(json::value_t::discarded)
                                                         : json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
      done.emplace_back("body edits not applied (the body is not JSON)");
    } else {
      for (std::string& text : edit_body(patch, body)) done.push_back(std::move(text));
      response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
      if (response.header("Content-Length")) {
        response.set_header("Content-Length", std::to_string(response.body.size()));
      }
    }
  }
  for (const auto& [name, value] : patch.headers) {
    if (value) {
      response.set_header(name, *value);
      done.push_back("header " + name + ": " + *value);
    } else {
      done.push_back(response.header(name) ? "header " + name + " removed" : "header " + name + " absent");
      remove_header(response, name);
    }
  }
  std::string text;
  for (const std::string& item : done) text += (text.empty() ? "" : ", ") + item;
  return text;
}

}  // namespace nanosim::core
