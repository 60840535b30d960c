#pragma once
// Starts `nanosim serve` as a child process on a free port and stops it (SIGTERM, then waits) at scope end.

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nanosim::e2e {

class ServeProcess {
 public:
  /// Runs NANOSIM_BINARY serve --port 0 <args> and waits (at most 30 s) for its "listening on" line.
  explicit ServeProcess(std::vector<std::string> args) {
    std::vector<std::string> argv_text{NANOSIM_BINARY, "serve", "--port", "0"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_text[0]);
    stdout_fd_ = out[0];
    read_until_listening();
  }
  ~ServeProcess() {
    stop();
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] const std::string& banner() const { return banner_; }

  /// Sends SIGTERM and returns the exit status (-1 if it did not exit normally). Idempotent.
  int stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_status_;
  }
  [[nodiscard]] bool alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  void read_until_listening() {
    const std::string marker = "listening on ";
    char buffer[512];
    for (int waited_ms = 0; waited_ms < 30'000;) {
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) {
        waited_ms += 100;
        continue;
      }
      const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      banner_.append(buffer, static_cast<std::size_t>(n));
      const auto at = banner_.find(marker);
      if (at != std::string::npos) {
        const auto end = banner_.find('\n', at);
        if (end != std::string::npos) {
          base_url_ = banner_.substr(at + marker.size(), end - at - marker.size());
          return;
        }
      }
    }
    stop();
    throw std::runtime_error("nanosim serve did not print its listening line; it printed: " + banner_);
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int exit_status_ = -1;
  std::string banner_;
  std::string base_url_;
};

/// What a short-lived run of the program left: its exit code and everything it wrote (stdout and stderr).
struct ProgramRun {
  int exit_code = -1;
  std::string output;
};

/// Runs NANOSIM_BINARY with `arguments` (a shell word list) to its end, with `environment` ("NAME=value ...", shell
/// words) added to its environment.
inline ProgramRun run_program_with_env(const std::string& environment, const std::string& arguments) {
  const std::string command = environment + " " + std::string(NANOSIM_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  ProgramRun run;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) run.output += buffer;
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

/// Runs NANOSIM_BINARY with `arguments` (a shell word list) to its end.
inline ProgramRun run_program(const std::string& arguments) { return run_program_with_env("", arguments); }

}  // namespace nanosim::e2e
