#include "route_template.hpp"

#include <algorithm>
#include <stdexcept>

namespace nanosim::contracts::detail {
namespace {

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);  // the leading '/'
  while (true) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

RouteTemplate::RouteTemplate(std::string_view path_template) {
  const std::string where = "path template \"" + std::string(path_template) + "\": ";
  if (path_template.empty() || path_template.front() != '/') throw std::invalid_argument(where + "must start with /");
  for (std::string_view raw : split_segments(path_template)) {
    Segment segment;
    while (!raw.empty()) {
      std::size_t open = raw.find('{');
      std::size_t close = raw.find('}');
      if (open == std::string_view::npos) {
        if (close != std::string_view::npos) throw std::invalid_argument(where + "unbalanced '}'");
        segment.push_back({false, std::string(raw)});
        break;
      }
      if (open > 0) segment.push_back({false, std::string(raw.substr(0, open))});
      close = raw.find('}', open);
      if (close == std::string_view::npos) throw std::invalid_argument(where + "unbalanced '{'");
      std::string name(raw.substr(open + 1, close - open - 1));
      if (!valid_name(name)) throw std::invalid_argument(where + "bad parameter name \"" + name + "\"");
      if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
        throw std::invalid_argument(where + "parameter \"" + name + "\" appears twice");
      }
      if (!segment.empty() && segment.back().is_parameter) {
        throw std::invalid_argument(where + "two parameters side by side are ambiguous");
      }
      names_.push_back(name);
      segment.push_back({true, std::move(name)});
      raw.remove_prefix(close + 1);
    }
    for (const auto& token : segment) literal_length_ += token.is_parameter ? 0 : token.text.size();
    literal_length_ += 1;  // the '/'
    segments_.push_back(std::move(segment));
  }
}

std::optional<std::map<std::string, std::string>> RouteTemplate::match(std::string_view path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  // Most templates a path is tried against have another number of segments: told without splitting it.
  if (static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) != segments_.size()) return std::nullopt;
  // The path's segments in turn, without a vector: segment i is path[begin, end).
  auto each_segment = [&](auto&& visit) {
    std::size_t begin = 1;
    for (const Segment& segment : segments_) {
      const std::size_t slash = path.find('/', begin);
      const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
      if (!visit(segment, path.substr(begin, end - begin))) return false;
      begin = end + 1;
    }
    return true;
  };
  // The literal segments first: a template that differs there (most do) allocates nothing.
  const bool literals_agree = each_segment([](const Segment& segment, std::string_view text) {
    return segment.size() != 1 || segment.front().is_parameter || segment.front().text == text;
  });
  if (!literals_agree) return std::nullopt;
  std::map<std::string, std::string> params;
  const bool matched = each_segment([&](const Segment& segment, std::string_view text) {
    return match_segment(segment, 0, text, params);
  });
  if (!matched) return std::nullopt;
  return params;
}

// Backtracks over where each parameter ends; a parameter is never empty. Segments are short and parameters
// never adjacent, so this is linear in practice (one candidate end per occurrence of the next literal).
bool RouteTemplate::match_segment(const Segment& segment, std::size_t token, std::string_view text,
                                  std::map<std::string, std::string>& params) {
  if (token == segment.size()) return text.empty();
  const Token& current = segment[token];
  if (!current.is_parameter) {
    if (text.substr(0, current.text.size()) != current.text) return false;
    return match_segment(segment, token + 1, text.substr(current.text.size()), params);
  }
  if (token + 1 == segment.size()) {
    if (text.empty()) return false;
    params[current.text] = std::string(text);
    return true;
  }
  const std::string& next_literal = segment[token + 1].text;
  for (std::size_t end = text.find(next_literal, 1); end != std::string_view::npos;
       end = text.find(next_literal, end + 1)) {
    if (match_segment(segment, token + 1, text.substr(end), params)) {
      params[current.text] = std::string(text.substr(0, end));
      return true;
    }
  }
  return false;
}

}  // namespace nanosim::contracts::detail
