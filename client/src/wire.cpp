#include "wire.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>

#include "nanosim/json_limits.hpp"

namespace nanosim::client::detail {

namespace {

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text) {
  // IMF-fixdate, the only form RFC 9110 lets senders generate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double value = 0;
  in >> value;
  if (in.fail() || !in.eof() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::chrono::milliseconds non_negative_ms(double ms) {
  return std::chrono::milliseconds{ms <= 0 ? 0 : static_cast<long long>(std::ceil(ms))};
}

}  // namespace

std::optional<json> parse_json_body(std::string_view body, int max_depth) {
  if (!json_nesting_within(body, max_depth)) return std::nullopt;  // the one shared gate (nanosim/json_limits.hpp)
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

ErrorKind kind_for_status(int http_status) {
  switch (http_status) {
    case 401: return ErrorKind::unauthorized;
    case 402: return ErrorKind::insufficient_credits;
    case 403: return ErrorKind::forbidden;
    case 404: return ErrorKind::not_found;
    case 408: return ErrorKind::server_error;  // the server gave up waiting: retryable like a 5xx
    case 429: return ErrorKind::rate_limited;
    default: break;
  }
  if (http_status >= 500 && http_status <= 599) return ErrorKind::server_error;
  if (http_status >= 400 && http_status <= 499) return ErrorKind::invalid_request;
  return ErrorKind::protocol;  // 1xx/3xx, or a 2xx the caller did not expect
}

Error error_with_response(ErrorKind kind, std::string message, const HttpResponse& response) {
  Error error;
  error.kind = kind;
  error.message = std::move(message);
  error.http_status = response.status;
  error.body = response.body;
  return error;
}

Error protocol_error(const HttpResponse& response, std::string_view what) {
  return error_with_response(ErrorKind::protocol, std::string(what), response);
}

Result<json> success_object(const HttpResponse& response, std::string_view what,
                            Error (*provider_error)(const HttpResponse&), Success success) {
  const std::string where(what);
  if (response.status >= 400) return provider_error(response);
  const bool accepted = response.status == 200 ||
                        (success == Success::any_2xx && response.status >= 200 && response.status <= 299) ||
                        (success == Success::status_200_or_202 && response.status == 202);
  if (!accepted) return protocol_error(response, where + ": unexpected status");
  auto body = parse_json_body(response.body);
  if (!body || !body->is_object()) return protocol_error(response, where + ": body is not a JSON object");
  return std::move(*body);
}

Result<json> envelope_member(const json& body, std::string_view key, const HttpResponse& response,
                             std::string_view what) {
  const auto member = body.find(key);
  if (member == body.end() || !member->is_object()) {
    return protocol_error(response, std::string(what) + ": body has no \"" + std::string(key) + "\" object");
  }
  return *member;
}

Error unsupported_field(std::string field, std::string message) {
  Error error;
  error.kind = ErrorKind::invalid_request;
  error.field = std::move(field);
  error.rule = "unsupported_by_provider";
  error.message = std::move(message);
  return error;
}

std::string field_from_loc(const json& loc) {
  if (!loc.is_array()) return loc.is_string() ? loc.get<std::string>() : std::string{};
  std::string field;
  for (std::size_t i = 0; i < loc.size(); ++i) {
    const json& part = loc[i];
    if (part.is_number_integer()) {
      field += "[" + std::to_string(part.get<long long>()) + "]";
    } else if (part.is_string()) {
      const auto name = part.get<std::string>();
      if (i == 0 && (name == "body" || name == "query" || name == "path" || name == "header")) continue;
      if (!field.empty()) field += '.';
      field += name;
    }
  }
  return field;
}

namespace {

void read_error_object(const json& error_object, Error& error) {
  if (error_object.is_string()) {
    error.message = error_object.get<std::string>();
    return;
  }
  if (!error_object.is_object()) return;
  error.message = string_member(error_object, "message");
  if (const auto it = error_object.find("code"); it != error_object.end()) {
    if (it->is_string()) error.provider_code = it->get<std::string>();
    else if (it->is_number_integer()) error.provider_code = std::to_string(it->get<long long>());
  }
  if (error.provider_code.empty()) error.provider_code = string_member(error_object, "status");  // Google
  if (error.provider_code.empty()) error.provider_code = string_member(error_object, "type");    // OpenAI
  error.field = string_member(error_object, "param");
}

void read_detail(const json& detail, Error& error) {
  if (detail.is_string()) {
    error.message = detail.get<std::string>();
    return;
  }
  if (!detail.is_array() || detail.empty() || !detail[0].is_object()) return;
  const json& first = detail[0];
  error.message = string_member(first, "msg");
  error.rule = string_member(first, "type");
  if (const auto loc = first.find("loc"); loc != first.end()) error.field = field_from_loc(*loc);
  if (error.kind == ErrorKind::protocol) error.kind = ErrorKind::invalid_request;
}

}  // namespace

Error error_from_response(const HttpResponse& response) {
  Error error = error_with_response(kind_for_status(response.status), {}, response);
  if (const auto body = parse_json_body(response.body); body && body->is_object()) {
    if (const auto it = body->find("error"); it != body->end()) read_error_object(*it, error);
    if (const auto it = body->find("detail"); it != body->end()) read_detail(*it, error);
    if (error.message.empty()) error.message = string_member(*body, "message");
    if (error.provider_code.empty()) error.provider_code = string_member(*body, "error_type");
    if (error.provider_code.empty()) error.provider_code = string_member(*body, "code");
  }
  if (error.message.empty()) {
    error.message = response.body.empty() ? "HTTP " + std::to_string(response.status) + " with an empty body"
                                          : response.body.substr(0, 200);
  }
  return error;
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response,
                                                     std::chrono::system_clock::time_point wall_now) {
  if (const auto ms = response.header("retry-after-ms")) {
    if (const auto value = parse_number(*ms)) return non_negative_ms(*value);
  }
  const auto header = response.header("Retry-After");
  if (!header) return std::nullopt;
  if (const auto seconds = parse_number(*header)) return non_negative_ms(*seconds * 1000.0);
  if (const auto date = parse_http_date(*header)) {
    const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*date - wall_now);
    return non_negative_ms(static_cast<double>(delta.count()));
  }
  return std::nullopt;
}

std::string string_member(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::optional<int> int_member(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

HttpRequest json_request(std::string method, std::string path, const json* body) {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers.emplace("Accept", "application/json");
  if (body != nullptr) {
    request.headers.emplace("Content-Type", "application/json");
    request.body = body->dump();
  }
  return request;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;  // a lone sextet cannot end a byte
  return out;
}

void infer_content_type(ImageOutput& image) {
  if (!image.content_type.empty()) return;
  std::string name = !image.file_name.empty() ? image.file_name : image.url.substr(0, image.url.find_first_of("?#"));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".png")) image.content_type = "image/png";
  else if (ends_with(".jpg") || ends_with(".jpeg")) image.content_type = "image/jpeg";
  else if (ends_with(".webp")) image.content_type = "image/webp";
}

}  // namespace nanosim::client::detail
