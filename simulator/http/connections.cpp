#include "connections.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

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

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

}  // namespace

struct ConnectionPool::Impl {
  Impl(ConnectionSettings s, Serve f) : settings(s), serve(std::move(f)) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error("cannot create the connection event loop");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event);
    event_thread = std::thread([this] { event_loop(); });
  }

  ~Impl() {
    stop();
    close_fd(epoll_fd);
    close_fd(wake_fd);
  }

  ConnectionSettings settings;
  Serve serve;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread event_thread;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> head_timeouts{0};
  std::atomic<std::size_t> refused{0};

  // Connections handed to the event thread (accepted, or back from a worker).
  std::mutex inbox_mutex;
  std::vector<std::unique_ptr<Connection>> inbox;
  // Owned by the event thread: every connection between requests.
  std::unordered_map<int, std::unique_ptr<Connection>> open;

  // The worker pool.
  mutable std::mutex pool_mutex;
  std::condition_variable work_ready;
  std::condition_variable worker_exited;
  std::deque<std::unique_ptr<Connection>> queue;
  std::size_t threads = 0;
  std::size_t idle = 0;
  std::size_t busy = 0;
  bool workers_stopping = false;

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd, &one, sizeof one);
  }

  void hand_to_event_thread(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock(inbox_mutex);
      inbox.push_back(std::move(connection));
    }
    wake();
  }

  void drop(std::unique_ptr<Connection>& connection) {
    close_fd(connection->fd);
    connection.reset();
    connections.fetch_sub(1);
  }

  // ---- event thread ----

  void event_loop() {
    std::vector<epoll_event> events(512);
    auto next_sweep = Clock::now() + sweep_interval;
    while (!stopping.load()) {
      const int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                     static_cast<int>(sweep_interval.count()));
      for (int i = 0; i < ready; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == wake_fd) {
          std::uint64_t count = 0;
          [[maybe_unused]] const auto got = ::read(wake_fd, &count, sizeof count);
          continue;
        }
        if (const auto found = open.find(fd); found != open.end()) on_readable(found);
      }
      take_inbox();
      if (Clock::now() >= next_sweep) {
        sweep(Clock::now());
        next_sweep = Clock::now() + sweep_interval;
      }
    }
    for (auto& [fd, connection] : open) drop(connection);
    open.clear();
    std::lock_guard lock(inbox_mutex);
    for (auto& connection : inbox) drop(connection);
    inbox.clear();
  }

  void take_inbox() {
    std::vector<std::unique_ptr<Connection>> arrived;
    {
      std::lock_guard lock(inbox_mutex);
      arrived.swap(inbox);
    }
    for (auto& connection : arrived) {
      if (!connection->draining && !connection->input.empty() && ready_to_serve(*connection)) {
        dispatch(std::move(connection));  // a pipelined request already complete
        continue;
      }
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.fd = connection->fd;
      if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connection->fd, &event) != 0) {
        drop(connection);
        continue;
      }
      const int fd = connection->fd;
      open.emplace(fd, std::move(connection));
    }
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

  void on_readable(std::unordered_map<int, std::unique_ptr<Connection>>::iterator found) {
    Connection& connection = *found->second;
    char buffer[16384];
    for (;;) {
      const ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        if (connection.draining) continue;
        connection.input.append(buffer, static_cast<std::size_t>(got));
        if (ready_to_serve(connection)) {
          ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
          auto owned = std::move(found->second);
          open.erase(found);
          dispatch(std::move(owned));
          return;
        }
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      drop(found->second);  // end of stream or error (closing the fd also leaves the epoll set)
      open.erase(found);
      return;
    }
  }

  void sweep(SteadyTime now) {
    for (auto it = open.begin(); it != open.end();) {
      const Connection& connection = *it->second;
      bool expired = false;
      if (connection.draining) {
        expired = now >= connection.drain_until;
      } else if (connection.head_begun) {
        expired = now - connection.head_started > settings.head_timeout;
        if (expired) head_timeouts.fetch_add(1);
      } else {
        expired = now - connection.idle_since > settings.idle_timeout;
      }
      if (expired) {
        drop(it->second);
        it = open.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- workers ----

  void dispatch(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(pool_mutex);
    if (workers_stopping) {
      drop(connection);
      return;
    }
    queue.push_back(std::move(connection));
    if (queue.size() > idle && threads < settings.max_threads) {
      ++threads;
      try {
        std::thread([this] { work(); }).detach();
      } catch (const std::system_error&) {
        --threads;  // out of threads for now: the request waits for a running worker
      }
    }
    work_ready.notify_one();
  }

  void work() {
    std::unique_lock lock(pool_mutex);
    for (;;) {
      if (!queue.empty()) {
        auto connection = std::move(queue.front());
        queue.pop_front();
        ++busy;
        lock.unlock();
        run(std::move(connection));
        lock.lock();
        --busy;
        continue;
      }
      if (workers_stopping) break;
      ++idle;
      const bool woken = work_ready.wait_for(lock, settings.thread_idle,
                                             [this] { return !queue.empty() || workers_stopping; });
      --idle;
      if (!woken && threads > settings.min_threads) break;
    }
    --threads;
    worker_exited.notify_all();
  }

  void run(std::unique_ptr<Connection> connection) {
    AfterRequest after = AfterRequest::close;
    try {
      after = serve(*connection);
    } catch (...) {
      after = AfterRequest::close;
    }
    if (stopping.load()) after = AfterRequest::close;
    const auto now = Clock::now();
    switch (after) {
      case AfterRequest::keep_alive:
        connection->head_begun = false;
        connection->head_too_large = false;
        connection->scanned = 0;
        connection->idle_since = now;
        hand_to_event_thread(std::move(connection));
        return;
      case AfterRequest::linger:
        ::shutdown(connection->fd, SHUT_WR);
        connection->input.clear();
        connection->draining = true;
        connection->drain_until = now + linger_time;
        hand_to_event_thread(std::move(connection));
        return;
      case AfterRequest::close:
        ::shutdown(connection->fd, SHUT_RDWR);
        drop(connection);
        return;
    }
  }

  void stop() {
    if (stopping.exchange(true)) return;
    wake();
    if (event_thread.joinable()) event_thread.join();
    std::unique_lock lock(pool_mutex);
    workers_stopping = true;
    for (auto& connection : queue) drop(connection);
    queue.clear();
    work_ready.notify_all();
    worker_exited.wait(lock, [this] { return threads == 0; });
    // Connections a worker handed back while the event thread was stopping.
    std::lock_guard inbox_lock(inbox_mutex);
    for (auto& connection : inbox) drop(connection);
    inbox.clear();
  }
};

ConnectionPool::ConnectionPool(ConnectionSettings settings, Serve serve)
    : impl_(std::make_unique<Impl>(settings, std::move(serve))) {}

ConnectionPool::~ConnectionPool() = default;

void ConnectionPool::adopt(int fd) {
  if (impl_->stopping.load() || impl_->connections.load() >= impl_->settings.max_connections) {
    impl_->refused.fetch_add(1);
    ::shutdown(fd, SHUT_RDWR);
    close_fd(fd);
    return;
  }
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  impl_->connections.fetch_add(1);
  auto connection = std::make_unique<Connection>();
  connection->fd = fd;
  connection->idle_since = Clock::now();
  impl_->hand_to_event_thread(std::move(connection));
}

void ConnectionPool::stop() { impl_->stop(); }

ConnectionPool::Stats ConnectionPool::stats() const {
  Stats out;
  out.connections = impl_->connections.load();
  out.head_timeouts = impl_->head_timeouts.load();
  out.refused = impl_->refused.load();
  std::lock_guard lock(impl_->pool_mutex);
  out.threads = impl_->threads;
  out.busy = impl_->busy;
  return out;
}

const ConnectionSettings& ConnectionPool::settings() const { return impl_->settings; }

}  // namespace nanosim::http
