#include "connections.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace nanosim::http {

std::size_t head_length(const std::string& input, std::size_t scanned_from) {
  const std::size_t from = scanned_from > 3 ? scanned_from - 3 : 0;
  const std::size_t end = input.find("\r\n\r\n", from);
  return end == std::string::npos ? 0 : end + 4;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds linger_time{2'000};
constexpr std::chrono::milliseconds sweep_interval{100};

std::int64_t ticks(SteadyTime at) { return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count(); }

}  // namespace

struct ConnectionPool::Impl {
  Impl(ConnectionSettings s, Serve f) : settings(s), serve(std::move(f)) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || stop_fd < 0) throw std::runtime_error("cannot create the connection event loop");
    epoll_event event{};
    event.events = EPOLLIN;  // level-triggered and never read: once written, it wakes every worker, for good
    event.data.ptr = nullptr;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd, &event);
    std::lock_guard lock(pool_mutex);
    for (std::size_t i = 0; i < std::max<std::size_t>(1, settings.min_threads); ++i) spawn_locked();
    monitor_thread = std::thread([this] { monitor(); });
  }

  ~Impl() {
    stop();
    ::close(epoll_fd);
    ::close(stop_fd);
  }

  ConnectionSettings settings;
  Serve serve;
  int epoll_fd = -1;
  int stop_fd = -1;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> head_timeouts{0};
  std::atomic<std::size_t> refused{0};
  std::atomic<std::size_t> busy{0};
  std::atomic<std::size_t> waiting{0};  // workers inside epoll_wait
  std::atomic<std::uint64_t> taken{0};  // events taken by workers, ever
  std::atomic<std::int64_t> next_sweep{0};

  // Every open connection, owned here. A connection is freed only by the worker that holds it (after its event),
  // under this mutex; the sweep reads only the atomics of armed connections and shuts their sockets down, which
  // the next event turns into a close.
  std::mutex registry_mutex;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> registry;

  mutable std::mutex pool_mutex;
  std::condition_variable worker_exited;
  std::condition_variable monitor_wake;
  std::size_t threads = 0;  // guarded by pool_mutex
  std::thread monitor_thread;

  // ---- pool ----

  void spawn_locked() {
    ++threads;
    try {
      std::thread([this] { work(); }).detach();
    } catch (const std::system_error&) {
      --threads;  // out of threads for now: the waiting workers serve in turn
    }
  }

  /// Adds a worker when every worker is busy and none took an event for a whole tick: they are held by long calls
  /// (a synchronous call waiting on a real clock, a trickled body), and waiting connections would starve. A busy pool
  /// that keeps taking events is left alone: more threads than cores would only add thread switches.
  void monitor() {
    constexpr std::chrono::milliseconds tick{2};
    std::uint64_t seen = taken.load();
    std::unique_lock lock(pool_mutex);
    while (!stopping.load()) {
      monitor_wake.wait_for(lock, tick, [this] { return stopping.load(); });
      const std::uint64_t now_taken = taken.load();
      if (waiting.load() == 0 && now_taken == seen && threads < settings.max_threads && !stopping.load()) {
        spawn_locked();
      }
      seen = now_taken;
    }
  }

  void work() {
    epoll_event event{};
    auto idle_since = Clock::now();
    for (;;) {
      waiting.fetch_add(1);
      const int ready = ::epoll_wait(epoll_fd, &event, 1, static_cast<int>(sweep_interval.count()));
      waiting.fetch_sub(1);
      if (stopping.load()) break;
      const auto now = Clock::now();
      if (ready == 1 && event.data.ptr != nullptr) {
        taken.fetch_add(1);
        busy.fetch_add(1);
        on_event(*static_cast<Connection*>(event.data.ptr));
        busy.fetch_sub(1);
        idle_since = Clock::now();
      } else if (now - idle_since > settings.thread_idle && retire()) {
        return;
      }
      maybe_sweep(now);
    }
    std::lock_guard lock(pool_mutex);
    --threads;
    worker_exited.notify_all();
  }

  /// An idle worker above min_threads leaves (true), unless it is the last one waiting.
  bool retire() {
    std::lock_guard lock(pool_mutex);
    if (threads <= settings.min_threads || waiting.load() == 0) return false;
    --threads;
    worker_exited.notify_all();
    return true;
  }

  // ---- connections ----

  /// Waits for the connection's next bytes with a deadline; false when it cannot (the caller closes it).
  bool arm(Connection& connection, SteadyTime deadline, bool head_deadline) {
    connection.deadline.store(ticks(deadline));
    connection.head_deadline.store(head_deadline);
    connection.armed.store(true);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.ptr = &connection;
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, connection.fd, &event) == 0;
  }

  /// Waits for the connection's next bytes, with the deadline its state gives.
  bool rearm(Connection& connection) {
    const auto now = Clock::now();
    if (connection.draining) return arm(connection, connection.drain_until, false);
    if (connection.head_begun) return arm(connection, connection.head_started + settings.head_timeout, true);
    return arm(connection, now + settings.idle_timeout, false);
  }

  /// Closes the socket and frees the connection. Under the registry's lock, so the sweep never shuts down a socket
  /// number that was closed and handed to a new connection meanwhile.
  void close(Connection& connection) {
    std::lock_guard lock(registry_mutex);
    ::close(connection.fd);  // also leaves the epoll set
    registry.erase(&connection);
    connections.fetch_sub(1);
  }

  /// True when the input holds a complete head (or a head already too large to be one).
  bool ready_to_serve(Connection& connection) {
    // Blank lines before a request line are ignored (RFC 9112 §2.2).
    std::size_t blank = 0;
    while (blank + 1 < connection.input.size() && connection.input.compare(blank, 2, "\r\n") == 0) blank += 2;
    if (blank > 0) {
      connection.input.erase(0, blank);
      connection.scanned = 0;
    }
    if (connection.input.empty()) return false;
    if (!connection.head_begun) {
      connection.head_begun = true;
      connection.head_started = Clock::now();
    }
    if (head_length(connection.input, connection.scanned) > 0) return true;
    connection.scanned = connection.input.size();
    if (connection.input.size() > settings.max_head_bytes) {
      connection.input.resize(settings.max_head_bytes);
      connection.head_too_large = true;
      return true;
    }
    return false;
  }

  /// Reads the connection a chunk at a time, serving every request whose head is complete as soon as it is (so a
  /// head is judged, and cut at max_head_bytes, as it arrives, never after megabytes were read), then waits for more.
  void on_event(Connection& connection) {
    connection.owner.lock();  // the worker that armed it may still be returning from epoll_ctl
    connection.armed.store(false);
    const bool keep = read_and_serve(connection) && rearm(connection);
    connection.owner.unlock();  // after the re-arm: the next worker's lock() orders everything done here before it
    if (!keep) close(connection);
  }

  /// False when the connection is to be closed.
  bool read_and_serve(Connection& connection) {
    char buffer[16384];
    for (;;) {
      const ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (got <= 0 || stopping.load()) return false;  // end of stream or an error
      if (connection.draining) continue;
      connection.input.append(buffer, static_cast<std::size_t>(got));
      while (!connection.draining && ready_to_serve(connection)) {  // pipelined requests too, in order
        if (!serve_one(connection)) return false;
      }
      if (static_cast<std::size_t>(got) < sizeof buffer) return true;  // drained: no EAGAIN needed
    }
  }

  /// Serves the request at the head of the input; false when the connection is to be closed now.
  bool serve_one(Connection& connection) {
    AfterRequest after = AfterRequest::close;
    try {
      after = serve(connection);
    } catch (...) {
      after = AfterRequest::close;
    }
    if (stopping.load()) after = AfterRequest::close;
    switch (after) {
      case AfterRequest::keep_alive:
        connection.head_begun = false;
        connection.head_too_large = false;
        connection.scanned = 0;
        return true;
      case AfterRequest::linger:
        ::shutdown(connection.fd, SHUT_WR);
        connection.input.clear();
        connection.draining = true;
        connection.drain_until = Clock::now() + linger_time;
        return true;
      case AfterRequest::close:
        break;
    }
    ::shutdown(connection.fd, SHUT_RDWR);
    return false;
  }

  /// Every sweep_interval, one worker shuts down the armed connections past their deadline.
  void maybe_sweep(SteadyTime now) {
    std::int64_t due = next_sweep.load();
    if (ticks(now) < due || !next_sweep.compare_exchange_strong(due, ticks(now + sweep_interval))) return;
    std::lock_guard lock(registry_mutex);
    for (const auto& [address, connection] : registry) {
      if (!connection->armed.load() || ticks(now) <= connection->deadline.load()) continue;
      if (connection->head_deadline.load()) head_timeouts.fetch_add(1);
      connection->deadline.store(INT64_MAX);  // once: its close comes with the event the shutdown raises
      ::shutdown(connection->fd, SHUT_RDWR);
    }
  }

  void adopt(int fd) {
    auto owned = std::make_unique<Connection>();
    Connection& connection = *owned;
    connection.fd = fd;
    {
      std::lock_guard lock(registry_mutex);
      registry.emplace(&connection, std::move(owned));
    }
    connection.owner.lock();  // held across epoll_ctl, as arm() is
    connection.deadline.store(ticks(Clock::now() + settings.idle_timeout));
    connection.armed.store(true);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.ptr = &connection;
    const bool added = ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
    connection.owner.unlock();
    if (!added) close(connection);
  }

  void stop() {
    if (stopping.exchange(true)) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd, &one, sizeof one);
    {
      std::lock_guard lock(pool_mutex);
      monitor_wake.notify_all();
    }
    if (monitor_thread.joinable()) monitor_thread.join();
    {
      std::unique_lock lock(pool_mutex);
      worker_exited.wait(lock, [this] { return threads == 0; });  // each answers its request in flight first
    }
    std::lock_guard lock(registry_mutex);
    for (const auto& [address, connection] : registry) ::close(connection->fd);
    connections.fetch_sub(registry.size());
    registry.clear();
  }
};

ConnectionPool::ConnectionPool(ConnectionSettings settings, Serve serve)
    : impl_(std::make_unique<Impl>(settings, std::move(serve))) {}

ConnectionPool::~ConnectionPool() = default;

void ConnectionPool::adopt(int fd) {
  if (impl_->stopping.load() || impl_->connections.load() >= impl_->settings.max_connections) {
    impl_->refused.fetch_add(1);
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    return;
  }
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  impl_->connections.fetch_add(1);
  impl_->adopt(fd);
}

void ConnectionPool::stop() { impl_->stop(); }

ConnectionPool::Stats ConnectionPool::stats() const {
  Stats out;
  out.connections = impl_->connections.load();
  out.head_timeouts = impl_->head_timeouts.load();
  out.refused = impl_->refused.load();
  out.busy = impl_->busy.load();
  std::lock_guard lock(impl_->pool_mutex);
  out.threads = impl_->threads;
  return out;
}

const ConnectionSettings& ConnectionPool::settings() const { return impl_->settings; }

}  // namespace nanosim::http
