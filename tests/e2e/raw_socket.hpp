#pragma once
// Raw loopback sockets for the connection-model checks and the hostile-input table: bytes exactly as written
// (nothing a client library would fix or refuse), answers read back whole.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <strings.h>

namespace nanosim::e2e {

/// A blocking loopback connection (-1 when it cannot connect).
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  return fd;
}

inline bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

/// Length of the first complete answer in `in` (head + Content-Length body), 0 while incomplete.
inline std::size_t answer_length(const std::string& in) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  std::size_t length = 0;
  std::size_t at = 0;
  while (at < end) {
    const std::size_t eol = in.find("\r\n", at);
    const std::string line = in.substr(at, eol - at);
    if (line.size() > 15 && strncasecmp(line.c_str(), "Content-Length:", 15) == 0) length = std::stoul(line.substr(15));
    at = eol + 2;
  }
  return in.size() >= end + 4 + length ? end + 4 + length : 0;
}

/// One raw answer: status code, head and body.
struct RawAnswer {
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;  // the server closed the connection after it
};

/// Reads one whole answer (or until the server closes or `timeout` passes).
inline std::optional<RawAnswer> read_answer(int fd, std::chrono::milliseconds timeout, std::string& buffer) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  RawAnswer out;
  while (answer_length(buffer) == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      out.closed = true;
      if (buffer.empty()) return std::nullopt;
      break;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const std::size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  const std::size_t total = answer_length(buffer) == 0 ? buffer.size() : answer_length(buffer);
  out.head = buffer.substr(0, head_end + 4);
  out.body = buffer.substr(head_end + 4, total - head_end - 4);
  buffer.erase(0, total);
  if (out.head.size() > 12) out.status = std::atoi(out.head.c_str() + 9);
  return out;
}

/// True when the server closes the connection within `timeout` (reads and discards what comes before).
inline bool closed_within(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
  }
}

}  // namespace nanosim::e2e
