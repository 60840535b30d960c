// `nanosim serve`: every provider over HTTP until SIGINT / SIGTERM.
#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <pthread.h>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/server.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim::cli {
namespace {

/// The flags as typed (command line, environment or --config file); read into Options by to_options, so every
/// message about a bad value is the program's own.
struct ServeFlags {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::vector<std::string> providers;
  std::string seed;
  std::string clock = "real";
  std::string time_scale = "1";
  std::string workers;
  std::vector<std::string> api_keys;
  std::vector<std::string> key_models;
  std::string threads;
  std::vector<std::string> scenarios;
  std::string default_credits;
  std::vector<std::string> credits;
};

/// What serve runs with: the simulator's options, the HTTP server's, and how to describe the clock.
struct ServeSetup {
  Options options;
  ServerConfig server;
  std::string clock_text;
};

Scenario load_scenario_flag(const std::string& file_or_name) {
  try {
    return load_scenario(file_or_name);
  } catch (const ScenarioError& e) {
    throw UsageError(std::string("--scenario: ") + e.what());
  }
}

/// "--key-models sk-a=NanoBanana,NanoBanana2-1K": the models key sk-a may use.
void add_key_models(Options& options, const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) throw UsageError("--key-models: expected KEY=MODEL[,MODEL...]");
  std::vector<std::string>& models = options.models_per_key[text.substr(0, equals)];
  for (std::size_t start = equals + 1; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) models.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
}

/// "KEY=N" (the last '=' splits, so a key may contain '=').
std::pair<std::string, std::int64_t> parse_credit(const std::string& text) {
  const std::size_t equals = text.rfind('=');
  if (equals == std::string::npos || equals == 0) throw UsageError("--credits: expected KEY=N, got '" + text + "'");
  return {text.substr(0, equals), parse_number("--credits", text.substr(equals + 1), 0, INT64_MAX)};
}

double parse_time_scale(const std::string& text) {
  double scale = -1;
  try {
    std::size_t used = 0;
    scale = std::stod(text, &used);
    if (used != text.size()) scale = -1;
  } catch (const std::exception&) {
    scale = -1;
  }
  if (!(scale > 0)) throw UsageError("--time-scale: expected a positive number");
  return scale;
}

ServeSetup to_setup(const ServeFlags& flags) {
  ServeSetup setup;
  Options& options = setup.options;
  setup.server.host = flags.host;
  setup.server.port = static_cast<int>(parse_number("--port", flags.port, 0, 65535));
  if (!flags.threads.empty()) setup.server.threads = static_cast<int>(parse_number("--threads", flags.threads, 1, 4096));
  options.providers = flags.providers;
  if (!flags.seed.empty()) options.seed = static_cast<std::uint64_t>(parse_number("--seed", flags.seed, 0, INT64_MAX));
  if (!flags.workers.empty()) options.workers = static_cast<int>(parse_number("--workers", flags.workers, 1, 100000));
  options.api_keys = flags.api_keys;
  for (const std::string& text : flags.key_models) add_key_models(options, text);
  for (const std::string& text : flags.scenarios) options.scenarios.push_back(load_scenario_flag(text));
  if (!flags.default_credits.empty()) {
    options.default_credits = parse_number("--default-credits", flags.default_credits, 0, INT64_MAX);
  }
  for (const std::string& text : flags.credits) {
    auto [key, balance] = parse_credit(text);
    options.credits.insert_or_assign(std::move(key), balance);
  }
  const double time_scale = parse_time_scale(flags.time_scale);
  if (flags.clock == "manual") {
    options.clock = std::make_shared<ManualClock>();
    setup.clock_text = "clock manual";
  } else if (flags.clock == "real") {
    options.clock = std::make_shared<RealClock>(time_scale);
    setup.clock_text = "clock real, time scale " + std::to_string(time_scale);
  } else {
    throw UsageError("--clock: expected real or manual, got '" + flags.clock + "'");
  }
  return setup;
}

int serve(ServeSetup setup) {
  // Signals are taken by sigwait below, not by a handler: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Simulator simulator(setup.options);
  Server server(simulator, setup.server);
  server.start();
  for (const std::string& id : simulator.provider_ids()) {
    std::cout << id << "  " << server.base_url() << "/" << id << "  (documented base "
              << contracts::get(id).documented_base_url() << ")\n";
  }
  if (simulator.serves_root()) std::cout << simulator.provider_ids().front() << " is also served at the root\n";
  std::cout << setup.clock_text << ", seed " << setup.options.seed << "\n";
  for (const Scenario& scenario : setup.options.scenarios) std::cout << "scenario " << scenario.name << "\n";
  std::cout << "nanosim listening on " << server.base_url() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "nanosim: stopping (" << (received == SIGINT ? "SIGINT" : "SIGTERM") << ")" << std::endl;
  server.stop();
  return 0;
}

/// "--time-scale" -> "NANOSIM_TIME_SCALE".
std::string env_name(const std::string& flag) {
  std::string env = "NANOSIM_" + flag.substr(2);
  for (char& c : env) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

/// A single-valued flag with its environment variable.
CLI::Option* add_flag(CLI::App& command, const std::string& name, std::string& into, const std::string& help,
                      const std::string& type) {
  return command.add_option(name, into, help)->type_name(type)->envname(env_name(name));
}

/// A repeatable flag; its environment variable (and --x a,b) takes several values separated by `delimiter`.
CLI::Option* add_list(CLI::App& command, const std::string& name, std::vector<std::string>& into,
                      const std::string& help, const std::string& type, char delimiter = ',') {
  return command.add_option(name, into, help)
      ->type_name(type)
      ->allow_extra_args(false)
      ->delimiter(delimiter)
      ->envname(env_name(name));
}

constexpr const char* serve_footer = R"(Every provider is served under http://HOST:PORT/<id>, at the provider's documented paths after its
documented base URL; with a single --provider it is also served at the root. --port 0 picks a free port.
Each flag may also come from the environment (NANOSIM_PORT, NANOSIM_CLOCK, NANOSIM_PROVIDER=a,b, ...) or from a
--config file (TOML or INI, a [serve] section: port = 8080, provider = ["gemini"]); the command line wins over the
environment, which wins over the file.
Admin API on the same port: GET /__nanosim/health, POST /__nanosim/clock/advance {"ms":N},
POST /__nanosim/reset, GET /__nanosim/journal, GET /__nanosim/jobs, GET /__nanosim/usage[?api_key=K],
GET /__nanosim/credits, PUT /__nanosim/credits/KEY {"balance":N}.
Failure scenarios: --scenario takes a catalog name (nanosim scenarios list) or a JSON file; at run time
GET/POST /__nanosim/scenarios, DELETE /__nanosim/scenarios/NAME, or per request the header
X-Nanosim-Scenario: NAME. Checks of client behaviour: GET /__nanosim/verify?check=NAME, /__nanosim/verify/coverage.)";

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand("serve", "Serve every provider over HTTP until SIGINT or SIGTERM");
  command->fallthrough();  // --config, given after `serve`, belongs to the program
  command->footer(serve_footer);
  add_flag(*command, "--host", flags->host, "Address to bind (default 127.0.0.1)", "ADDRESS");
  add_flag(*command, "--port", flags->port, "Port to bind, 0 = any free port (default 8080)", "PORT");
  add_list(*command, "--provider", flags->providers, "Serve only these providers (repeatable)", "ID");
  add_flag(*command, "--seed", flags->seed, "Seed of every random choice (default 1)", "N");
  add_flag(*command, "--clock", flags->clock, "real (default) or manual: POST /__nanosim/clock/advance", "real|manual");
  add_flag(*command, "--time-scale", flags->time_scale, "Simulated seconds per real second (real clock)", "X");
  add_flag(*command, "--workers", flags->workers, "Workers per provider (default 4)", "N");
  add_list(*command, "--api-key", flags->api_keys, "Accept only these keys (repeatable; default any)", "KEY");
  add_list(*command, "--key-models", flags->key_models, "The models a key may use (repeatable)", "KEY=MODEL,...", ';');
  add_flag(*command, "--threads", flags->threads, "HTTP worker threads (default 64)", "N");
  add_list(*command, "--scenario", flags->scenarios, "A failure scenario: catalog name or JSON file (repeatable)",
           "FILE|NAME");
  add_flag(*command, "--default-credits", flags->default_credits, "Starting credits of every key (default 500)", "N");
  add_list(*command, "--credits", flags->credits, "Starting credits of one key (repeatable)", "KEY=N");
  command->callback([&action, flags] {
    action = [setup = to_setup(*flags)]() mutable { return serve(std::move(setup)); };
  });
}

}  // namespace nanosim::cli
