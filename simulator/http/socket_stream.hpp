#pragma once
// cpp-httplib's view of a connection served by the ConnectionPool: reads come first from the bytes the pool
// already received (the request head, perhaps more), then from the non-blocking socket with a timeout per read;
// whatever is read past the request stays in the connection for the next one. Writes are gathered and sent together
// (cpp-httplib writes a response's head and body apart: two TCP segments each time with TCP_NODELAY) when the
// answer is complete, when 64 KiB wait, or before cpp-httplib asks whether it may write more (between the chunks of
// a streamed or trickled body, so their timing is kept).

#include <httplib.h>

#include <chrono>

#include "connections.hpp"

namespace nanosim::http {

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(Connection& connection, std::chrono::milliseconds io_timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;

  /// Drops the bytes read so far (the connection keeps only what follows).
  void consume_read();
  /// Sends what was written and not yet sent; false when the connection failed.
  bool flush();

 private:
  bool wait_for(short events) const;

  Connection& connection_;
  std::chrono::milliseconds io_timeout_;
  std::size_t offset_ = 0;  // bytes of connection_.input already handed to cpp-httplib
  std::string output_;      // written, not yet sent
  bool failed_ = false;     // a send failed: every later write fails
};

}  // namespace nanosim::http
