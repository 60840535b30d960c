#pragma once
// Downloading a result file from an in-process simulator, for the contract tests.

#include <string>

#include <catch2/catch.hpp>

#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace nanosim::contract_test {

/// Downloads a result URL the simulator gave out and decodes it fully; the file must be served (200) and decode.
inline images::DecodedImage download(testkit::ScopedSimulator& sim, const std::string& url) {
  const HttpResponse file = sim.handle(testkit::request("GET", testkit::path_of(url)));
  REQUIRE(file.status == 200);
  const auto decoded = images::decode(file.body);
  REQUIRE(decoded);
  return *decoded;
}

}  // namespace nanosim::contract_test
