#include "nanosim/json_text.hpp"

#include <charconv>

namespace nanosim {
namespace {

using nlohmann::json;

// Printable ASCII other than '"' and '\': what nlohmann copies as it is.
bool plain(const std::string& text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\') return false;
  }
  return true;
}

// A value nlohmann writes itself (strings needing escapes or UTF-8 checks, floating-point numbers, binary values).
void append_by_nlohmann(const json& value, std::string& out) {
  nlohmann::detail::serializer<json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                json::error_handler_t::replace);
  serializer.dump(value, false, false, 0);
}

void append_string(const std::string& text, std::string& out) {
  if (!plain(text)) {
    append_by_nlohmann(json(text), out);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

template <typename Integer>
void append_integer(Integer number, std::string& out) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out.append(digits, end);
}

}  // namespace

void append_json_text(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_string(key, out);
        out += ':';
        append_json_text(item, out);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& item : value.get_ref<const json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_json_text(item, out);
      }
      out += ']';
      return;
    }
    case json::value_t::string: append_string(value.get_ref<const std::string&>(), out); return;
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::null: out += "null"; return;
    case json::value_t::number_integer: append_integer(value.get<json::number_integer_t>(), out); return;
    case json::value_t::number_unsigned: append_integer(value.get<json::number_unsigned_t>(), out); return;
    case json::value_t::number_float:
    case json::value_t::binary:
    case json::value_t::discarded: append_by_nlohmann(value, out); return;
  }
}

std::string json_text(const json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(value, out);
  return out;
}

}  // namespace nanosim
