// A small closed-loop HTTP/1.1 load generator for loopback benchmarks that counts answers per connection (a load
// tool's total hides a starved connection). Each of --connections keeps one request in flight on a keep-alive
// connection (reconnecting when the server closes it), spread over --threads epoll loops.
//
//   http_load --port P --path /x [--host 127.0.0.1] [--connections 64] [--threads 2] [--warmup 2] [--duration 10]
//             [--header 'Authorization: Bearer k']...
//
// Prints one JSON object: requests, rps, p50/p90/p99/max latency (ms), non-2xx answers, errors, reconnects, and
// per connection: the fewest and most answers, and how many connections got none (starved).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  int connections = 64;
  int threads = 2;
  double warmup_s = 2;
  double duration_s = 10;
  std::vector<std::string> headers;
};

std::atomic<bool> recording{false};
std::atomic<bool> stopping{false};

struct Connection {
  int fd = -1;
  std::string in;
  Clock::time_point sent_at;
  std::uint64_t answers = 0;  // while recording
  bool connecting = false;
};

struct Worker {
  const Config* config = nullptr;
  std::string request;
  std::vector<Connection> connections;
  std::vector<std::uint32_t> latencies_us;  // while recording
  std::uint64_t non_2xx = 0, errors = 0, reconnects = 0;
  int epoll = -1;

  /// Starts a non-blocking connect; the request goes out when it completes (a full backlog delays only this one).
  bool open(Connection& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c.fd < 0) return false;
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(config->port));
    inet_pton(AF_INET, config->host.c_str(), &address.sin_addr);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
      ::close(c.fd);
      c.fd = -1;
      return false;
    }
    c.connecting = true;
    c.in.clear();
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.ptr = &c;
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
    return true;
  }

  void on_connected(Connection& c) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      ++errors;
      reopen(c);
      return;
    }
    c.connecting = false;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &c;
    epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &event);
    if (!send(c)) {
      ++errors;
      reopen(c);
    }
  }

  bool send(Connection& c) {
    c.sent_at = Clock::now();
    std::size_t off = 0;
    while (off < request.size()) {
      const ssize_t n = ::send(c.fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }

  void reopen(Connection& c) {
    if (c.fd >= 0) {
      epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    ++reconnects;
    while (!stopping && !open(c)) {
      ++errors;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  /// Length of the first complete response in `in` (0: incomplete), its status and whether the server closes.
  static std::size_t complete(const std::string& in, int& status, bool& closes) {
    const std::size_t head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos) return 0;
    status = std::atoi(in.c_str() + in.find(' ') + 1);
    std::string head = in.substr(0, head_end + 2);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
    closes = head.find("\r\nconnection: close") != std::string::npos;
    const std::size_t body = head_end + 4;
    if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
      const std::size_t length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
      return in.size() >= body + length ? body + length : 0;
    }
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      std::size_t at = body;
      while (true) {
        const std::size_t line_end = in.find("\r\n", at);
        if (line_end == std::string::npos) return 0;
        const std::size_t size = std::strtoull(in.c_str() + at, nullptr, 16);
        at = line_end + 2 + size + 2;
        if (in.size() < at) return 0;
        if (size == 0) return at;
      }
    }
    return body;  // no body (204, 304) or a body we cannot delimit
  }

  void on_readable(Connection& c) {
    char buffer[16384];
    while (true) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        c.in.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      ++errors;  // closed or reset with a request in flight
      reopen(c);
      return;
    }
    int status = 0;
    bool closes = false;
    const std::size_t used = complete(c.in, status, closes);
    if (used == 0) return;
    if (recording) {
      latencies_us.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.sent_at).count()));
      ++c.answers;
      if (status < 200 || status >= 300) ++non_2xx;
    }
    c.in.erase(0, used);
    if (closes) {
      reopen(c);
    } else if (!send(c)) {
      ++errors;
      reopen(c);
    }
  }

  void run(int count) {
    epoll = epoll_create1(0);
    connections.resize(static_cast<std::size_t>(count));
    for (Connection& c : connections) {
      if (!open(c)) reopen(c);
    }
    epoll_event events[256];
    while (!stopping) {
      const int ready = epoll_wait(epoll, events, 256, 50);
      for (int i = 0; i < ready; ++i) {
        Connection& c = *static_cast<Connection*>(events[i].data.ptr);
        if (c.connecting) on_connected(c);
        else on_readable(c);
      }
    }
    for (Connection& c : connections) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll);
  }
};

Config parse(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const char* value = argv[i + 1];
    if (name == "--host") config.host = value;
    else if (name == "--port") config.port = std::atoi(value);
    else if (name == "--path") config.path = value;
    else if (name == "--connections") config.connections = std::atoi(value);
    else if (name == "--threads") config.threads = std::atoi(value);
    else if (name == "--warmup") config.warmup_s = std::atof(value);
    else if (name == "--duration") config.duration_s = std::atof(value);
    else if (name == "--header") config.headers.emplace_back(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", name.c_str());
      std::exit(2);
    }
  }
  if (config.port <= 0 || config.connections <= 0 || config.threads <= 0) {
    std::fprintf(stderr, "usage: http_load --port P --path /x [--connections N] [--threads N] [--warmup S] "
                         "[--duration S] [--header 'Name: value']...\n");
    std::exit(2);
  }
  config.threads = std::min(config.threads, config.connections);
  return config;
}

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const std::size_t at = std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())));
  return sorted[at] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const Config config = parse(argc, argv);
  std::string request = "GET " + config.path + " HTTP/1.1\r\nHost: " + config.host + ":" +
                        std::to_string(config.port) + "\r\n";
  for (const std::string& header : config.headers) request += header + "\r\n";
  request += "\r\n";

  std::vector<Worker> workers(static_cast<std::size_t>(config.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < config.threads; ++t) {
    Worker& worker = workers[static_cast<std::size_t>(t)];
    worker.config = &config;
    worker.request = request;
    const int count = config.connections / config.threads + (t < config.connections % config.threads ? 1 : 0);
    threads.emplace_back([&worker, count] { worker.run(count); });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(config.warmup_s));
  recording = true;
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(config.duration_s));
  recording = false;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stopping = true;
  for (std::thread& thread : threads) thread.join();

  std::vector<std::uint32_t> latencies;
  std::uint64_t non_2xx = 0, errors = 0, reconnects = 0, fewest = UINT64_MAX, most = 0, starved = 0;
  for (const Worker& worker : workers) {
    latencies.insert(latencies.end(), worker.latencies_us.begin(), worker.latencies_us.end());
    non_2xx += worker.non_2xx;
    errors += worker.errors;
    reconnects += worker.reconnects;
    for (const Connection& c : worker.connections) {
      fewest = std::min(fewest, c.answers);
      most = std::max(most, c.answers);
      if (c.answers == 0) ++starved;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("{\"connections\": %d, \"seconds\": %.3f, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, "
              "\"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"non_2xx\": %llu, \"errors\": %llu, "
              "\"reconnects\": %llu, \"per_connection_min\": %llu, \"per_connection_max\": %llu, \"starved\": %llu}\n",
              config.connections, seconds, latencies.size(), static_cast<double>(latencies.size()) / seconds,
              percentile(latencies, 0.50), percentile(latencies, 0.90), percentile(latencies, 0.99),
              latencies.empty() ? 0.0 : latencies.back() / 1000.0, static_cast<unsigned long long>(non_2xx),
              static_cast<unsigned long long>(errors), static_cast<unsigned long long>(reconnects),
              static_cast<unsigned long long>(fewest), static_cast<unsigned long long>(most),
              static_cast<unsigned long long>(starved));
  return 0;
}
