// Every error kind the client reports, from the wire bodies that produce it.
#include <catch2/catch.hpp>

#include <set>

#include "client_test_doubles.hpp"

using namespace nanosim::client;
using nanosim::client::test::Rig;
using std::chrono::milliseconds;

namespace {

Result<Submission> submit_against(Rig& rig) {
  return rig.client.submit(GenerateRequest().with_model("nano_banana_2").with_prompt("p"));
}

}  // namespace

TEST_CASE("error responses map to their kinds and keep status, body and the provider's words", "[unit][client]") {
  const auto [status, body, kind, message, code] = GENERATE(table<int, std::string, ErrorKind, std::string, std::string>({
      {401, R"({"error":{"code":"UNAUTHORIZED","message":"Authorization Bearer or Key token is required"},"request_id":"q"})",
       ErrorKind::unauthorized, "Authorization Bearer or Key token is required", "UNAUTHORIZED"},
      {429, R"({"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded, please try again later"},"request_id":"q"})",
       ErrorKind::rate_limited, "Rate limit exceeded, please try again later", "RATE_LIMIT_EXCEEDED"},
      {403, R"({"detail":"Model not allowed for this user"})", ErrorKind::forbidden, "Model not allowed for this user", ""},
      {404, R"({"detail":"App not found: nano_banana_9"})", ErrorKind::not_found, "App not found: nano_banana_9", ""},
      {400, R"({"detail":"webhook not supported"})", ErrorKind::invalid_request, "webhook not supported", ""},
      {402, R"({"error":{"code":"INSUFFICIENT_CREDITS","message":"Not enough credits"}})", ErrorKind::insufficient_credits,
       "Not enough credits", "INSUFFICIENT_CREDITS"},
      {400, R"({"error":{"code":"INSUFFICIENT_BALANCE","message":"Balance too low"}})", ErrorKind::insufficient_credits,
       "Balance too low", "INSUFFICIENT_BALANCE"},
      {500, R"({"detail":"Runtime execution failed"})", ErrorKind::server_error, "Runtime execution failed", ""},
      {504, R"({"detail":"Request timed out","error_type":"request_timeout"})", ErrorKind::server_error,
       "Request timed out", "request_timeout"},
      {503, "", ErrorKind::server_error, "HTTP 503 with an empty body", ""},
      {502, "Bad Gateway", ErrorKind::server_error, "Bad Gateway", ""},
  }));
  Rig rig;
  rig.script->reply(status, body);
  const auto submitted = submit_against(rig);
  REQUIRE_FALSE(submitted);
  const Error& error = submitted.error();
  CHECK(error.kind == kind);
  CHECK(error.http_status == status);
  CHECK(error.body == body);
  CHECK(error.message == message);
  CHECK(error.provider_code == code);
}

TEST_CASE("a validation error names the field from the first detail's loc and the rule from its type", "[unit][client]") {
  Rig rig;
  rig.script->reply(422, R"({"detail":[{"loc":["body","image_urls",3],"msg":"List should have at most 3 items",
      "type":"too_long","url":"https://errors.pydantic.dev/2/v/too_long"}]})");
  const auto submitted = submit_against(rig);
  REQUIRE_FALSE(submitted);
  CHECK(submitted.error().kind == ErrorKind::invalid_request);
  CHECK(submitted.error().field == "image_urls[3]");
  CHECK(submitted.error().rule == "too_long");
  CHECK(submitted.error().message == "List should have at most 3 items");
  CHECK(to_string(submitted.error()) ==
        "invalid_request (HTTP 422): List should have at most 3 items [field image_urls[3], rule too_long]");
}

TEST_CASE("Retry-After is read as seconds, as an HTTP date, and retry-after-ms wins over both", "[unit][client]") {
  Rig rig;  // the fake wall clock stands at Sun, 06 Nov 1994 08:49:37 GMT
  const std::string limited = R"({"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}})";
  rig.script->reply(429, limited, {{"Retry-After", "7"}})
      .reply(429, limited, {{"Retry-After", "Sun, 06 Nov 1994 08:50:07 GMT"}})
      .reply(429, limited, {{"retry-after-ms", "1500.5"}, {"Retry-After", "7"}})
      .reply(429, limited, {{"Retry-After", "Sun, 06 Nov 1994 08:00:00 GMT"}})
      .reply(429, limited, {{"Retry-After", "soon"}});
  CHECK(submit_against(rig).error().retry_after == milliseconds{7000});
  CHECK(submit_against(rig).error().retry_after == milliseconds{30000});
  CHECK(submit_against(rig).error().retry_after == milliseconds{1501});
  CHECK(submit_against(rig).error().retry_after == milliseconds{0});
  CHECK_FALSE(submit_against(rig).error().retry_after.has_value());
}

TEST_CASE("an error renders as one line with its kind, status, words, code and retry delay", "[unit][client]") {
  Rig rig;
  rig.script->reply(429, R"({"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded, please try again later"}})",
                    {{"Retry-After", "2"}});
  CHECK(to_string(submit_against(rig).error()) ==
        "rate_limited (HTTP 429): Rate limit exceeded, please try again later [RATE_LIMIT_EXCEEDED] [retry after 2000 ms]");
}

TEST_CASE("only transport, rate-limit and server errors other than 501 are retryable", "[unit][client]") {
  Error error;
  for (const auto kind : {ErrorKind::transport, ErrorKind::rate_limited, ErrorKind::server_error}) {
    error.kind = kind;
    CHECK(error.retryable());
  }
  error.http_status = 501;
  CHECK_FALSE(error.retryable());
  for (const auto kind : {ErrorKind::unauthorized, ErrorKind::forbidden, ErrorKind::not_found,
                          ErrorKind::invalid_request, ErrorKind::insufficient_credits, ErrorKind::content_blocked,
                          ErrorKind::generation_failed, ErrorKind::cancelled, ErrorKind::timed_out,
                          ErrorKind::not_ready, ErrorKind::protocol}) {
    error.kind = kind;
    CHECK_FALSE(error.retryable());
  }
}

TEST_CASE("every error kind has a distinct name", "[unit][client]") {
  std::set<std::string_view> names;
  for (int k = 0; k <= static_cast<int>(ErrorKind::protocol); ++k) names.insert(to_string(static_cast<ErrorKind>(k)));
  CHECK(names.size() == static_cast<std::size_t>(ErrorKind::protocol) + 1);
  CHECK(names.count("unknown") == 0);
  CHECK(to_string(ErrorKind::insufficient_credits) == "insufficient_credits");
}

TEST_CASE("a transport failure comes back as a transport error value", "[unit][client]") {
  Rig rig;
  rig.script->fail_transport("POST /v1/queue/nano_banana_2: Connection");
  const auto submitted = submit_against(rig);
  REQUIRE_FALSE(submitted);
  CHECK(submitted.error().kind == ErrorKind::transport);
  CHECK(submitted.error().http_status == 0);
  CHECK(submitted.error().retryable());
}

TEST_CASE("a response status no operation expects is a protocol error", "[unit][client]") {
  Rig rig;
  rig.script->reply(302, "");
  const auto submitted = submit_against(rig);
  REQUIRE_FALSE(submitted);
  CHECK(submitted.error().kind == ErrorKind::protocol);
  CHECK(submitted.error().http_status == 302);
}

TEST_CASE("an HTTP transport with an unusable base URL fails every request as a transport error",
          "[unit][client]") {
  HttpTransport transport("ftp://example.com/odirouter");
  const auto sent = transport.send(nanosim::HttpRequest{});
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind == ErrorKind::transport);
  CHECK(sent.error().message == "base URL \"ftp://example.com/odirouter\" is not an http(s)://host[:port][/prefix] URL");
}
