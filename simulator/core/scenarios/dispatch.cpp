// Where scenarios meet a request: facts before the adapter (provider, operation, model, prompt, key), the
// fault engine around the adapter, and the simulator's scenario API.
#include "nanosim/json_limits.hpp"
#include <sstream>

#include "../simulator_impl.hpp"

namespace nanosim {
namespace {

using nlohmann::json;

/// The first string found under "text" keys, depth first (a Gemini-style prompt); nullopt when none.
std::optional<std::string> first_text(const json& value, int depth = 0) {
  if (depth > 8) return std::nullopt;
  if (value.is_object()) {
    if (const auto it = value.find("text"); it != value.end() && it->is_string()) return it->get<std::string>();
    for (const auto& [key, item] : value.items()) {
      if (auto found = first_text(item, depth + 1)) return found;
    }
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (auto found = first_text(item, depth + 1)) return found;
    }
  }
  return std::nullopt;
}

/// The prompt, read leniently: a top-level "prompt" string, a form field "prompt", or the first "text".
std::optional<std::string> prompt_of(const HttpRequest& request, const json& body) {
  for (const FormPart& part : request.form) {
    if (part.name == "prompt" && part.filename.empty()) return part.content;
  }
  if (!body.is_object()) return std::nullopt;
  if (const auto it = body.find("prompt"); it != body.end() && it->is_string()) return it->get<std::string>();
  return first_text(body);
}

std::string model_of(const contracts::RouteMatch& match, const HttpRequest& request, const json& body) {
  const json& raw = match.operation->raw;
  if (!raw.contains("model_param")) return body.is_object() ? body.value("model", std::string()) : std::string();
  const std::string where = raw.at("model_param").at("in").get<std::string>();
  const std::string name = raw.at("model_param").at("name").get<std::string>();
  if (where == "path") {
    const auto it = match.params.find(name);
    return it == match.params.end() ? std::string() : it->second;
  }
  if (where == "form") {
    for (const FormPart& part : request.form) {
      if (part.name == name) return part.content;
    }
    return {};
  }
  const auto it = body.is_object() ? body.find(name) : body.end();
  return body.is_object() && it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> header_scenarios(const HttpRequest& request) {
  std::vector<std::string> names;
  for (const auto& [name, value] : request.headers) {
    if (CaseInsensitiveLess{}(name, scenario_header) || CaseInsensitiveLess{}(scenario_header, name)) continue;
    std::stringstream list(value);
    for (std::string item; std::getline(list, item, ',');) {
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) names.push_back(item);
    }
  }
  return names;
}

/// What body triggers and templates see: the JSON body (depth-checked before parsing), else a multipart form's
/// plain fields as an object of strings; null when neither.
std::shared_ptr<const json> body_facts(const HttpRequest& request, const Options& options) {
  if (!request.form.empty()) {
    json fields = json::object();
    for (const FormPart& part : request.form) {
      if (part.filename.empty() && !fields.contains(part.name)) fields[part.name] = part.content;
    }
    return std::make_shared<const json>(std::move(fields));
  }
  if (request.body.empty()) return nullptr;
  // A body over the limits is left for the adapter to refuse; the facts then have no body.
  BoundedJson parsed = parse_bounded_json(request.body, core::json_limits(options));
  if (parsed.refusal || parsed.value.is_discarded()) return nullptr;
  return std::make_shared<const json>(std::move(parsed.value));
}

/// The request's own facts (method, path, headers, scenario header), whatever it is about.
core::RequestFacts common_facts(const HttpRequest& request, Millis now) {
  core::RequestFacts facts;
  facts.now = now;
  facts.method = request.method;
  facts.path = request.path;
  facts.request = &request;
  facts.header_scenarios = header_scenarios(request);
  return facts;
}

/// The job a request is about: the matched route's path parameter other than the model; empty when none.
std::string job_id_of(const core::ProviderCall& call) {
  if (!call.route) return {};
  const std::string& model_param = call.route->operation->model_param;
  std::string job_id;
  for (const auto& [name, value] : call.route->params) {
    if (name != model_param) job_id = value;
  }
  return job_id;
}

/// What scenario triggers see of a provider request. The route it matches is kept on the call for the adapter.
core::RequestFacts provider_facts(const core::ProviderContext& context, core::ProviderCall& call, Millis now) {
  const HttpRequest& request = call.http;
  core::RequestFacts facts = common_facts(request, now);
  facts.provider = context.contract().id();
  facts.api_key = context.authenticate(request).value_or("");
  facts.body = body_facts(request, context.options());
  call.route = context.contract().match(request.method, call.path);
  if (!call.route) return facts;
  const auto& match = call.route;
  facts.operation = match->operation->name;
  static const json none;
  const json& body = facts.body && request.form.empty() ? *facts.body : none;
  facts.model = model_of(*match, request, body);
  facts.job_id = job_id_of(call);
  facts.prompt = prompt_of(request, body);
  return facts;
}

std::optional<Millis> retry_after_of(const HttpResponse& response) {
  try {
    if (const auto ms = response.header("retry-after-ms")) return Millis{std::stoll(*ms)};
    if (const auto s = response.header("Retry-After")) return Millis{std::stoll(*s) * 1000};
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

HttpResponse Simulator::Impl::handle_provider(const std::string& provider_id, core::ProviderCall& call) {
  // Contexts and their contracts never change once the simulator is built: the route is matched before the lock,
  // which is held only for what reads or changes state.
  core::ProviderContext& context = *contexts.at(provider_id);
  const bool scenario_named = call.http.headers.count(scenario_header) != 0;
  std::string job_id;
  if (!scenario_named) {
    call.route = context.contract().match(call.http.method, call.path);
    job_id = job_id_of(call);
  }
  std::unique_lock lock(mutex);
  call.lock = &lock;  // a synchronous adapter releases it while it waits on a real clock
  // Without an installed scenario or a scenario header no rule can fire: the request's facts (its body parsed, its
  // key and route looked up) are needed only when one may.
  core::RequestFacts facts;
  if (scenario_named || faults.any_installed()) {
    facts = provider_facts(context, call, clock->now());
  } else {
    facts = common_facts(call.http, clock->now());
    facts.provider = context.contract().id();
    facts.job_id = std::move(job_id);
  }
  context.begin_request(call, facts.job_id);
  core::FaultDecision decision = faults.before(facts, &context, call.notes);
  consume_latency(decision);
  HttpResponse response = decision.answer ? *decision.answer : adapters.at(provider_id)->handle(call);
  if (decision.answer) {
    call.info.operation = facts.operation;
    call.info.job_id = facts.job_id;
    call.info.api_key = facts.api_key;
  }
  call.info.latency = decision.latency;
  context.finish_request(call, response);
  faults.after(decision, response, call.info, !clock->manual());
  // The job's state after the exchange, for the journal, read while the lock is held anyway.
  if (!call.info.job_id.empty()) {
    if (const JobView* job = engine.find(call.info.job_id)) call.info.job_state = std::string(to_string(job->state));
  }
  return response;
}

void Simulator::Impl::file_faults(const core::Engine::FileLookup& lookup, const HttpRequest& request,
                                  ExchangeInfo& info, std::vector<std::string>& notes, core::FaultDecision& decision) {
  core::RequestFacts facts = common_facts(request, clock->now());
  facts.provider = lookup.provider;
  facts.operation = "file";
  facts.job_id = lookup.job_id;
  if (const JobView* job = engine.find(lookup.job_id)) {
    facts.model = job->spec.model;
    facts.prompt = job->spec.prompt;
    facts.api_key = job->spec.api_key;
  }
  const auto context = contexts.find(lookup.provider);
  decision = faults.before(facts, context == contexts.end() ? nullptr : context->second.get(), notes);
  faults.end_request();
  consume_latency(decision);
  info.latency = decision.latency;
}

// On a manual clock, scenario latency is simulated time that passes before the request is handled: the clock
// moves (every job with it), so the answer's timestamps and the client's deadline see it, and nothing sleeps.
// On a real clock the HTTP skin waits instead (HttpResponse::delay_ms, outside the lock).
void Simulator::Impl::consume_latency(const core::FaultDecision& decision) {
  if (clock->manual() && decision.latency.count() > 0) clock->advance(decision.latency);
}

void Simulator::Impl::describe_exchange(const HttpResponse& response, const ExchangeInfo& info, JournalEntry& entry) {
  entry.latency = info.latency;
  entry.retry_after = retry_after_of(response);
  entry.fault = info.wire_fault;
  if (response.fault == ConnectionFault::slow_body) entry.fault = "slow_body";
  entry.job_state = info.job_state;  // read under the request's lock (handle_provider, serve_file); empty: no job
}

void Simulator::Impl::install_configured_scenarios() {
  for (const Scenario& scenario : options.scenarios) faults.install(scenario);
  FatePolicy user = options.fate_policy;
  options.fate_policy = [this, user](const JobSpec& spec, std::uint64_t sequence) {
    JobFate fate = user ? user(spec, sequence) : JobFate{};
    faults.decide_fate(spec, fate);
    return fate;
  };
}

void Simulator::install_scenario(Scenario scenario) {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.install(std::move(scenario));
}

bool Simulator::remove_scenario(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  return impl_->faults.remove(name);
}

std::vector<Scenario> Simulator::scenarios() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<Scenario> out;
  for (const Scenario* scenario : impl_->faults.installed()) out.push_back(*scenario);
  return out;
}

}  // namespace nanosim
