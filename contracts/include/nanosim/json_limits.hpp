#pragma once
// The one gate every JSON text passes before any recursive code (the parser's consumers, schema walks, dumps) sees
// it: provider bodies, admin bodies, scenario documents, contracts, and the client's view of responses. A text is
// checked for size, then for nesting depth (counted over the raw bytes, without parsing), and only then parsed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nanosim {

/// How big and how deep a JSON text may be. The defaults are the simulator's (Options::max_body_bytes,
/// Options::max_json_depth): 32 MiB, 64 levels; nothing documented by a provider nests deeper than 16.
struct JsonLimits {
  std::size_t max_bytes = 32u << 20;
  int max_depth = 64;
};

/// Why a JSON text was refused: rule "maxBodyBytes", "maxDepth" or "json" (not JSON), and a message naming `what`
/// ("body: must nest at most 64 levels deep").
struct JsonRefusal {
  std::string rule;
  std::string message;
};

/// A parsed JSON text, or why it was refused (then `value` is null).
struct BoundedJson {
  nlohmann::json value;
  std::optional<JsonRefusal> refusal;
};

/// True when no array or object of the text nests deeper than `max_depth` (brackets inside strings are not
/// counted; stray closing brackets never make room for deeper nesting). Linear, no recursion, no allocation.
[[nodiscard]] bool json_nesting_within(std::string_view text, int max_depth) noexcept;

/// The size and depth checks alone; nullopt when the text is within the limits.
[[nodiscard]] std::optional<JsonRefusal> check_json_limits(std::string_view text, const JsonLimits& limits,
                                                           std::string_view what = "body");

/// Checks the limits, then parses (never throws for bad input). The text may be any JSON value: callers that need
/// an object check the type themselves.
[[nodiscard]] BoundedJson parse_bounded_json(std::string_view text, const JsonLimits& limits,
                                             std::string_view what = "body");

}  // namespace nanosim
