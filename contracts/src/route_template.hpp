#pragma once
// Internal: path templates such as "/v1/queue/{model}/requests/{request_id}/status" or
// "/v1beta/models/{model}:generateContent". A parameter matches a non-empty part of one segment (never a '/');
// a segment may mix literals and parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nanosim::contracts::detail {

class RouteTemplate {
 public:
  /// Throws std::invalid_argument for a malformed template (no leading '/', unbalanced braces, bad or
  /// repeated parameter names, two parameters side by side).
  explicit RouteTemplate(std::string_view path_template);

  /// The parameters when the (decoded) path matches, nullopt otherwise.
  [[nodiscard]] std::optional<std::map<std::string, std::string>> match(std::string_view path) const;
  /// The parameter names in order of appearance.
  [[nodiscard]] const std::vector<std::string>& parameter_names() const { return names_; }
  /// Literal characters: when several templates match a path, the most literal one wins.
  [[nodiscard]] std::size_t literal_length() const { return literal_length_; }

 private:
  struct Token {
    bool is_parameter = false;
    std::string text;  // the literal, or the parameter's name
  };
  using Segment = std::vector<Token>;
  static bool match_segment(const Segment& segment, std::size_t token, std::string_view text,
                            std::map<std::string, std::string>& params);

  std::vector<Segment> segments_;
  std::vector<std::string> names_;
  std::size_t literal_length_ = 0;
};

}  // namespace nanosim::contracts::detail
