#pragma once
// The HTTP skin: serves a Simulator on a real socket (cpp-httplib). It only converts and routes;
// every answer comes from Simulator::handle.

#include <functional>
#include <memory>
#include <string>

#include "nanosim/simulator.hpp"

namespace nanosim {

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
  /// Worker threads. Each keep-alive connection holds one while it is open, so size it for your clients.
  int threads = 64;
  int keep_alive_timeout_seconds = 5;
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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanosim
