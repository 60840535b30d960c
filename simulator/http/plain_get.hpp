#pragma once
// The common request — a GET without a body, in the plain form every HTTP/1.1 client sends — read and answered
// without building cpp-httplib's Request and Response around the simulator's own: the same message the simulator
// would get through cpp-httplib 0.11.4 (its percent-decoding of the path, the query and header values, its
// REMOTE_ADDR/REMOTE_PORT/LOCAL_ADDR/LOCAL_PORT headers) and the same bytes back (status line, headers in its order,
// Keep-Alive or Connection: close). Anything else takes cpp-httplib's path: another method or version, a body, a
// Range, Expect or Accept-Encoding header (compression), the admin API, a line that is not plain.

#include <optional>
#include <string>

#include "connections.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::http {

/// A plain GET read from the head at the start of a connection's input.
struct PlainGet {
  HttpRequest request;
  std::string target;        // as sent, for the access log
  std::size_t head_bytes = 0;  // the head's length in the input
  bool close = false;        // the client asked for Connection: close
};

/// The plain GET whose complete head starts the connection's input; nullopt when the request must take
/// cpp-httplib's path.
std::optional<PlainGet> read_plain_get(Connection& connection);

/// True when cpp-httplib would send the answer as a plain body of known length (no connection fault, no trickle):
/// then write_plain_answer gives its bytes.
bool plain_answer(const HttpResponse& answer);

/// The answer to a plain GET as cpp-httplib 0.11.4 writes it: the status line, the answer's headers (Content-Type
/// application/octet-stream when it has none, Content-Length of the body) with Keep-Alive (`timeout`, `max`) or
/// Connection: close, in cpp-httplib's order (case-insensitive, in insertion order among equal names), the body.
void write_plain_answer(const HttpResponse& answer, bool close, int keep_alive_timeout, std::size_t keep_alive_max,
                        std::string& out);

}  // namespace nanosim::http
