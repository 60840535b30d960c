#pragma once
// The HTTP skin: serves a Simulator on a real socket (cpp-httplib). It only converts and routes;
// every answer comes from Simulator::handle.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "nanosim/simulator.hpp"

namespace nanosim {

/// True for loopback addresses (127.0.0.0/8, ::1, "localhost"): only this machine can connect.
bool is_loopback_host(const std::string& host);

/// One request as the server answered it (for an access log).
struct AccessRecord {
  std::string method;
  std::string path;   // with the query string, as sent
  int status = 0;     // the answer's; a dropped connection keeps the status the journal shows (499, 503)
  double real_ms = 0;  // wall time from the request read to the answer handed to the socket
  ExchangeInfo info;   // provider, operation, simulated times, scenario rules that fired
};

struct ServerConfig {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 0;                    // 0 = any free port
  /// Asked first for every request: an answer it gives is written instead of the simulator's (the validating
  /// proxy, nanosim/proxy.hpp, answers for the providers it forwards). Empty: the simulator answers everything.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> forward;
  /// Requests served at once (worker threads, started as requests arrive; idle ones exit). Connections between
  /// requests, or still sending a request head, hold no thread: any number of them wait in one event loop.
  int threads = 1024;
  /// A connection with no request under way is closed after this long.
  int keep_alive_timeout_seconds = 60;
  /// A request head (request line and headers) must arrive within this long of its first byte.
  int head_timeout_ms = 10'000;
  /// One read or write of a body waits at most this long.
  int io_timeout_ms = 5'000;
  /// A larger request head is refused (the provider's invalid-request error) and the connection closed.
  std::size_t max_head_bytes = 64u << 10;
  /// Open connections beyond this are closed when accepted.
  std::size_t max_connections = 10'000;
  /// The listening socket's backlog (the kernel caps it at net.core.somaxconn).
  int backlog = 4096;
  /// When not empty, the admin API (/__nanosim/, result files excepted) answers only requests carrying
  /// "Authorization: Bearer <admin_token>". On an address other than loopback the admin API is off without one.
  std::string admin_token;
  /// Called once per request, on the thread that answered it (after the answer is written); none by default.
  std::function<void(const AccessRecord&)> access_log;
};

/// Binds on construction-time config in start(); stops and joins in stop() or the destructor (RAII).
class Server {
 public:
  Server(Simulator& simulator, ServerConfig config = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving on a background thread; returns once the socket accepts connections.
  /// Throws std::runtime_error when the address cannot be bound.
  void start();
  /// Stops accepting, finishes in-flight requests and joins. Idempotent.
  void stop();
  /// Blocks until the server stops (from another thread or a signal handler calling stop()).
  void wait();

  [[nodiscard]] bool running() const;
  [[nodiscard]] int port() const;
  /// "http://HOST:PORT"
  [[nodiscard]] std::string base_url() const;
  /// What the configuration exposes to other machines, for the program to print at start; empty on loopback.
  [[nodiscard]] std::string exposure_warning() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanosim
