#pragma once
// Shared by the fuzz targets (tests/fuzz/*_fuzz.cpp): how an input becomes requests, and how a target reports a
// broken invariant (a crash libFuzzer keeps as an artifact, and the replay test fails on).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "nanosim/http_message.hpp"

namespace nanosim::fuzz {

/// Aborts with a message: the input broke an invariant. libFuzzer saves it as a crash; the replay test fails.
[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

/// Separates the requests of one input.
inline constexpr std::string_view request_separator = "\n--next--\n";

/// One request in the fuzz format, as a developer would write it:
///   METHOD TARGET            (TARGET = path, percent-encoded, with an optional ?query)
///   Name: value              (headers, one a line)
///                            (an empty line)
///   body                     (the rest, verbatim)
/// Lines end with "\n" ("\r\n" accepted). Missing parts are empty; nothing is rejected.
inline HttpRequest parse_request(std::string_view text) {
  HttpRequest request;
  const auto line_end = [&text]() { return std::min(text.find('\n'), text.size()); };
  const auto take_line = [&]() {
    const std::size_t end = line_end();
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  const std::string_view start = take_line();
  const std::size_t space = start.find(' ');
  request.method = std::string(start.substr(0, space));
  const std::string_view target = space == std::string_view::npos ? std::string_view("/") : start.substr(space + 1);
  const std::size_t question = target.find('?');
  request.path = percent_decode(target.substr(0, question));
  if (request.path.empty() || request.path.front() != '/') request.path.insert(0, "/");
  if (question != std::string_view::npos) request.query = parse_query_string(target.substr(question + 1));
  while (!text.empty()) {
    const std::string_view line = take_line();
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  request.body = std::string(text);
  return request;
}

/// The requests of an input, split on request_separator (at most `limit`, so one input stays cheap).
inline std::vector<std::string_view> split_requests(std::string_view input, std::size_t limit = 8) {
  std::vector<std::string_view> out;
  while (out.size() < limit) {
    const std::size_t at = input.find(request_separator);
    out.push_back(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + request_separator.size());
  }
  return out;
}

/// Replaces every `from` in `text` with `to`.
inline void replace_all(std::string& text, std::string_view from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace nanosim::fuzz
