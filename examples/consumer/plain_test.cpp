// A plain CTest program (no test framework): a toapis task on an in-process simulator, polled until it completes;
// exit 0 when its result URL serves an image.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "nanosim/simulator.hpp"

namespace {

nanosim::HttpRequest request(std::string method, std::string path, std::string body = {}) {
  nanosim::HttpRequest out;
  out.method = std::move(method);
  out.path = std::move(path);
  out.body = std::move(body);
  out.headers.emplace("Authorization", "Bearer sk-consumer");
  if (!out.body.empty()) out.headers.emplace("Content-Type", "application/json");
  return out;
}

}  // namespace

int main() {
  nanosim::Simulator simulator;  // a manual clock at 0
  const auto created = simulator.handle(request("POST", "/toapis/v1/images/generations",
                                                R"({"model":"gemini-3.1-flash-image-preview","prompt":"A red cube"})"));
  if (created.status != 200) return std::cerr << "submit: " << created.status << " " << created.body << "\n", 1;
  const std::string id = nlohmann::json::parse(created.body).at("id").get<std::string>();
  simulator.advance(nanosim::Millis{10 * 60 * 1000});
  const auto done = nlohmann::json::parse(simulator.handle(request("GET", "/toapis/v1/images/generations/" + id)).body);
  if (done.at("status") != "completed") return std::cerr << "not completed: " << done.dump() << "\n", 1;
  const std::string url = done.at("result").at("data").at(0).at("url").get<std::string>();
  const std::string path = url.substr(url.find("/__nanosim/"));
  const auto image = simulator.handle(request("GET", path));
  if (image.status != 200 || image.body.size() < 8) return std::cerr << "image: " << image.status << "\n", 1;
  std::cout << "image of " << image.body.size() << " bytes at " << path << "\n";
  return 0;
}
