#pragma once
// Plain HTTP messages: the wire vocabulary shared by the simulator, the client and the contracts.
// No sockets here; the HTTP skin and the client's HTTP transport convert to and from these.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nanosim {

/// Orders header names case-insensitively (HTTP field names are case-insensitive).
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using QueryParams = std::multimap<std::string, std::string>;

/// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::string filename;      // empty for plain fields
  std::string content_type;  // empty for plain fields
  std::string content;
};

/// A rule the message itself broke at the HTTP layer, found by the HTTP skin before the body was read (a body over
/// the cap announced by Content-Length, conflicting Content-Length headers, a request head or target too large).
struct FramingViolation {
  std::string field;    // "body", "Content-Length", "headers", "path"
  std::string rule;     // "maxBodyBytes", "single", "maxBytes", "maxLength", ...
  std::string message;  // "<field>: must ..."
  std::string kind;     // the provider catalog's error kind to answer ("payload_too_large"), else invalid_request
  int status = 400;     // for paths no provider serves (admin API, files, unknown)
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";  // decoded path, no query string
  QueryParams query;
  Headers headers;
  std::string body;
  std::vector<FormPart> form;  // parsed multipart/form-data parts, if any
  /// Set by the HTTP skin: the provider answers its own error naming the field and rule, and nothing else runs.
  std::optional<FramingViolation> framing;

  /// First value of a header, if present.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  /// First value of a query parameter, if present.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

/// A connection-level fault the HTTP skin applies instead of (or while) writing the response.
enum class ConnectionFault {
  none,
  reset_before_response,  // close the socket without answering
  close_mid_body,         // send headers and part of the body, then close
  slow_body,              // trickle the body out slowly
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  ConnectionFault fault = ConnectionFault::none;
  /// For slow_body: simulated milliseconds between chunks (the skin scales them with the clock).
  int trickle_interval_ms = 0;
  /// Simulated milliseconds the HTTP skin waits before answering (scaled by the clock; set for real clocks only).
  int delay_ms = 0;

  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  /// Replaces any existing values of the header.
  HttpResponse& set_header(std::string name, std::string value);
  [[nodiscard]] std::string content_type() const { return header("Content-Type").value_or(""); }
};

/// Parses "a=1&b=x%20y" into decoded pairs.
QueryParams parse_query_string(std::string_view query);
/// Percent-decodes; '+' becomes a space when form_encoding is set.
std::string percent_decode(std::string_view text, bool form_encoding = false);
/// Percent-encodes everything but unreserved characters.
std::string percent_encode(std::string_view text);
/// The same, appended to `out`.
void append_percent_encoded(std::string& out, std::string_view text);
/// Splits a "multipart/form-data; boundary=..." body; returns nullopt when malformed.
std::optional<std::vector<FormPart>> parse_multipart(std::string_view content_type, std::string_view body);

}  // namespace nanosim
