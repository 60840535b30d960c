// The only client file that includes httplib.h.
#include <httplib.h>

#include <mutex>

#include "nanosim/client/transport.hpp"
#include "url.hpp"

namespace nanosim::client {

namespace {

bool keeps_in_path(unsigned char c) {
  // RFC 3986 pchar minus '%': unreserved, sub-delims, ':' and '@', plus the '/' separator.
  return std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string encode_path(std::string_view path) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (keeps_in_path(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string request_target(const std::string& prefix, const HttpRequest& request) {
  std::string target = encode_path(prefix + request.path);
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    target += separator;
    target += percent_encode(name) + "=" + percent_encode(value);
    separator = '&';
  }
  return target;
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect (refused or unreachable)";
    case httplib::Error::ConnectionTimeout: return "timed out connecting";
    case httplib::Error::Read: return "failed reading the response (reset, timed out, truncated or malformed)";
    case httplib::Error::Write: return "failed writing the request (connection reset)";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification: return "TLS failure (" + httplib::to_string(error) + ")";
    default: return httplib::to_string(error);
  }
}

Error transport_error(std::string message) {
  Error error;
  error.kind = ErrorKind::transport;
  error.message = std::move(message);
  return error;
}

}  // namespace

struct HttpTransport::Impl {
  std::mutex mutex;  // guards client: one request at a time per transport
  std::unique_ptr<httplib::Client> client;
  std::string path_prefix;
  std::string setup_error;  // non-empty when the base URL was unusable
  std::size_t max_body_bytes = 0;
};

HttpTransport::HttpTransport(std::string base_url, HttpTransportOptions options)
    : base_url_(std::move(base_url)), impl_(std::make_unique<Impl>()) {
  impl_->max_body_bytes = options.max_body_bytes;
  const auto split = detail::split_url(base_url_);
  if (!split || !split->absolute()) {
    impl_->setup_error = "base URL \"" + base_url_ + "\" is not an http(s)://host[:port][/prefix] URL";
    return;
  }
  impl_->path_prefix = split->path;
  impl_->client = std::make_unique<httplib::Client>(split->scheme + "://" + split->host + ":" + std::to_string(split->port));
  if (!impl_->client->is_valid()) {
    impl_->setup_error = "cannot create an HTTP client for \"" + base_url_ + "\"";
    return;
  }
  auto& client = *impl_->client;
  client.set_tcp_nodelay(true);  // without it every keep-alive request stalls ~40 ms (Nagle + delayed ACK)
  client.set_connection_timeout(options.connect_timeout);
  client.set_read_timeout(options.read_timeout);
  client.set_write_timeout(options.write_timeout);
  client.set_keep_alive(options.keep_alive);
  client.set_url_encode(false);  // request_target() encodes
  client.set_follow_location(false);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  client.enable_server_certificate_verification(options.verify_tls);
#endif
}

HttpTransport::~HttpTransport() = default;

Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
  if (!impl_->setup_error.empty()) return transport_error(impl_->setup_error);

  httplib::Request wire;
  wire.method = request.method;
  wire.path = request_target(impl_->path_prefix, request);
  for (const auto& [name, value] : request.headers) wire.headers.emplace(name, value);
  wire.body = request.body;
  std::string body;
  bool too_large = false;
  wire.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
    if (body.size() + length > impl_->max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };

  std::unique_lock lock(impl_->mutex);
  std::optional<httplib::Result> sent;
  try {
    sent.emplace(impl_->client->send(wire));
  } catch (const std::exception& e) {  // httplib may throw on allocation or malformed input; keep it a value
    return transport_error(request.method + " " + wire.path + ": " + e.what());
  }
  lock.unlock();
  httplib::Result& outcome = *sent;
  if (too_large) {
    return transport_error(request.method + " " + wire.path + ": response body exceeds " +
                           std::to_string(impl_->max_body_bytes) + " bytes");
  }
  if (!outcome) {
    return transport_error(request.method + " " + wire.path + ": " + describe(outcome.error()));
  }
  HttpResponse response;
  response.status = outcome->status;
  for (const auto& [name, value] : outcome->headers) response.headers.emplace(name, value);
  response.body = std::move(body);
  return response;
}

}  // namespace nanosim::client
