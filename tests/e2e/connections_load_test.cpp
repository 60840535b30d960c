// Load checks of the HTTP skin's connection model, on loopback against a served simulator on a free port.
// Hidden (they take real seconds and measure time): run them by hand,
//   build/dev/tests/nanosim_e2e_tests "[.load]" -s
// Each prints its figures; the REQUIREs are the targets of issue 10.
#include <catch2/catch.hpp>

#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "e2e_http.hpp"
#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "raw_socket.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nanosim::e2e::answer_length;
using nanosim::e2e::connect_loopback;
using nanosim::e2e::send_all;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// The path of an odirouter job's status, for a realistic poll (routing, auth, journal, the simulator's lock).
std::string status_request(const std::string& base_url) {
  const auto submit = nanosim::e2e::send(base_url, "POST", "/odirouter/v1/queue/nano_banana_2",
                                         R"({"prompt":"A red apple"})");
  REQUIRE(submit.status == 200);
  const auto url = nlohmann::json::parse(submit.body).at("status_url").get<std::string>();
  const std::string path = url.substr(url.find('/', url.find("//") + 2));
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer YOUR_API_KEY\r\n\r\n";
}

struct LoadClient {
  int fd = -1;
  std::string in;
  int answers = 0;
};

/// Every client sends `rounds` requests one after another on its one connection; one thread drives them all.
void drive(std::vector<LoadClient>& clients, const std::string& request, int rounds, std::chrono::seconds limit) {
  const int epoll_fd = ::epoll_create1(0);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, clients[i].fd, &event);
    REQUIRE(send_all(clients[i].fd, request));
  }
  std::size_t done = 0;
  std::vector<epoll_event> events(1024);
  const auto deadline = Clock::now() + limit;
  while (done < clients.size() && Clock::now() < deadline) {
    const int ready = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < ready; ++e) {
      LoadClient& client = clients[events[static_cast<std::size_t>(e)].data.u64];
      char chunk[16384];
      const ssize_t n = ::recv(client.fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) {
        ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, client.fd, nullptr);
        ++done;  // closed by the server: its count stays short
        continue;
      }
      client.in.append(chunk, static_cast<std::size_t>(n));
      while (const std::size_t length = answer_length(client.in)) {
        client.in.erase(0, length);
        if (++client.answers == rounds) {
          ++done;
        } else {
          send_all(client.fd, request);
        }
      }
    }
  }
  ::close(epoll_fd);
}

}  // namespace

TEST_CASE("A thousand concurrent keep-alive connections each get every answer", "[.load]") {
  nanosim::ServerConfig config;
  nanosim::testkit::ScopedServer server(nanosim::testkit::deterministic_options(), config);
  const std::string request = status_request(server.base_url());
  constexpr int connections = 1000;
  constexpr int rounds = 20;
  std::vector<LoadClient> clients(connections);
  const auto start = Clock::now();
  for (auto& client : clients) {
    client.fd = connect_loopback(server.port());
    REQUIRE(client.fd >= 0);
  }
  const double connected_ms = ms_since(start);
  drive(clients, request, rounds, 120s);
  const double elapsed_ms = ms_since(start);
  int fewest = rounds;
  int total = 0;
  for (auto& client : clients) {
    fewest = std::min(fewest, client.answers);
    total += client.answers;
    ::close(client.fd);
  }
  WARN(connections << " connections opened in " << connected_ms << " ms; " << total << " answers in " << elapsed_ms
                   << " ms (" << total * 1000.0 / elapsed_ms << " req/s); fewest answers on one connection: " << fewest
                   << " of " << rounds);
  CHECK(fewest == rounds);
}

TEST_CASE("With idle keep-alive and byte-a-second connections open a new client is answered at once", "[.load]") {
  nanosim::ServerConfig config;
  nanosim::testkit::ScopedServer server(nanosim::testkit::deterministic_options(), config);
  const std::string request = status_request(server.base_url());
  std::vector<LoadClient> idle(500);
  for (auto& client : idle) {
    client.fd = connect_loopback(server.port());
    REQUIRE(client.fd >= 0);
  }
  drive(idle, request, 1, 60s);  // each has been served once and stays open, idle
  for (const auto& client : idle) REQUIRE(client.answers == 1);

  std::vector<int> slow(200);
  for (int& fd : slow) {
    fd = connect_loopback(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, "GET /__nanosim/health HTTP/1.1\r\n"));
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling.load()) {
      for (int fd : slow) send_all(fd, "X");
      std::this_thread::sleep_for(1s);
    }
  });
  std::this_thread::sleep_for(2s);  // the slow heads are under way

  std::vector<double> latencies;
  for (int i = 0; i < 50; ++i) {
    const auto start = Clock::now();
    const int fd = connect_loopback(server.port());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, request));
    std::string buffer;
    const auto answer = nanosim::e2e::read_answer(fd, 5s, buffer);
    latencies.push_back(ms_since(start));
    ::close(fd);
    REQUIRE(answer);
    CHECK(answer->status == 202);  // IN_QUEUE: the manual clock stands still
  }
  trickling = false;
  trickle.join();
  std::sort(latencies.begin(), latencies.end());
  WARN("500 idle + 200 byte-a-second connections open: a new client's connect + poll + answer took median "
       << latencies[latencies.size() / 2] << " ms, worst " << latencies.back() << " ms (50 clients)");
  CHECK(latencies.back() < 50.0);
  for (auto& client : idle) ::close(client.fd);
  for (int fd : slow) ::close(fd);
}

TEST_CASE("A request head still incomplete at the deadline is closed however steadily its bytes arrive", "[.load]") {
  nanosim::ServerConfig config;
  config.head_timeout_ms = 2'000;  // the default is 10 s; the mechanism is the same
  nanosim::testkit::ScopedServer server(nanosim::testkit::deterministic_options(), config);
  const int fd = connect_loopback(server.port());
  REQUIRE(fd >= 0);
  const auto start = Clock::now();
  REQUIRE(send_all(fd, "GET /__nanosim/health HTTP/1.1\r\n"));
  bool closed = false;
  while (!closed && ms_since(start) < 6'000) {
    send_all(fd, "X");  // a byte every 200 ms: each read is quick, the head never ends
    closed = nanosim::e2e::closed_within(fd, 200ms);
  }
  const double after = ms_since(start);
  ::close(fd);
  WARN("an endless head was closed after " << after << " ms (deadline " << config.head_timeout_ms << " ms)");
  CHECK(closed);
  CHECK(after >= 1'900);
  CHECK(after < 3'000);
}
