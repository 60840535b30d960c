#pragma once
// Test doubles for the client's unit tests: a scripted transport (canned responses, recorded requests) and a
// clock whose sleeps only advance a counter. No sockets, no real sleeps.

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <nanosim/client/client.hpp>

namespace nanosim::client::test {

/// The server side of a ScriptedTransport, kept by the test after the transport moves into a Client.
/// Strict: a request beyond the script is answered with a transport error naming it.
struct Script {
  std::deque<Result<HttpResponse>> replies;
  std::vector<HttpRequest> requests;
  std::string base_url;

  Script& reply(int status, std::string body, Headers headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    response.headers.emplace("Content-Type", "application/json");
    replies.emplace_back(std::move(response));
    return *this;
  }
  Script& fail_transport(std::string message) {
    Error error;
    error.kind = ErrorKind::transport;
    error.message = std::move(message);
    replies.emplace_back(std::move(error));
    return *this;
  }
  [[nodiscard]] const HttpRequest& last() const { return requests.back(); }
};

class ScriptedTransport final : public Transport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    script_->requests.push_back(request);
    if (script_->replies.empty()) {
      Error error;
      error.kind = ErrorKind::transport;
      error.message = "unscripted request: " + request.method + " " + request.path;
      return error;
    }
    auto reply = std::move(script_->replies.front());
    script_->replies.pop_front();
    return reply;
  }
  [[nodiscard]] const std::string& base_url() const override { return script_->base_url; }

 private:
  std::shared_ptr<Script> script_;
};

/// Time moves only by sleeping; every sleep is recorded.
class FakeClock final : public ClientClock {
 public:
  std::chrono::milliseconds now() override { return now_; }
  void sleep_for(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    now_ += duration;
  }
  std::chrono::system_clock::time_point wall_now() override { return wall_epoch + now_; }

  std::vector<std::chrono::milliseconds> sleeps;
  /// Sun, 06 Nov 1994 08:49:37 GMT.
  std::chrono::system_clock::time_point wall_epoch = std::chrono::system_clock::from_time_t(784111777);

 private:
  std::chrono::milliseconds now_{0};
};

/// A Client for a provider over a fresh Script and FakeClock.
struct Rig {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  Client client;

  explicit Rig(std::string provider_id = "odirouter", std::string api_key = "sk-test", std::string base_url = {})
      : client(make_transport(script, std::move(base_url)), std::move(provider_id),
               ClientOptions().with_api_key(std::move(api_key)).with_clock(clock)) {}

 private:
  static std::unique_ptr<Transport> make_transport(const std::shared_ptr<Script>& script, std::string base_url) {
    script->base_url = std::move(base_url);
    return std::make_unique<ScriptedTransport>(script);
  }
};

}  // namespace nanosim::client::test
