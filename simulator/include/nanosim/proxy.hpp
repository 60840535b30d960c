#pragma once
// The validating, recording proxy (`nanosim serve --proxy ID=URL [--record DIR]`): requests to a named provider go
// to its real upstream instead of the simulator, unchanged but for the host; the upstream's answer comes back
// untouched. On the way each request and answer is checked against the provider's contract (nanosim::conformance):
// a request that breaks it is noted, an answer that breaks it is drift, journaled with the rule broken and its
// provenance (GET /__nanosim/drift, /__nanosim/verify/coverage). With a record directory every exchange is also
// written as fixtures in the fixtures/<id>/ format (credentials removed), which `nanosim check --recorded`
// replays against the contracts of the day.
//
// Never the default: only providers named in ProxyConfig::upstreams are forwarded, each to the URL given.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "nanosim/http_message.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim {

struct ProxyConfig {
  std::map<std::string, std::string> upstreams;  // provider id -> the upstream's base URL for that provider
  std::string record_directory;                  // empty: nothing is recorded
  int read_timeout_seconds = 900;                // synchronous generations take minutes
};

class Proxy {
 public:
  /// Throws std::invalid_argument for a provider without a contract, one the simulator does not serve, or an
  /// upstream that is not an http(s) URL.
  Proxy(Simulator& simulator, ProxyConfig config);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  /// The upstream's answer to a request for a proxied provider (forwarded, checked, journaled, recorded);
  /// nullopt for every other request, which the simulator answers. Thread-safe.
  std::optional<HttpResponse> handle(const HttpRequest& request);
  /// handle() as the server's forwarding hook (ServerConfig::forward). The proxy must outlive the server.
  [[nodiscard]] std::function<std::optional<HttpResponse>(const HttpRequest&)> hook();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanosim
