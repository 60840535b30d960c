// The validating, recording proxy (nanosim/proxy.hpp): forward, check against the contract, journal the drift,
// record the exchange as fixtures.
#include "nanosim/proxy.hpp"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <stdexcept>
#include <strings.h>

#include <nlohmann/json.hpp>

#include "nanosim/client/transport.hpp"
#include "nanosim/conformance/conformance.hpp"
#include "nanosim/contracts/contract.hpp"
#include "proxy_record.hpp"

namespace nanosim {
namespace {

using nlohmann::json;

bool named(const std::string& name, std::initializer_list<const char*> names) {
  for (const char* candidate : names) {
    if (strcasecmp(name.c_str(), candidate) == 0) return true;
  }
  return false;
}

/// The request as the upstream gets it: the same method, relative path, query, headers and body; only the
/// connection's own headers (Host, lengths, hop-by-hop, the HTTP skin's socket notes) are left to the new hop.
HttpRequest upstream_request(const HttpRequest& in, const std::string& relative) {
  HttpRequest out;
  out.method = in.method;
  out.path = relative;
  out.query = in.query;
  for (const auto& [name, value] : in.headers) {
    if (named(name, {"Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection",
                     "TE", "Upgrade", "REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"})) {
      continue;
    }
    out.headers.emplace(name, value);
  }
  out.body = in.body;
  if (out.body.empty() && !in.form.empty()) out.body = proxy::encode_multipart(in);
  return out;
}

/// The upstream's answer as the client gets it: status, headers and body as they came (lengths recomputed).
HttpResponse client_response(HttpResponse upstream) {
  for (auto it = upstream.headers.begin(); it != upstream.headers.end();) {
    if (named(it->first, {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"})) it = upstream.headers.erase(it);
    else ++it;
  }
  return upstream;
}

}  // namespace

struct Proxy::Impl {
  Simulator& simulator;
  ProxyConfig config;
  std::unique_ptr<proxy::Recorder> recorder;

  /// The proxied provider and the path relative to its base, when the request is for one.
  std::optional<std::pair<std::string, std::string>> route(const HttpRequest& request) const {
    const std::string& path = request.path;
    if (path.rfind("/__nanosim/", 0) == 0) return std::nullopt;
    const std::size_t slash = path.find('/', 1);
    const std::string first = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    if (config.upstreams.count(first) != 0) return std::pair{first, slash == std::string::npos ? std::string("/") : path.substr(slash)};
    const auto served = simulator.provider_ids();
    if (simulator.serves_root() && config.upstreams.count(served.front()) != 0) return std::pair{served.front(), path};
    return std::nullopt;
  }

  HttpResponse forward(const HttpRequest& request, const std::string& provider, const std::string& relative) {
    const contracts::Contract& contract = contracts::get(provider);
    const std::string& upstream = config.upstreams.at(provider);
    const HttpRequest sent = upstream_request(request, relative);
    JournalEntry details;
    details.provider = provider;
    details.upstream = upstream;
    if (const auto match = contract.match(sent.method, sent.path)) details.operation = match->operation->name;
    const auto request_breaches = conformance::check_request(contract, sent);
    for (const auto& breach : request_breaches) details.notes.push_back("request breaks the contract: " + conformance::to_string(breach));

    client::HttpTransportOptions options;
    options.read_timeout = std::chrono::seconds(config.read_timeout_seconds);
    options.keep_alive = false;
    client::HttpTransport transport(upstream, options);
    auto answer = transport.send(sent);
    if (!answer) {
      HttpResponse failure;
      failure.status = 502;
      failure.set_header("Content-Type", "application/json");
      failure.body = json{{"error", {{"code", "upstream_unreachable"}, {"message", answer.error().message}}}}.dump();
      details.notes.push_back("proxy: no answer from " + upstream + ": " + answer.error().message);
      simulator.record_exchange(request, failure, std::move(details));
      return failure;
    }
    HttpResponse response = client_response(std::move(*answer));
    for (const auto& breach : drift_of(contract, sent, response, request_breaches)) details.drift.push_back(breach.to_json());
    if (!details.drift.empty()) details.notes.push_back("drift: " + std::to_string(details.drift.size()) + " rule(s) broken by " + upstream);
    const std::string operation = details.operation;
    simulator.record_exchange(request, response, std::move(details));
    if (recorder) recorder->record(contract, operation, sent, response);
    return response;
  }

  /// An answer off contract, and a refusal the contract promises that the upstream did not make.
  static std::vector<conformance::Breach> drift_of(const contracts::Contract& contract, const HttpRequest& sent,
                                                   const HttpResponse& response,
                                                   const std::vector<conformance::Breach>& request_breaches) {
    const std::string encoding = response.header("Content-Encoding").value_or("identity");
    const std::string type = response.content_type();
    if (encoding != "identity" || (type.find("json") == std::string::npos && !type.empty() && response.status < 400)) return {};
    auto drift = conformance::check_response(contract, sent, response);
    if (response.status / 100 == 2 && !request_breaches.empty()) {
      conformance::Breach accepted = request_breaches.front();
      accepted.rule = "accepted_invalid_request";
      accepted.message = "the upstream accepted a request the contract refuses (" + accepted.message + ")";
      drift.push_back(std::move(accepted));
    }
    return drift;
  }
};

Proxy::Proxy(Simulator& simulator, ProxyConfig config) : impl_(std::make_unique<Impl>(Impl{simulator, std::move(config), nullptr})) {
  const auto served = simulator.provider_ids();
  for (const auto& [provider, url] : impl_->config.upstreams) {
    if (contracts::find(provider) == nullptr) throw std::invalid_argument("--proxy: no contract named " + provider);
    if (std::find(served.begin(), served.end(), provider) == served.end()) {
      throw std::invalid_argument("--proxy: " + provider + " is not served (add --provider " + provider + ")");
    }
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      throw std::invalid_argument("--proxy " + provider + "=" + url + ": the upstream must be an http(s) URL");
    }
  }
  if (!impl_->config.record_directory.empty()) impl_->recorder = std::make_unique<proxy::Recorder>(impl_->config.record_directory, impl_->config.upstreams);
}

Proxy::~Proxy() = default;

std::optional<HttpResponse> Proxy::handle(const HttpRequest& request) {
  const auto routed = impl_->route(request);
  if (!routed) return std::nullopt;
  return impl_->forward(request, routed->first, routed->second);
}

std::function<std::optional<HttpResponse>(const HttpRequest&)> Proxy::hook() {
  return [this](const HttpRequest& request) { return handle(request); };
}

}  // namespace nanosim
