#pragma once
// What the bananapro contract tests share: paths, request bodies, and short ways to submit and read a task.

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "nanosim/testkit/testkit.hpp"

namespace nanosim::bananapro_test {

using nlohmann::json;

inline const std::string generate_path = "/bananapro/api/v1/images/generate";
inline std::string task_path(const std::string& task_id) { return "/bananapro/api/v1/images/" + task_id; }

inline json text_to_image(std::string prompt, std::string aspect_ratio) {
  return {{"model", "nano-banana"}, {"prompt", std::move(prompt)}, {"aspect_ratio", std::move(aspect_ratio)}};
}

inline JobFate failing(std::string_view kind, std::string message = {}) {
  JobFate fate;
  fate.succeeds = false;
  fate.failure_kind = std::string(kind);
  fate.failure_message = std::move(message);
  return fate;
}

/// Submits a body that must be accepted; returns its task id.
inline std::string submit(testkit::ScopedSimulator& sim, const json& body, const std::string& key = "test-key") {
  const HttpResponse response = sim.handle(testkit::json_request("POST", generate_path, body, key));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return testkit::body_json(response).at("data").at("task_id");
}

/// The task's `data` as the owner's GET answers it (HTTP 200 required).
inline json task(testkit::ScopedSimulator& sim, const std::string& task_id, const std::string& key = "test-key") {
  const HttpResponse response = sim.handle(testkit::request("GET", task_path(task_id), key));
  INFO(response.body);
  REQUIRE(response.status == 200);
  return testkit::body_json(response).at("data");
}

/// The `error` object of a {success:false, error:{…}} body.
inline json error_of(const HttpResponse& response) { return testkit::body_json(response).at("error"); }

}  // namespace nanosim::bananapro_test
