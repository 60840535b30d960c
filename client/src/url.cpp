#include "url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "nanosim/client/transport.hpp"

namespace nanosim::client::detail {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

void split_path_and_query(std::string_view rest, SplitUrl& url) {
  if (const auto fragment = rest.find('#'); fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const auto question = rest.find('?');
  url.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) url.query = std::string(rest.substr(question + 1));
}

}  // namespace

std::string SplitUrl::origin() const {
  if (!absolute()) return {};
  std::string text = scheme + "://" + host;
  if (port != default_port(scheme)) text += ":" + std::to_string(port);
  return text;
}

std::optional<SplitUrl> split_url(std::string_view url) {
  SplitUrl split;
  if (url.starts_with('/')) {
    split_path_and_query(url, split);
    return split;
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  split.scheme = lower(url.substr(0, scheme_end));
  if (split.scheme != "http" && split.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  split.port = default_port(split.scheme);
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const auto digits = authority.substr(colon + 1);
    int port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port <= 0 || port > 65535) return std::nullopt;
    split.port = port;
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return std::nullopt;
  split.host = lower(authority);
  split_path_and_query(rest, split);
  while (!split.path.empty() && split.path.back() == '/') split.path.pop_back();
  return split;
}

}  // namespace nanosim::client::detail

namespace nanosim::client {

std::optional<std::string> path_within_base(std::string_view url, std::string_view base_url) {
  const auto target = detail::split_url(url);
  if (!target) return std::nullopt;
  const auto with_query = [&](std::string path) {
    if (path.empty()) path = "/";
    return target->query.empty() ? path : path + "?" + target->query;
  };
  if (!target->absolute()) return with_query(target->path);
  if (base_url.empty()) return with_query(target->path);  // in-process: every URL points at the handler
  const auto base = detail::split_url(base_url);
  if (!base || !base->absolute() || base->origin() != target->origin()) return std::nullopt;
  const std::string& prefix = base->path;
  if (!target->path.starts_with(prefix)) return std::nullopt;
  std::string rest = target->path.substr(prefix.size());
  if (!rest.empty() && rest.front() != '/') return std::nullopt;  // "/odirouterX" is not under "/odirouter"
  return with_query(std::move(rest));
}

}  // namespace nanosim::client
