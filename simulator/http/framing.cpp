#include "framing.hpp"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>
#include <string_view>

namespace nanosim::http {
namespace {

// cpp-httplib 0.11.4 reads a request line and each header line into buffers of this size
// (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH, CPPHTTPLIB_HEADER_MAX_LENGTH, compiled into the library).
constexpr std::size_t max_line = 8192;

std::optional<std::uint64_t> parse_length(const std::string& text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(text);
}

FramingViolation violation(std::string field, std::string rule, std::string message, std::string kind, int status) {
  return FramingViolation{std::move(field), std::move(rule), std::move(message), std::move(kind), status};
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Status";
  }
}

}  // namespace

std::optional<FramingViolation> framing_violation(const httplib::Request& request, std::size_t max_body) {
  const std::size_t lengths = request.get_header_value_count("Content-Length");
  if (lengths == 0) return std::nullopt;
  const std::string first = request.get_header_value("Content-Length", 0);
  for (std::size_t i = 1; i < lengths; ++i) {
    const std::string other = request.get_header_value("Content-Length", i);
    if (other != first) {
      return violation("Content-Length", "single",
                       "Content-Length: must be given once (got " + first + " and " + other + ")", "invalid_request",
                       400);
    }
  }
  if (request.has_header("Transfer-Encoding")) {
    return violation("Content-Length", "withTransferEncoding",
                     "Content-Length: must not be sent with Transfer-Encoding", "invalid_request", 400);
  }
  const auto length = parse_length(first);
  if (!length) {
    return violation("Content-Length", "integer", "Content-Length: must be a non-negative integer", "invalid_request",
                     400);
  }
  if (*length > max_body) {
    return violation("body", "maxBodyBytes",
                     "body: must be at most " + std::to_string(max_body) + " bytes (Content-Length: " + first + ")",
                     "payload_too_large", 413);
  }
  return std::nullopt;
}

std::optional<HttpRequest> refuse_head(const Connection& connection, std::size_t max_head_bytes) {
  const std::string_view head(connection.input.data(), connection.head_too_large
                                                           ? connection.input.size()
                                                           : head_length(connection.input));
  std::optional<FramingViolation> found;
  if (connection.head_too_large) {
    found = violation("headers", "maxBytes",
                      "headers: the request head must be at most " + std::to_string(max_head_bytes) + " bytes",
                      "invalid_request", 431);
  }
  HttpRequest request;
  std::size_t at = 0;
  bool first_line = true;
  while (at < head.size()) {
    const std::size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos || end == at) break;  // a cut last line, or the blank line
    const std::string_view line = head.substr(at, end - at);
    at = end + 2;
    if (first_line) {
      first_line = false;
      if (line.size() + 2 > max_line && !found) {
        found = violation("path", "maxLength",
                          "path: the request target must be at most " + std::to_string(max_line - 16) + " bytes",
                          "invalid_request", 414);
      }
      const std::size_t space = line.find(' ');
      request.method = std::string(line.substr(0, space));
      std::string_view target = space == std::string_view::npos ? "/" : line.substr(space + 1);
      target = target.substr(0, target.rfind(" HTTP/"));
      const std::size_t question = target.find('?');
      request.path = percent_decode(target.substr(0, question));
      if (question != std::string_view::npos) request.query = parse_query_string(target.substr(question + 1));
      continue;
    }
    if (line.size() + 2 > max_line) {
      if (!found) {
        found = violation("headers", "maxLength",
                          "headers: a header line must be at most " + std::to_string(max_line - 2) + " bytes",
                          "invalid_request", 431);
      }
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    request.headers.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  if (!found) return std::nullopt;
  if (request.path.empty() || request.path.front() != '/') request.path = "/" + request.path;
  request.framing = std::move(found);
  return request;
}

void write_raw(int fd, const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(reason(response.status)) + "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
    if (strcasecmp(name.c_str(), "Content-Length") == 0 || strcasecmp(name.c_str(), "Connection") == 0) continue;
    out += name + ": " + value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
  out += response.body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd entry{fd, POLLOUT, 0};
      if (::poll(&entry, 1, 5'000) > 0) continue;
    }
    return;
  }
}

}  // namespace nanosim::http
