#pragma once
// What the benchmarks share: deterministic options, odirouter requests, and the child-process measure of the first
// Simulator of a process.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "nanosim/simulator.hpp"

extern char** environ;

namespace nanosim::bench {

using nlohmann::json;

inline Options options() {
  Options options;
  options.seed = 42;
  options.providers = {};  // every provider, as the program and the test kit serve them
  return options;
}

inline json submit_body(std::string_view size_tier = "1K") {
  return {{"prompt", "A red apple on a white table, clean studio lighting, simple background."},
          {"aspect_ratio", "1:1"},
          {"resolution", std::string(size_tier)}};
}

inline HttpRequest get(std::string path) {
  HttpRequest request;
  request.method = "GET";
  request.path = std::move(path);
  request.headers.emplace("Authorization", "Bearer bench-key");
  return request;
}

inline HttpRequest submit_request(std::string_view size_tier = "1K") {
  HttpRequest request = get("/odirouter/v1/queue/nano_banana_2");
  request.method = "POST";
  request.headers.emplace("Content-Type", "application/json");
  request.body = submit_body(size_tier).dump();
  return request;
}

struct Submitted {
  std::string status_path;
  std::string result_path;
};

/// Submits one odirouter job with `request` (submit_request's; throws if it was refused).
template <typename Sim>
Submitted submit(Sim& sim, const HttpRequest& request) {
  const HttpResponse response = sim.handle(request);
  if (response.status != 200) throw std::runtime_error("submit refused: " + response.body);
  // The id read straight from the text: parsing the whole body would be the benchmark's cost, not the simulator's.
  static constexpr std::string_view key = "\"request_id\":\"";
  const std::size_t at = response.body.find(key);
  if (at == std::string::npos) throw std::runtime_error("no request_id in " + response.body);
  const std::size_t begin = at + key.size();
  const std::string id = response.body.substr(begin, response.body.find('"', begin) - begin);
  const std::string base = "/odirouter/v1/queue/nano_banana_2/requests/" + id;
  return {base + "/status", base + "/response"};
}

template <typename Sim>
Submitted submit(Sim& sim, std::string_view size_tier = "1K") {
  return submit(sim, submit_request(size_tier));
}

/// The path of the first output file of a result body ("http://nanosim.local/__nanosim/files/x.png" -> path).
inline std::string first_file_path(const HttpResponse& result) {
  const std::string url = json::parse(result.body).at("outputs").at(0).at("url").get<std::string>();
  const auto scheme = url.find("://");
  return url.substr(url.find('/', scheme + 3));
}

inline constexpr std::string_view first_simulator_flag = "--first-simulator";

inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

/// Child side: builds the process's first Simulator and prints the seconds it took: wall-clock, then the CPU time
/// of the thread (what it costs on a machine that other work does not share).
inline int report_first_simulator() {
  const double cpu_start = thread_cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  Simulator sim(options());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.9f %.9f\n", seconds, thread_cpu_seconds() - cpu_start);
  return 0;
}

/// Parent side: runs this program with first_simulator_flag and reads the wall-clock and CPU times; negative on
/// failure.
struct FirstSimulator {
  double wall_seconds = -1;
  double cpu_seconds = -1;
};
inline FirstSimulator first_simulator_in_child() {
  int out[2];
  if (pipe(out) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string self = "/proc/self/exe";
  std::string flag(first_simulator_flag);
  char* argv[] = {self.data(), flag.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char buffer[64];
  for (ssize_t n; spawned == 0 && (n = read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(out[0]);
  int status = 0;
  if (spawned != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  char* end = nullptr;
  FirstSimulator measured;
  measured.wall_seconds = std::strtod(text.c_str(), &end);
  measured.cpu_seconds = std::strtod(end, nullptr);
  return measured;
}

}  // namespace nanosim::bench
