#pragma once
// Helpers every provider part shares: reading untrusted JSON, mapping HTTP statuses and common
// error-body shapes to Error values, and reading Retry-After.

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "nanosim/client/error.hpp"
#include "nanosim/client/types.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim::client::detail {

using nlohmann::json;

/// Parses a response body; nullopt when it is not JSON or nests deeper than max_depth
/// (a server, or a proxy in between, is untrusted input too).
std::optional<json> parse_json_body(std::string_view body, int max_depth = 64);

/// The kind an HTTP error status means when the body says nothing more specific.
ErrorKind kind_for_status(int http_status);

/// An Error carrying the response's status and raw body.
Error error_with_response(ErrorKind kind, std::string message, const HttpResponse& response);
/// ErrorKind::protocol: "<what>: <why>", with the response attached.
Error protocol_error(const HttpResponse& response, std::string_view what);
/// The statuses a provider answers a successful call with.
enum class Success { status_200, any_2xx, status_200_or_202 };

/// The JSON object a successful response carries, else the error it stands for: provider_error(response) for a
/// status >= 400; "<what>: unexpected status" for another status that is not a success;
/// "<what>: body is not a JSON object".
Result<json> success_object(const HttpResponse& response, std::string_view what,
                            Error (*provider_error)(const HttpResponse&), Success success = Success::status_200);
/// The object an envelope holds under key ("data"), else the protocol error "<what>: body has no \"<key>\" object".
Result<json> envelope_member(const json& body, std::string_view key, const HttpResponse& response,
                             std::string_view what);
/// A request the provider's wire cannot express, refused before anything is sent: invalid_request on the field,
/// rule "unsupported_by_provider", http_status 0.
Error unsupported_field(std::string field, std::string message);

/// Maps an error response by its status and the common body shapes:
///   {"error":{"code","message","type","param"}}   (SeaArt/odirouter, OpenAI, new-api)
///   {"error":{"code":<int>,"message","status"}}     (Google)
///   {"detail":"..."} and {"detail":[{"loc","msg","type"}]}  (fal/FastAPI; loc gives field, type gives rule)
///   {"message":"..."} / {"code","message"}
/// A provider refines the result with its own codes afterwards.
Error error_from_response(const HttpResponse& response);

/// "body.image_urls.3" style FastAPI loc -> "image_urls[3]" (a leading "body"/"query" is dropped).
std::string field_from_loc(const json& loc);

/// retry-after-ms (milliseconds, may be fractional), else Retry-After (delta seconds or an HTTP date
/// relative to wall_now). nullopt when absent or unreadable; never negative.
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response,
                                                     std::chrono::system_clock::time_point wall_now);

/// Reads a string member; empty when absent or not a string.
std::string string_member(const json& object, std::string_view key);
/// Reads an integer member; nullopt when absent or not an integer.
std::optional<int> int_member(const json& object, std::string_view key);

/// Decodes base64 (RFC 4648, padding optional, whitespace ignored); nullopt when the text is not base64.
/// For providers that inline images (Gemini's inlineData, OpenAI's b64_json).
std::optional<std::string> base64_decode(std::string_view text);

/// A JSON request with Content-Type and Accept set.
HttpRequest json_request(std::string method, std::string path, const json* body);

/// Fills an image's empty content type from its file name or URL extension (.png, .jpg/.jpeg, .webp), so every
/// provider's result says what its images are, whether or not its wire does.
void infer_content_type(ImageOutput& image);

/// What a provider's word maps to in one of its tables (an error code to an ErrorKind, a status word to a
/// JobState); nullopt when the word is not listed.
template <class Value, std::size_t N>
std::optional<Value> lookup(const std::array<std::pair<std::string_view, Value>, N>& table, std::string_view word) {
  for (const auto& [name, value] : table) {
    if (name == word) return value;
  }
  return std::nullopt;
}

}  // namespace nanosim::client::detail
