#pragma once
// The compact JSON text of a value, as every answer body is written: the same bytes as nlohmann's
// value.dump(-1, ' ', false, json::error_handler_t::replace) (text that is not UTF-8 gets U+FFFD, so a body is always
// valid JSON), in about a third of the time. nlohmann's serializer decodes every byte of every string as UTF-8; here
// a string with nothing to escape or check (printable ASCII without '"' or '\') is copied whole and an integer is
// written by std::to_chars. Anything else (a string with escapes or non-ASCII bytes, a floating-point number) goes
// through nlohmann's own serializer, so the text never differs (a property test compares them on random values).

#include <string>

#include <nlohmann/json.hpp>

namespace nanosim {

/// Appends the compact text of `value` to `out`.
void append_json_text(const nlohmann::json& value, std::string& out);

/// The compact text of `value`.
[[nodiscard]] std::string json_text(const nlohmann::json& value);

}  // namespace nanosim
