// The `nanosim` program: serve | contracts.
#include <algorithm>
#include <chrono>
#include <memory>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <string>
#include <utility>
#include <vector>

#include "nanosim/conformance/conformance.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/proxy.hpp"
#include "nanosim/server.hpp"
#include "nanosim/simulator.hpp"

namespace {

constexpr const char* usage = R"(nanosim: an offline simulator of Nano Banana image-generation providers

Usage:
  nanosim serve [--host 127.0.0.1] [--port 8080] [--provider ID]... [--seed N] [--clock real|manual]
                [--time-scale X] [--workers N] [--api-key KEY]... [--key-models KEY=MODEL,...]... [--threads N]
                [--scenario FILE|NAME]...
                [--default-credits N] [--credits KEY=N]... [--proxy ID=URL]... [--record DIR]
  nanosim check --provider ID --base-url URL [--api-key KEY] [--junit FILE] [--json FILE] [--budget N]
                [--only RULE]... [--skip RULE]... [--timeout S] [--model ID]
  nanosim check --recorded DIR [--junit FILE] [--json FILE] [--only RULE]... [--skip RULE]...
  nanosim contracts list
  nanosim scenarios list
  nanosim scenarios show NAME
  nanosim scenarios check FILE
  nanosim contracts export ID [--openapi]
  nanosim --help | --version

serve: every provider is served under http://HOST:PORT/<id>, at the provider's documented paths after its
documented base URL; with a single --provider it is also served at the root. --port 0 picks a free port.
--default-credits / --credits: starting credit balances (default 500 per key) of providers that sell credits.
Admin API on the same port: GET /__nanosim/health, POST /__nanosim/clock/advance {"ms":N},
POST /__nanosim/reset, GET /__nanosim/journal, GET /__nanosim/jobs, GET /__nanosim/usage[?api_key=K],
GET /__nanosim/credits, PUT /__nanosim/credits/KEY {"balance":N}.

Failure scenarios: --scenario takes a catalog name (nanosim scenarios list) or a JSON file; at run time
GET/POST /__nanosim/scenarios, DELETE /__nanosim/scenarios/NAME, or per request the header
X-Nanosim-Scenario: NAME. Checks of client behaviour: GET /__nanosim/verify?check=NAME, /__nanosim/verify/coverage.
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

long long parse_number(const std::string& flag, const std::string& text, long long min, long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < min || value > max) {
    throw UsageError(flag + ": expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                     ", got '" + text + "'");
  }
  return value;
}

nanosim::Scenario load_scenario_flag(const std::string& file_or_name) {
  try {
    return nanosim::load_scenario(file_or_name);
  } catch (const nanosim::ScenarioError& e) {
    throw UsageError(std::string("--scenario: ") + e.what());
  }
}

int scenarios_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "list") {
    for (const std::string& name : nanosim::scenario_catalog()) {
      std::cout << name << "  " << nanosim::catalog_scenario(name)->description << "\n";
    }
    return 0;
  }
  if ((args[0] == "show" || args[0] == "check") && args.size() >= 2) {
    nanosim::Scenario scenario;
    try {
      scenario = nanosim::load_scenario(args[1]);
    } catch (const nanosim::ScenarioError& e) {
      std::cerr << "nanosim: " << e.what() << "\n";
      return 1;
    }
    if (args[0] == "show") std::cout << scenario.document.dump(2) << "\n";
    else std::cout << scenario.name << ": " << scenario.rules.size() << " rule(s), valid\n";
    return 0;
  }
  throw UsageError("scenarios: expected `list`, `show NAME|FILE` or `check NAME|FILE`");
}

/// "--key-models sk-a=NanoBanana,NanoBanana2-1K": the models key sk-a may use.
void add_key_models(nanosim::Options& options, const std::string& text) {
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

int serve(const std::vector<std::string>& args) {
  nanosim::Options options;
  nanosim::ServerConfig config;
  config.port = 8080;
  std::string clock = "real";
  double time_scale = 1.0;
  nanosim::ProxyConfig proxy;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(flag + ": missing value");
      return args[++i];
    };
    if (flag == "--host") config.host = value();
    else if (flag == "--port") config.port = static_cast<int>(parse_number(flag, value(), 0, 65535));
    else if (flag == "--provider") options.providers.push_back(value());
    else if (flag == "--seed") options.seed = static_cast<std::uint64_t>(parse_number(flag, value(), 0, INT64_MAX));
    else if (flag == "--clock") clock = value();
    else if (flag == "--time-scale") {
      try {
        time_scale = std::stod(value());
      } catch (const std::exception&) {
        time_scale = -1;
      }
      if (!(time_scale > 0)) throw UsageError("--time-scale: expected a positive number");
    } else if (flag == "--workers") options.workers = static_cast<int>(parse_number(flag, value(), 1, 100000));
    else if (flag == "--api-key") options.api_keys.push_back(value());
    else if (flag == "--key-models") add_key_models(options, value());
    else if (flag == "--threads") config.threads = static_cast<int>(parse_number(flag, value(), 1, 4096));
    else if (flag == "--scenario") options.scenarios.push_back(load_scenario_flag(value()));
    else if (flag == "--default-credits") options.default_credits = parse_number(flag, value(), 0, INT64_MAX);
    else if (flag == "--proxy") {
      const std::string text = value();
      const std::size_t equals = text.find('=');
      if (equals == std::string::npos || equals == 0) throw UsageError("--proxy: expected ID=URL, got '" + text + "'");
      proxy.upstreams[text.substr(0, equals)] = text.substr(equals + 1);
    } else if (flag == "--record") proxy.record_directory = value();
    else if (flag == "--credits") {
      auto [key, balance] = parse_credit(value());
      options.credits.insert_or_assign(std::move(key), balance);
    }
    else throw UsageError("unknown option " + flag);
  }
  if (clock == "manual") {
    options.clock = std::make_shared<nanosim::ManualClock>();
  } else if (clock == "real") {
    options.clock = std::make_shared<nanosim::RealClock>(time_scale);
  } else {
    throw UsageError("--clock: expected real or manual, got '" + clock + "'");
  }

  // Signals are taken by sigwait below, not by a handler: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (!proxy.record_directory.empty() && proxy.upstreams.empty()) throw UsageError("--record: records what --proxy forwards; name one");
  options.proxied = proxy.upstreams;
  nanosim::Simulator simulator(options);
  std::unique_ptr<nanosim::Proxy> forwarding;
  if (!proxy.upstreams.empty()) {
    try {
      forwarding = std::make_unique<nanosim::Proxy>(simulator, proxy);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    config.forward = forwarding->hook();
  }
  nanosim::Server server(simulator, config);
  server.start();
  for (const std::string& id : simulator.provider_ids()) {
    std::cout << id << "  " << server.base_url() << "/" << id << "  (documented base "
              << nanosim::contracts::get(id).documented_base_url() << ")\n";
  }
  if (simulator.serves_root()) std::cout << simulator.provider_ids().front() << " is also served at the root\n";
  std::cout << "clock " << clock << (clock == "real" ? ", time scale " + std::to_string(time_scale) : std::string())
            << ", seed " << options.seed << "\n";
  for (const nanosim::Scenario& scenario : options.scenarios) std::cout << "scenario " << scenario.name << "\n";
  for (const auto& [id, url] : proxy.upstreams) std::cout << "proxy " << id << " -> " << url << " (validated against its contract)\n";
  std::cout << "nanosim listening on " << server.base_url() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "nanosim: stopping (" << (received == SIGINT ? "SIGINT" : "SIGTERM") << ")" << std::endl;
  server.stop();
  return 0;
}

int check(const std::vector<std::string>& args) {
  nanosim::conformance::CheckCommand command;
  auto& options = command.options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(flag + ": missing value");
      return args[++i];
    };
    if (flag == "--provider") options.provider = value();
    else if (flag == "--base-url") options.base_url = value();
    else if (flag == "--api-key") options.api_key = value();
    else if (flag == "--junit") command.junit_file = value();
    else if (flag == "--json") command.json_file = value();
    else if (flag == "--budget") options.budget = static_cast<int>(parse_number(flag, value(), 0, 1000000));
    else if (flag == "--only") options.only.push_back(value());
    else if (flag == "--skip") options.skip.push_back(value());
    else if (flag == "--timeout") options.timeout = std::chrono::seconds(parse_number(flag, value(), 1, 86400));
    else if (flag == "--model") options.model = value();
    else if (flag == "--recorded") command.recorded = value();
    else throw UsageError("unknown option " + flag);
  }
  try {
    return nanosim::conformance::check_command(command, std::cout);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("check: ") + e.what());
  }
}

int contracts_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "list") {
    for (const auto* contract : nanosim::contracts::all()) {
      std::cout << contract->id() << "  " << contract->documented_base_url() << "\n";
    }
    return 0;
  }
  if (args[0] == "export" && args.size() >= 2) {
    const auto* contract = nanosim::contracts::find(args[1]);
    if (contract == nullptr) throw UsageError("no contract named " + args[1]);
    const bool openapi = args.size() >= 3 && args[2] == "--openapi";
    std::cout << (openapi ? nanosim::contracts::to_openapi(*contract) : contract->document()).dump(2) << "\n";
    return 0;
  }
  throw UsageError("contracts: expected `list` or `export ID [--openapi]`");
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << usage;
      return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
      std::cout << "nanosim " << NANOSIM_VERSION << "\n";
      return 0;
    }
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const std::string& arg : rest) {
      if (arg == "--help" || arg == "-h") {
        std::cout << usage;
        return 0;
      }
    }
    if (args[0] == "serve") return serve(rest);
    if (args[0] == "contracts") return contracts_command(rest);
    if (args[0] == "check") return check(rest);
    if (args[0] == "scenarios") return scenarios_command(rest);
    throw UsageError("unknown command " + args[0]);
  } catch (const UsageError& e) {
    std::cerr << "nanosim: " << e.what() << "\n\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nanosim: " << e.what() << "\n";
    return 1;
  }
}
