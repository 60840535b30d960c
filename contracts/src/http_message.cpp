// Plain HTTP message helpers. Everything here takes untrusted input: no function may throw on bad bytes
// (beyond std::bad_alloc) or read out of bounds; malformed input yields nullopt or is kept literally.
#include "nanosim/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace nanosim {
namespace {

char lower_ascii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

template <typename Map>
std::optional<std::string> first_value(const Map& map, std::string_view key) {
  // A transparent comparator (headers) finds by the view itself; std::less<std::string> needs a string.
  auto it = [&] {
    if constexpr (requires { typename Map::key_compare::is_transparent; }) {
      return map.find(key);
    } else {
      return map.find(typename Map::key_type(key));
    }
  }();
  if (it == map.end()) return std::nullopt;
  return it->second;
}

/// The value of a `; name=value` parameter of a header value such as Content-Type or Content-Disposition.
/// Handles quoted values with backslash escapes. nullopt when absent or malformed (unterminated quote).
std::optional<std::string> header_parameter(std::string_view header_value, std::string_view name) {
  std::size_t i = header_value.find(';');
  while (i != std::string_view::npos && i < header_value.size()) {
    ++i;  // past ';'
    std::size_t eq = header_value.find_first_of("=;", i);
    if (eq == std::string_view::npos) return std::nullopt;
    if (header_value[eq] == ';') {  // a parameter without a value
      i = eq;
      continue;
    }
    std::string_view key = trim(header_value.substr(i, eq - i));
    std::size_t j = eq + 1;
    while (j < header_value.size() && header_value[j] == ' ') ++j;
    std::string value;
    if (j < header_value.size() && header_value[j] == '"') {
      for (++j; j < header_value.size() && header_value[j] != '"'; ++j) {
        if (header_value[j] == '\\' && j + 1 < header_value.size()) ++j;
        value.push_back(header_value[j]);
      }
      if (j >= header_value.size()) return std::nullopt;  // unterminated quote
      ++j;
    } else {
      std::size_t end = std::min(header_value.find(';', j), header_value.size());
      value = std::string(trim(header_value.substr(j, end - j)));
      j = end;
    }
    if (iequals(key, name)) return value;
    i = header_value.find(';', j);
  }
  return std::nullopt;
}

/// Parses one part (headers CRLF CRLF content). nullopt when it has no header block or no form-data name.
std::optional<FormPart> parse_part(std::string_view part) {
  std::size_t header_end = part.find("\r\n\r\n");
  if (header_end == std::string_view::npos) return std::nullopt;
  FormPart result;
  bool has_name = false;
  std::string_view headers = part.substr(0, header_end);
  while (!headers.empty()) {
    std::size_t eol = std::min(headers.find("\r\n"), headers.size());
    std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(std::min(eol + 2, headers.size()));
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(key, "Content-Disposition")) {
      auto name = header_parameter(value, "name");
      if (!name) return std::nullopt;
      result.name = *name;
      has_name = true;
      result.filename = header_parameter(value, "filename").value_or("");
    } else if (iequals(key, "Content-Type")) {
      result.content_type = std::string(value);
    }
  }
  if (!has_name) return std::nullopt;
  result.content = std::string(part.substr(header_end + 4));
  return result;
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower_ascii(x) < lower_ascii(y); });
}

std::optional<std::string> HttpRequest::header(std::string_view name) const { return first_value(headers, name); }

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  return first_value(query, name);
}

std::optional<std::string> HttpResponse::header(std::string_view name) const { return first_value(headers, name); }

HttpResponse& HttpResponse::set_header(std::string name, std::string value) {
  headers.erase(name);
  headers.emplace(std::move(name), std::move(value));
  return *this;
}

QueryParams parse_query_string(std::string_view query) {
  QueryParams params;
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  while (!query.empty()) {
    std::size_t amp = std::min(query.find('&'), query.size());
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(std::min(amp + 1, query.size()));
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    params.emplace(percent_decode(key, true), percent_decode(value, true));
  }
  return params;
}

std::string percent_decode(std::string_view text, bool form_encoding) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else if (c == '+' && form_encoding) {
      out.push_back(' ');
    } else {
      out.push_back(c);  // a stray '%' is kept literally, as browsers do
    }
  }
  return out;
}

namespace {
bool unreserved(unsigned char c) {  // RFC 3986 §2.3, whatever the C locale says
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
}  // namespace

void append_percent_encoded(std::string& out, std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::size_t plain = 0;  // ids and model names are usually unreserved throughout: copied in one piece
  while (plain < text.size() && unreserved(static_cast<unsigned char>(text[plain]))) ++plain;
  out.append(text.substr(0, plain));
  for (std::size_t i = plain; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0F]);
    }
  }
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_percent_encoded(out, text);
  return out;
}

std::optional<std::vector<FormPart>> parse_multipart(std::string_view content_type, std::string_view body) {
  std::size_t semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return std::nullopt;  // RFC 2046: at most 70
  const std::string delimiter = "--" + *boundary;
  // The first delimiter may follow a preamble; every later one is preceded by CRLF.
  std::size_t pos = body.rfind(delimiter, 0) == 0 ? 0 : body.find("\r\n" + delimiter);
  if (pos == std::string_view::npos) return std::nullopt;
  pos += (pos == 0 && body.rfind(delimiter, 0) == 0) ? delimiter.size() : delimiter.size() + 2;
  std::vector<FormPart> parts;
  while (true) {
    std::string_view rest = body.substr(pos);
    if (rest.rfind("--", 0) == 0) return parts;  // close delimiter; the epilogue is ignored
    if (rest.rfind("\r\n", 0) != 0) return std::nullopt;
    std::size_t end = rest.find("\r\n" + delimiter, 2);
    if (end == std::string_view::npos) return std::nullopt;  // no close delimiter: truncated body
    auto part = parse_part(rest.substr(2, end - 2));
    if (!part) return std::nullopt;
    parts.push_back(std::move(*part));
    pos += end + 2 + delimiter.size();
  }
}

}  // namespace nanosim
