#include "plain_get.hpp"

#include <httplib.h>

#include <algorithm>
#include <string_view>
#include <vector>

// Exported by cpp-httplib's library (the reason phrase it writes after a status code), not declared by its header.
namespace httplib::detail {
const char* status_message(int status);
}  // namespace httplib::detail

namespace nanosim::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

/// A header name's characters (RFC 9110 token).
bool token(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

/// Visible ASCII, no space.
bool visible(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

/// A header value cpp-httplib keeps as it is sent (after trimming): tabs and bytes from 0x20 up, no CR or LF.
bool plain_value(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return c == '\t' || static_cast<unsigned char>(c) >= 0x20;
  });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Headers that give a request a body, a partial or encoded answer, or an interim one: cpp-httplib's path.
bool changes_framing(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Range") ||
         iequals(name, "Expect") || iequals(name, "Accept-Encoding");
}

bool has_crlf(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::optional<PlainGet> read_plain_get(Connection& connection) {
  if (connection.head_too_large) return std::nullopt;
  const std::size_t head_bytes = head_length(connection.input);
  if (head_bytes == 0) return std::nullopt;
  const std::string_view head(connection.input.data(), head_bytes - 2);  // every line with its CRLF
  std::size_t end = head.find("\r\n");
  const std::string_view line = head.substr(0, end);
  constexpr std::string_view method = "GET ", version = " HTTP/1.1";
  if (line.size() <= method.size() + version.size() || line.substr(0, method.size()) != method ||
      line.substr(line.size() - version.size()) != version) {
    return std::nullopt;
  }
  PlainGet get;
  const std::string_view target = line.substr(method.size(), line.size() - method.size() - version.size());
  const std::size_t question = target.find('?');
  if (target.front() != '/' || !visible(target) ||
      (question != std::string_view::npos && target.find('?', question + 1) != std::string_view::npos)) {
    return std::nullopt;
  }
  get.target = std::string(target);
  get.request.method = "GET";
  get.request.path = httplib::detail::decode_url(std::string(target.substr(0, question)), false);
  if (get.request.path.rfind("/__nanosim/", 0) == 0 && get.request.path.rfind("/__nanosim/files/", 0) != 0) {
    return std::nullopt;  // the admin API and its gate
  }
  if (question != std::string_view::npos && question + 1 < target.size()) {
    httplib::detail::parse_query_text(std::string(target.substr(question + 1)), get.request.query);
  }
  bool connection_seen = false;
  for (std::size_t at = end + 2; at < head.size(); at = end + 2) {
    end = head.find("\r\n", at);
    const std::string_view header = head.substr(at, end - at);
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = header.substr(0, colon);
    const std::string_view value = trimmed(header.substr(colon + 1));
    if (!token(name) || !plain_value(value) || changes_framing(name)) return std::nullopt;
    std::string decoded = httplib::detail::decode_url(std::string(value), false);
    if (!connection_seen && iequals(name, "Connection")) {
      connection_seen = true;
      get.close = decoded == "close";
    }
    get.request.headers.emplace(std::string(name), std::move(decoded));
  }
  get.head_bytes = head_bytes;
  return get;
}

bool plain_answer(const HttpResponse& answer) {
  return answer.fault == ConnectionFault::none ||
         (answer.fault == ConnectionFault::slow_body && answer.trickle_interval_ms <= 0);
}

void write_plain_answer(const HttpResponse& answer, bool close, int keep_alive_timeout, std::size_t keep_alive_max,
                        std::string& out) {
  // The fields in the order cpp-httplib adds them to its response (its headers sort them by name, case-insensitive,
  // equal names in that order): the answer's own but Content-Type and Content-Length (a field with CR or LF is
  // dropped), Content-Type, Content-Length, then Keep-Alive or Connection: close.
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(answer.headers.size() + 4);
  std::string_view content_type = "application/octet-stream";
  for (const auto& [name, value] : answer.headers) {
    if (iequals(name, "Content-Type")) {
      content_type = value;
    } else if (!iequals(name, "Content-Length") && !has_crlf(name) && !has_crlf(value)) {
      fields.emplace_back(name, value);
    }
  }
  const bool typed = !has_crlf(content_type);
  if (typed) fields.emplace_back("Content-Type", content_type);
  const std::string length = std::to_string(answer.body.size());
  if (!answer.body.empty()) fields.emplace_back("Content-Length", length);
  const std::string keep_alive =
      "timeout=" + std::to_string(keep_alive_timeout) + ", max=" + std::to_string(keep_alive_max);
  if (close) {
    fields.emplace_back("Connection", "close");
  } else {
    fields.emplace_back("Keep-Alive", keep_alive);
  }
  if (!typed && !answer.body.empty()) fields.emplace_back("Content-Type", "text/plain");
  if (answer.body.empty()) fields.emplace_back("Content-Length", "0");
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) {
    return std::lexicographical_compare(a.first.begin(), a.first.end(), b.first.begin(), b.first.end(),
                                        [](unsigned char x, unsigned char y) {
                                          return (x >= 'A' && x <= 'Z' ? x + 32 : x) <
                                                 (y >= 'A' && y <= 'Z' ? y + 32 : y);
                                        });
  });
  out.clear();
  out.reserve(256 + answer.body.size());
  out.append("HTTP/1.1 ").append(std::to_string(answer.status)).append(" ");
  out.append(httplib::detail::status_message(answer.status)).append("\r\n");
  for (const auto& [name, value] : fields) out.append(name).append(": ").append(value).append("\r\n");
  out.append("\r\n").append(answer.body);
}

}  // namespace nanosim::http
