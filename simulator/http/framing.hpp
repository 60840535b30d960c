#pragma once
// Requests the HTTP skin refuses before reading their body: a framing it cannot trust (conflicting or
// non-numeric Content-Length, Content-Length beside Transfer-Encoding), a body over the cap, a head or request
// target larger than cpp-httplib takes. Each becomes an HttpRequest carrying a FramingViolation, so the provider
// answers its own error for it (Simulator::handle), and the connection closes after the answer.

#include <httplib.h>

#include <optional>

#include "connections.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::http {

/// What is wrong with a parsed request's framing, if anything (max_body: Options::max_body_bytes).
std::optional<FramingViolation> framing_violation(const httplib::Request& request, std::size_t max_body);

/// A request whose head cpp-httplib would refuse with an empty answer (head over max_head_bytes, a request target
/// or a header line over its 8 KB lines): the method, path, query and headers that could be read, with the
/// violation. Nullopt: the head is fine.
std::optional<HttpRequest> refuse_head(const Connection& connection, std::size_t max_head_bytes);

/// Writes a whole answer to a connection that closes after it (status line, headers, Content-Length, body).
void write_raw(int fd, const HttpResponse& response);

}  // namespace nanosim::http
