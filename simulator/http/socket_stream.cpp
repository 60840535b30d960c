#include "socket_stream.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace nanosim::http {
namespace {

constexpr std::size_t flush_bytes = 64u << 10;

void describe(const sockaddr_storage& address, socklen_t length, std::string& ip, int& port) {
  if (address.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  } else if (address.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  } else {
    return;
  }
  std::array<char, NI_MAXHOST> text{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, text.data(),
                    static_cast<socklen_t>(text.size()), nullptr, 0, NI_NUMERICHOST) == 0) {
    ip = text.data();
  }
}

}  // namespace

SocketStream::SocketStream(Connection& connection, std::chrono::milliseconds io_timeout)
    : connection_(connection), io_timeout_(io_timeout) {}

bool SocketStream::wait_for(short events) const {
  pollfd entry{connection_.fd, events, 0};
  for (;;) {
    const int ready = ::poll(&entry, 1, static_cast<int>(io_timeout_.count()));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0 && (entry.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

bool SocketStream::is_readable() const { return offset_ < connection_.input.size() || wait_for(POLLIN); }

bool SocketStream::is_writable() const {
  return const_cast<SocketStream*>(this)->flush() && wait_for(POLLOUT);  // cpp-httplib's interface is const
}

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (offset_ >= connection_.input.size()) {
    // Refill: everything the socket has now (up to 64 KiB), after waiting at most one timeout for a first byte.
    consume_read();
    char buffer[65536];
    for (;;) {
      const ssize_t got = ::recv(connection_.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        connection_.input.append(buffer, static_cast<std::size_t>(got));
        break;
      }
      if (got == 0) return 0;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(POLLIN)) return -1;
    }
  }
  const std::size_t count = std::min(size, connection_.input.size() - offset_);
  std::memcpy(ptr, connection_.input.data() + offset_, count);
  offset_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  if (failed_) return -1;
  output_.append(ptr, size);
  if (output_.size() >= flush_bytes && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool SocketStream::flush() {
  std::size_t done = 0;
  while (!failed_ && done < output_.size()) {
    const ssize_t sent = ::send(connection_.fd, output_.data() + done, output_.size() - done, MSG_NOSIGNAL);
    if (sent >= 0) {
      done += static_cast<std::size_t>(sent);
    } else if (errno != EINTR && ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(POLLOUT))) {
      failed_ = true;
    }
  }
  output_.clear();
  return !failed_;
}

namespace {

/// The address `lookup` (getpeername or getsockname) gives the socket, read once into ip and port.
template <typename Lookup>
void cached_address(int fd, Lookup lookup, std::string& cached_ip, int& cached_port, std::string& ip, int& port) {
  if (cached_port < 0) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (lookup(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
    describe(address, length, cached_ip, cached_port);
  }
  ip = cached_ip;
  port = cached_port;
}

}  // namespace

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  cached_address(connection_.fd, ::getpeername, connection_.remote_ip, connection_.remote_port, ip, port);
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  cached_address(connection_.fd, ::getsockname, connection_.local_ip, connection_.local_port, ip, port);
}

socket_t SocketStream::socket() const { return connection_.fd; }

void SocketStream::consume_read() {
  connection_.input.erase(0, offset_);
  offset_ = 0;
}

}  // namespace nanosim::http
