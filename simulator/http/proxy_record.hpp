#pragma once
// The proxy's recorder: every forwarded exchange written as fixtures in the fixtures/<id>/ format (index.json and
// one file per body), credentials removed, for `nanosim check --recorded`.

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::proxy {

/// A multipart/form-data body again from its parts, with the boundary of the request's Content-Type.
std::string encode_multipart(const HttpRequest& request);

class Recorder {
 public:
  /// Creates the directory; upstreams name where each provider's exchanges came from (index.json's "source").
  Recorder(std::filesystem::path directory, std::map<std::string, std::string> upstreams);
  /// Writes one exchange (path relative to the provider's base) under DIR/<provider>/ and rewrites its index.
  void record(const contracts::Contract& contract, const std::string& operation, const HttpRequest& request,
              const HttpResponse& response);

 private:
  std::filesystem::path directory_;
  std::map<std::string, std::string> upstreams_;
  std::mutex mutex_;  // guards indexes_ and the files
  std::map<std::string, nlohmann::json> indexes_;
  std::map<std::string, std::size_t> counts_;  // exchanges recorded per provider
};

}  // namespace nanosim::proxy
