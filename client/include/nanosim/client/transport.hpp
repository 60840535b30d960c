#pragma once
// Transports carry one HttpRequest to a server and bring back its HttpResponse, or a transport Error.
// Request paths are relative to the transport's base URL; the transport prepends the base's path prefix.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nanosim/client/error.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::client {

class Transport {
 public:
  virtual ~Transport() = default;
  /// Never throws for a network or server fault: those come back as ErrorKind::transport.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  /// Where requests go, e.g. "http://127.0.0.1:8080/odirouter". Empty means "any origin, no prefix"
  /// (an in-process handler: every URL it returns points at itself).
  [[nodiscard]] virtual const std::string& base_url() const = 0;
};

/// The path (with query) of an absolute URL relative to base_url, when the URL points under that base:
/// same scheme, host and port (default ports implied), and a path beneath the base's prefix.
/// A relative URL ("/v1/...") is taken as is. nullopt when the URL points elsewhere.
std::optional<std::string> path_within_base(std::string_view url, std::string_view base_url);

struct HttpTransportOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds read_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
  std::size_t max_body_bytes = 256u << 20;  // a larger response body is a transport error
  bool keep_alive = true;
  bool verify_tls = true;
};

/// Sends over HTTP(S) with cpp-httplib. Thread-safe: requests on one transport are serialised.
class HttpTransport final : public Transport {
 public:
  /// base_url: "http://host:port[/prefix]". An unparseable URL makes every send() a transport error.
  explicit HttpTransport(std::string base_url, HttpTransportOptions options = {});
  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;
  [[nodiscard]] const std::string& base_url() const override { return base_url_; }

 private:
  struct Impl;
  std::string base_url_;
  std::unique_ptr<Impl> impl_;
};

/// Calls a handler in the same process (e.g. Simulator::handle) without sockets. The response's
/// ConnectionFault is honoured as a socket would show it: reset_before_response and close_mid_body
/// become transport errors; slow_body arrives whole.
class InProcessTransport final : public Transport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  /// base_url: optional, as for HttpTransport; its path prefix is prepended to every request path and
  /// its host sent as the Host header.
  explicit InProcessTransport(Handler handler, std::string base_url = {});

  Result<HttpResponse> send(const HttpRequest& request) override;
  [[nodiscard]] const std::string& base_url() const override { return base_url_; }

 private:
  Handler handler_;
  std::string base_url_;
  std::string path_prefix_;
  std::string host_;
};

}  // namespace nanosim::client
