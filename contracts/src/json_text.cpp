#include "nanosim/json_text.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace nanosim {
namespace {

using nlohmann::json;

// Printable ASCII other than '"' and '\': what nlohmann copies as it is. Eight bytes at a time: a byte is flagged
// when it is below 0x20, at or above 0x80, or equal to '"' or '\' (the usual "has a zero byte" bit tricks).
bool plain(std::string_view text) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const char* at = text.data();
  std::size_t left = text.size();
  for (; left >= 8; at += 8, left -= 8) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    // Below 0x20: exact once no byte has its high bit set, and such a word is flagged anyway.
    const std::uint64_t flagged = (word & highs) | ((word - 0x20 * ones) & ~word & highs) |
                                  has_zero(word ^ ('"' * ones)) | has_zero(word ^ ('\\' * ones));
    if (flagged != 0) return false;
  }
  for (; left > 0; ++at, --left) {
    const auto byte = static_cast<unsigned char>(*at);
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

void append_string(std::string_view text, std::string& out) {
  if (!plain(text)) {
    append_by_nlohmann(json(std::string(text)), out);
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
  out.reserve(512);
  append_json_text(value, out);
  return out;
}

JsonObjectText::JsonObjectText(std::string& out) : out_(out) { out_ += '{'; }

std::string& JsonObjectText::member(std::string_view key) {
  if (!first_ && !(last_key_ < key)) {
    throw std::logic_error("JsonObjectText: \"" + std::string(key) + "\" after \"" + std::string(last_key_) + "\"");
  }
  if (!first_) out_ += ',';
  first_ = false;
  last_key_ = key;
  nanosim::append_string(key, out_);
  out_ += ':';
  return out_;
}

JsonObjectText& JsonObjectText::string(std::string_view key, std::string_view value) {
  nanosim::append_string(value, member(key));
  return *this;
}

JsonObjectText& JsonObjectText::integer(std::string_view key, std::int64_t value) {
  append_integer(value, member(key));
  return *this;
}

JsonObjectText& JsonObjectText::value(std::string_view key, const json& value) {
  append_json_text(value, member(key));
  return *this;
}

void JsonObjectText::append_string(std::string_view text, std::string& out) { nanosim::append_string(text, out); }

void JsonObjectText::close() { out_ += '}'; }

}  // namespace nanosim
