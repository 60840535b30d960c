#pragma once
// The connection model of the HTTP skin: every connection waits in one epoll set (one-shot), and a pool of
// workers waits on that set. The worker that sees a connection readable reads it and, once its request head is
// complete, serves the request itself and re-arms the connection: no hand-over between threads on the request path.
// The pool stays at min_threads while its workers keep taking events, and grows (up to max_threads) when every
// worker is held by a long call and none took an event for a tick of 2 ms, so a synchronous call waiting on a real
// clock never holds up other clients. An idle keep-alive connection or a slow sender costs a file descriptor and a
// few bytes, never a thread. No HTTP parsing here beyond finding where
// a head ends; no cpp-httplib.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace nanosim::http {

using SteadyTime = std::chrono::steady_clock::time_point;

struct ConnectionSettings {
  /// A request head (request line and headers) must be complete this long after its first byte (slowloris).
  std::chrono::milliseconds head_timeout{10'000};
  /// A connection with no request under way is closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};
  /// A head larger than this is answered (the skin's own error) and the connection closed.
  std::size_t max_head_bytes = 64u << 10;
  /// Connections beyond this are closed as soon as they are accepted.
  std::size_t max_connections = 10'000;
  /// Workers kept when idle, and the most that run at once (requests beyond it wait for one).
  std::size_t min_threads = 4;
  std::size_t max_threads = 1024;
  /// An idle worker above min_threads exits after this long.
  std::chrono::milliseconds thread_idle{30'000};
};

/// One client connection: its socket and the bytes received and not yet consumed (a complete head, perhaps part
/// of a body or the next pipelined request). Touched by one worker at a time: the one that took its event.
struct Connection {
  int fd = -1;
  std::string input;
  /// The head in `input` is larger than max_head_bytes (it was cut there).
  bool head_too_large = false;
  /// The peer's and the local address, read once (cpp-httplib asks for them with every request).
  std::string remote_ip;
  int remote_port = -1;
  std::string local_ip;
  int local_port = -1;

  /// Held by the worker serving the connection, and by whoever arms it across the epoll_ctl call: the next worker
  /// takes it before touching anything, so every hand-over is a happens-before a race detector sees.
  std::mutex owner;

  // Pool bookkeeping.
  std::size_t scanned = 0;  // bytes of `input` already searched for the end of the head
  bool head_begun = false;
  SteadyTime head_started{};
  bool draining = false;  // answered and half-closed: input is read and discarded until EOF or drain_until
  SteadyTime drain_until{};
  /// While armed (waiting in the epoll set), the time past which the sweep shuts it down (idle, head or drain
  /// timeout), in steady-clock nanoseconds; `armed` and `deadline` are the only fields another thread reads.
  std::atomic<bool> armed{false};
  std::atomic<std::int64_t> deadline{0};
  std::atomic<bool> head_deadline{false};  // the deadline is a head timeout (counted in Stats::head_timeouts)
};

/// What becomes of a connection after its request was served.
enum class AfterRequest {
  keep_alive,  // re-armed for the next request
  close,       // shut down and closed now
  linger,      // half-closed: the client's unread bytes are drained for a moment so it sees the answer, not a reset
};

/// Length of the head at the start of `input` including its blank line, or 0 while it is incomplete.
std::size_t head_length(const std::string& input, std::size_t scanned_from = 0);

class ConnectionPool {
 public:
  /// Serves the request whose head is at the start of the connection's input (on a worker thread).
  using Serve = std::function<AfterRequest(Connection&)>;

  struct Stats {
    std::size_t connections = 0;  // open: idle, receiving a head, or being served
    std::size_t threads = 0;
    std::size_t busy = 0;
    std::size_t head_timeouts = 0;
    std::size_t refused = 0;  // closed at accept (max_connections)
  };

  ConnectionPool(ConnectionSettings settings, Serve serve);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Takes an accepted socket (any thread). Never blocks.
  void adopt(int fd);
  /// Closes every connection once its request in flight (if any) is answered, and joins every thread.
  void stop();
  [[nodiscard]] Stats stats() const;
  [[nodiscard]] const ConnectionSettings& settings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nanosim::http
