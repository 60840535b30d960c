// The HTTP skin's socket: a port that is already serving is refused, never silently shared.
#include <catch2/catch.hpp>

#include "nanosim/server.hpp"
#include "nanosim/simulator.hpp"

using namespace nanosim;

TEST_CASE("A second server on a port that is already serving fails to start instead of sharing it", "[e2e][server]") {
  Simulator first_simulator;
  Server first(first_simulator);
  first.start();
  REQUIRE(first.port() > 0);

  Simulator second_simulator;
  ServerConfig config;
  config.port = first.port();
  Server second(second_simulator, config);
  CHECK_THROWS_WITH(second.start(), Catch::Contains("cannot bind 127.0.0.1:" + std::to_string(first.port())));
  CHECK_FALSE(second.running());
  CHECK(first.running());
}

TEST_CASE("A stopped server's port can be bound again at once", "[e2e][server]") {
  Simulator simulator;
  int port = 0;
  {
    Server server(simulator);
    server.start();
    port = server.port();
  }
  ServerConfig config;
  config.port = port;
  Server again(simulator, config);
  again.start();
  CHECK(again.port() == port);
}
