#pragma once
// What the crazyrouter contract tests share: its two generation paths and the minimal OpenAI-style body.

#include <string>

#include <nlohmann/json.hpp>

namespace nanosim::crazyrouter_test {

using nlohmann::json;

inline const std::string generations = "/crazyrouter/v1/images/generations";
inline const std::string native = "/crazyrouter/v1beta/models/nano-banana-2:generateContent";

/// The minimal accepted images/generations body (nano-banana-2, "A red apple") with `changes` merged in
/// (RFC 7396: a null member removes the field).
inline json body_with(const json& changes) {
  json body = {{"model", "nano-banana-2"}, {"prompt", "A red apple"}};
  if (changes.is_object()) body.merge_patch(changes);
  return body;
}

}  // namespace nanosim::crazyrouter_test
