// The session a check runs in: the provider's base, the reference client, nanosim's admin API (only once the
// target has answered /__nanosim/health as nanosim) and a clock that advances nanosim's manual clock.
#include <algorithm>
#include <stdexcept>

#include "conformance_internal.hpp"
#include "url.hpp"

namespace nanosim::conformance {
namespace {

constexpr const char* user_agent = "nanosim-check/0.1";

/// Records every exchange the reference client makes.
class RecordingTransport final : public client::Transport {
 public:
  RecordingTransport(client::Transport& inner, std::vector<Exchange>& log) : inner_(inner), log_(log) {}
  client::Result<HttpResponse> send(const HttpRequest& request) override {
    auto answer = inner_.send(request);
    Exchange exchange{request, inner_.base_url(), std::nullopt, {}};
    if (answer) exchange.response = *answer;
    else exchange.transport_error = answer.error().message;
    log_.push_back(std::move(exchange));
    return answer;
  }
  [[nodiscard]] const std::string& base_url() const override { return inner_.base_url(); }

 private:
  client::Transport& inner_;
  std::vector<Exchange>& log_;
};

/// Sleeping moves nanosim's manual clock instead: a wait costs no real time.
class NanosimClock final : public client::ClientClock {
 public:
  explicit NanosimClock(client::Transport& admin) : admin_(admin) {}
  std::chrono::milliseconds now() override { return now_; }
  void sleep_for(std::chrono::milliseconds duration) override {
    if (duration.count() <= 0) return;
    HttpRequest advance;
    advance.method = "POST";
    advance.path = "/__nanosim/clock/advance";
    advance.headers.emplace("Content-Type", "application/json");
    advance.body = json{{"ms", duration.count()}}.dump();
    (void)admin_.send(advance);
    now_ += duration;
  }

 private:
  client::Transport& admin_;
  std::chrono::milliseconds now_{0};
};

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1";
}

/// GET /__nanosim/health at the origin; the health document when it is nanosim's serving this provider.
std::optional<json> nanosim_health(client::Transport& origin, const std::string& provider) {
  HttpRequest health;
  health.path = "/__nanosim/health";
  health.headers.emplace("User-Agent", user_agent);
  const auto answer = origin.send(health);
  if (!answer || answer->status != 200) return std::nullopt;
  const json body = json::parse(answer->body, nullptr, false);
  if (!body.is_object() || body.value("status", "") != "ok" || !body.contains("providers") ||
      !body.at("providers").is_array()) {
    return std::nullopt;
  }
  const auto& providers = body.at("providers");
  if (std::find(providers.begin(), providers.end(), provider) == providers.end()) return std::nullopt;
  return body;
}

}  // namespace

Session::Session(const CheckOptions& opts)
    : contract([&]() -> const contracts::Contract& {
        const auto* found = contracts::find(opts.provider);
        if (found == nullptr) throw std::invalid_argument("no contract named " + opts.provider);
        return *found;
      }()),
      options(opts),
      protocol(client::detail::make_protocol(opts.provider)),
      base_url_(opts.base_url) {
  if (!protocol) throw std::invalid_argument("the reference client has no part for " + opts.provider);
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  const auto split = client::detail::split_url(base_url_);
  if (!split || !split->absolute()) throw std::invalid_argument("--base-url: expected http(s)://host[:port][/prefix], got '" + opts.base_url + "'");
  origin_ = split->origin();
  transport_ = std::make_unique<client::HttpTransport>(base_url_);
  auto origin = std::make_unique<client::HttpTransport>(origin_);
  const auto health = nanosim_health(*origin, contract.id());
  // A provider nanosim's proxy forwards is the upstream's, not nanosim's: its admin API does not reach it.
  std::string upstream_host = split->host;
  if (health && health->contains("proxied") && health->at("proxied").contains(contract.id())) {
    const auto upstream = client::detail::split_url(health->at("proxied").at(contract.id()).get<std::string>());
    upstream_host = upstream ? upstream->host : "";
  } else {
    nanosim = health.has_value();
  }
  if (nanosim) {
    admin_ = std::move(origin);
    manual_clock = health->value("clock", json::object()).value("manual", false);
  }
  clock_ = manual_clock ? std::shared_ptr<client::ClientClock>(std::make_shared<NanosimClock>(*admin_))
                        : std::make_shared<client::SteadyClientClock>();
  budget = opts.budget;
  if (!budget && !(loopback(split->host) && loopback(upstream_host))) budget = 0;
  api_key = !opts.api_key.empty() ? opts.api_key : (nanosim ? "nanosim-check-key" : "");
  const auto ids = contract.model_ids();
  request.model = !opts.model.empty() ? opts.model : ids.front();
  const json* model = contract.model(request.model);
  if (model == nullptr) throw std::invalid_argument("--model: " + contract.id() + " has no model " + request.model);
  request.prompt = "A red apple on a white table, studio lighting";
  request.aspect_ratio = "1:1";
  size_tier = model->at("capabilities").value("default_size_tier", "1K");
}

Session::~Session() { remove_scenario(); }

Exchange Session::send(HttpRequest wire, const std::string& key) {
  if (!key.empty()) protocol->authorize(wire, key);
  if (!wire.header("User-Agent")) wire.headers.emplace("User-Agent", user_agent);
  Exchange exchange{wire, base_url_, std::nullopt, {}};
  auto answer = transport_->send(wire);
  if (answer) exchange.response = std::move(*answer);
  else exchange.transport_error = answer.error().message;
  return exchange;
}

Exchange Session::download(const std::string& url) {
  HttpRequest get;
  Exchange exchange;
  const auto split = client::detail::split_url(url);
  if (!split || !split->absolute()) {
    exchange.request.path = url;
    exchange.transport_error = "not an absolute http(s) URL";
    return exchange;
  }
  get.path = percent_decode(split->path.empty() ? "/" : split->path);
  get.query = parse_query_string(split->query);
  get.headers.emplace("User-Agent", user_agent);
  client::HttpTransport files(split->origin());
  exchange = Exchange{get, split->origin(), std::nullopt, {}};
  auto answer = files.send(get);
  if (answer) exchange.response = std::move(*answer);
  else exchange.transport_error = answer.error().message;
  return exchange;
}

std::optional<HttpRequest> Session::submit_request() const {
  auto built = protocol->submit_request(request);
  if (!built) return std::nullopt;
  return *built;
}

std::string Session::path_of(const contracts::Operation& op, const std::string& id) const {
  const std::string model_name = op.raw.value("model_param", json::object()).value("name", "");
  std::string out;
  const std::string& path = op.path;
  for (std::size_t i = 0; i < path.size();) {
    if (path[i] != '{') {
      out += path[i++];
      continue;
    }
    const std::size_t close = path.find('}', i);
    const std::string name = path.substr(i + 1, close - i - 1);
    out += name == model_name ? request.model : id;
    i = close + 1;
  }
  return out;
}

bool Session::take_generation() {
  if (budget && generations >= *budget) return false;
  ++generations;
  return true;
}

client::Client Session::make_client(const std::string& key, std::vector<Exchange>& log) {
  client::ClientOptions client_options;
  client_options.api_key = key;
  client_options.clock = clock_;
  client_options.user_agent = user_agent;
  return client::Client(std::make_unique<RecordingTransport>(*transport_, log), contract.id(), client_options);
}

bool Session::install_scenario(const json& rules, std::string& error) {
  if (!nanosim || !admin_) return false;
  HttpRequest post;
  post.method = "POST";
  post.path = "/__nanosim/scenarios";
  post.headers.emplace("Content-Type", "application/json");
  post.body = json{{"name", scenario_name()}, {"description", "rules nanosim check needs to reach states on demand"},
                   {"rules", rules}}.dump();
  const auto answer = admin_->send(post);
  if (!answer || answer->status / 100 != 2) {
    error = answer ? "HTTP " + std::to_string(answer->status) + ": " + answer->body : answer.error().message;
    return false;
  }
  scenario_installed_ = true;
  return true;
}

void Session::remove_scenario() {
  if (!scenario_installed_ || !admin_) return;
  HttpRequest remove;
  remove.method = "DELETE";
  remove.path = "/__nanosim/scenarios/" + scenario_name();
  (void)admin_->send(remove);
  scenario_installed_ = false;
}

}  // namespace nanosim::conformance
