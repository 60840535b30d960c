#pragma once
// HTTP for the end-to-end tests: one exchange with a served simulator over a real socket, and its manual clock
// moved over the admin API.

#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "nanosim/client/client.hpp"

namespace nanosim::e2e {

/// One raw HTTP exchange through the client's HTTP transport (no provider logic). `key` goes in as Bearer; `extra`
/// headers are added as given.
inline HttpResponse send(const std::string& base_url, std::string method, std::string path, std::string body = {},
                         const std::string& key = "YOUR_API_KEY", const Headers& extra = {}) {
  client::HttpTransport transport(base_url);
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  if (!key.empty()) request.headers.emplace("Authorization", "Bearer " + key);
  if (!request.body.empty()) request.headers.emplace("Content-Type", "application/json");
  for (const auto& [name, value] : extra) request.headers.emplace(name, value);
  auto response = transport.send(request);
  REQUIRE(response);
  return *response;
}

/// Moves the served simulator's manual clock.
inline void advance_clock(const std::string& base_url, int ms) {
  const HttpResponse r = send(base_url, "POST", "/__nanosim/clock/advance", nlohmann::json{{"ms", ms}}.dump());
  REQUIRE(r.status == 200);
}

}  // namespace nanosim::e2e
