// The baseline of the HTTP comparison: a bare cpp-httplib server (the library nanosim's skin is built on), tuned as
// far as its settings go, answering every GET with one constant body (an odirouter status body):
// TCP_NODELAY, a pool of --threads workers (a thread per connection: 72 by default), keep-alive without a request
// limit, and a listen backlog raised to 4096.
//
//   bare_httplib_server --port P [--threads 72] [--body-file FILE]
// Prints "listening on PORT" once bound (port 0 picks a free one).

// The listen backlog is a compile-time constant of cpp-httplib (5 by default).
#define CPPHTTPLIB_LISTEN_BACKLOG 4096
#include <httplib.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

httplib::Server* running = nullptr;

void on_signal(int) {
  if (running != nullptr) running->stop();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 72;
  std::string body =
      R"({"request_id":"0123456789abcdef0123","status":"IN_QUEUE","queue_position":0,)"
      R"("status_url":"http://127.0.0.1/odirouter/v1/queue/nano_banana_2/requests/0123456789abcdef0123/status"})";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--port") port = std::atoi(argv[i + 1]);
    else if (name == "--threads") threads = std::atoi(argv[i + 1]);
    else if (name == "--body-file") {
      std::ifstream in(argv[i + 1]);
      std::stringstream text;
      text << in.rdbuf();
      body = text.str();
    }
  }
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(INT_MAX);
  server.set_keep_alive_timeout(60);
  server.Get(".*", [&body](const httplib::Request&, httplib::Response& response) {
    response.set_content(body, "application/json");
  });
  const int bound = port == 0 ? server.bind_to_any_port("127.0.0.1") : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "cannot bind 127.0.0.1:%d\n", port);
    return 1;
  }
  running = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("listening on %d\n", bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
