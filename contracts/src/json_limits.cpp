#include "nanosim/json_limits.hpp"

namespace nanosim {

bool json_nesting_within(std::string_view text, int max_depth) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::optional<JsonRefusal> check_json_limits(std::string_view text, const JsonLimits& limits, std::string_view what) {
  if (text.size() > limits.max_bytes) {
    return JsonRefusal{"maxBodyBytes",
                       std::string(what) + ": must be at most " + std::to_string(limits.max_bytes) + " bytes"};
  }
  if (!json_nesting_within(text, limits.max_depth)) {
    return JsonRefusal{"maxDepth", std::string(what) + ": must nest at most " + std::to_string(limits.max_depth) +
                                       " levels deep"};
  }
  return std::nullopt;
}

BoundedJson parse_bounded_json(std::string_view text, const JsonLimits& limits, std::string_view what) {
  BoundedJson out;
  out.refusal = check_json_limits(text, limits, what);
  if (out.refusal) return out;
  out.value = nlohmann::json::parse(text, nullptr, false);
  if (out.value.is_discarded()) {
    out.value = nullptr;
    out.refusal = JsonRefusal{"json", std::string(what) + ": must be valid JSON"};
  }
  return out;
}

}  // namespace nanosim
