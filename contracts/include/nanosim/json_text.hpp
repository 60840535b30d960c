#pragma once
// The compact JSON text of a value, as every answer body is written: the same bytes as nlohmann's
// value.dump(-1, ' ', false, json::error_handler_t::replace) (text that is not UTF-8 gets U+FFFD, so a body is always
// valid JSON), in about a third of the time. nlohmann's serializer decodes every byte of every string as UTF-8; here
// a string with nothing to escape or check (printable ASCII without '"' or '\') is copied whole and an integer is
// written by std::to_chars. Anything else (a string with escapes or non-ASCII bytes, a floating-point number) goes
// through nlohmann's own serializer, so the text never differs (a property test compares them on random values).

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nanosim {

/// Appends the compact text of `value` to `out`.
void append_json_text(const nlohmann::json& value, std::string& out);

/// The compact text of `value`.
[[nodiscard]] std::string json_text(const nlohmann::json& value);

/// Writes one JSON object's members straight to text, for the answers built on every request (no DOM: no node, no
/// key string per member). Members are added in ascending key order, the order nlohmann's objects are printed in,
/// so the text is byte for byte json_text of the same object; a key out of order throws std::logic_error. The last
/// key is kept as a view: each key must outlive the next member's call (string literals, as answers use, do).
class JsonObjectText {
 public:
  /// Opens the object at the end of `out`.
  explicit JsonObjectText(std::string& out);
  JsonObjectText& string(std::string_view key, std::string_view value);
  JsonObjectText& integer(std::string_view key, std::int64_t value);
  JsonObjectText& value(std::string_view key, const nlohmann::json& value);
  /// A member whose value the caller appends to text() next (a URL built in place, a nested object).
  std::string& member(std::string_view key);
  /// Appends a string's JSON text (quoted, escaped as json_text escapes it).
  static void append_string(std::string_view text, std::string& out);
  /// Closes the object; nothing is added after.
  void close();

 private:
  std::string& out_;
  std::string_view last_key_;
  bool first_ = true;
};

}  // namespace nanosim
