#pragma once
// Splitting URLs into origin and path, as the transports and URL following need.

#include <optional>
#include <string>
#include <string_view>

namespace nanosim::client::detail {

struct SplitUrl {
  std::string scheme;  // "http", "https"; empty for a relative URL
  std::string host;    // lower-cased
  int port = 0;        // default port filled in for http/https
  std::string path;    // "/odirouter" (no trailing slash, "" for the root); a relative URL keeps its path
  std::string query;   // without '?'
  [[nodiscard]] bool absolute() const { return !scheme.empty(); }
  /// "http://127.0.0.1:8080" (default ports omitted).
  [[nodiscard]] std::string origin() const;
};

/// nullopt when the URL is neither "scheme://host[:port][/path][?query]" nor a path starting with '/'.
std::optional<SplitUrl> split_url(std::string_view url);

}  // namespace nanosim::client::detail
