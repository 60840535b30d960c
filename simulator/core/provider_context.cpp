#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "provider.hpp"

namespace nanosim::core {

int json_nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

namespace {

std::string scheme_key(const AuthScheme& scheme, const HttpRequest& request) {
  const std::string& prefix = scheme.prefix;
  const auto raw = scheme.in_query ? request.query_param(scheme.name) : request.header(scheme.name);
  if (!raw) return {};
  if (raw->size() < prefix.size()) return {};
  // Scheme words ("Bearer ", "Key ") are case-insensitive in HTTP.
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>((*raw)[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return {};
    }
  }
  std::string key = raw->substr(prefix.size());
  key.erase(0, key.find_first_not_of(' '));
  while (!key.empty() && key.back() == ' ') key.pop_back();
  return key;
}

/// Whether a scheme serves the operation: a scheme with "operations" serves only those; an empty operation
/// (a request outside the contract's operations) is served by every scheme.
bool serves(const AuthScheme& scheme, std::string_view operation) {
  if (operation.empty() || !scheme.operations) return true;
  return std::find(scheme.operations->begin(), scheme.operations->end(), operation) != scheme.operations->end();
}

std::optional<std::string> accepted_key(const std::vector<AuthScheme>& schemes, const HttpRequest& request,
                                        std::string_view operation, const std::vector<std::string>& accepted) {
  for (const AuthScheme& scheme : schemes) {
    if (!serves(scheme, operation)) continue;
    std::string key = scheme_key(scheme, request);
    if (key.empty()) continue;
    if (accepted.empty() || std::find(accepted.begin(), accepted.end(), key) != accepted.end()) return key;
  }
  return std::nullopt;
}

bool carries_key(const std::vector<AuthScheme>& schemes, const HttpRequest& request, std::string_view operation) {
  return std::any_of(schemes.begin(), schemes.end(), [&](const AuthScheme& scheme) {
    return serves(scheme, operation) && !scheme_key(scheme, request).empty();
  });
}

}  // namespace

std::vector<AuthScheme> auth_schemes_of(const contracts::Contract& contract) {
  std::vector<AuthScheme> out;
  for (const json& scheme : contract.document().at("auth").at("schemes")) {
    AuthScheme compiled;
    compiled.in_query = scheme.at("in") == "query";
    compiled.name = scheme.at(compiled.in_query ? "param" : "header").get<std::string>();
    compiled.prefix = scheme.value("prefix", "");
    if (const auto listed = scheme.find("operations"); listed != scheme.end()) {
      compiled.operations = listed->get<std::vector<std::string>>();
    }
    out.push_back(std::move(compiled));
  }
  return out;
}

ProviderContext::ProviderContext(Engine& engine, const contracts::Contract& contract, const Options& options,
                                 images::Cache* image_cache)
    : engine_(engine),
      contract_(contract),
      options_(options),
      image_cache_(image_cache),
      auth_schemes_(auth_schemes_of(contract)),
      auth_missing_(contract.document().at("auth").at("missing").get<std::string>()),
      auth_invalid_(contract.document().at("auth").at("invalid").get<std::string>()),
      job_id_prefix_(contract.document().at("ids").at("job").at("prefix").get<std::string>()),
      job_id_length_(contract.document().at("ids").at("job").at("length").get<std::size_t>()) {}

HttpResponse json_response(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  // Text that is not UTF-8 (echoed paths, binary uploads in the journal) is sent with U+FFFD in its place:
  // a body must always be valid JSON.
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  response.set_header("Content-Type", "application/json");
  return response;
}

std::optional<std::string> ProviderContext::authenticate(const HttpRequest& request) const {
  return accepted_key(auth_schemes_, request, {}, options_.api_keys);
}

bool ProviderContext::has_credential(const HttpRequest& request) const {
  return carries_key(auth_schemes_, request, {});
}

bool ProviderContext::model_enabled(const std::string& api_key, std::string_view model_id) const {
  const auto listed = options_.models_per_key.find(api_key);
  if (listed == options_.models_per_key.end()) return true;
  return std::find(listed->second.begin(), listed->second.end(), model_id) != listed->second.end();
}

std::optional<HttpResponse> ProviderContext::sign_in(ProviderCall& call) {
  // Only the schemes that serve the call's operation count (auth.schemes[].operations).
  const auto key = accepted_key(auth_schemes_, call.http, call.info.operation, options_.api_keys);
  if (!key) return error(carries_key(auth_schemes_, call.http, call.info.operation) ? auth_invalid_ : auth_missing_);
  call.api_key = *key;
  call.info.api_key = *key;
  return std::nullopt;
}

std::string ProviderContext::auth_error(const HttpRequest& request) const {
  return has_credential(request) ? auth_invalid_ : auth_missing_;
}

JsonBody ProviderContext::parse_json(const HttpRequest& request) const {
  JsonBody out;
  if (request.body.size() > options_.max_body_bytes) {
    out.violation = contracts::Violation{"", "maxBodyBytes",
                                         "body: must be at most " + std::to_string(options_.max_body_bytes) + " bytes"};
    out.error_kind = "payload_too_large";
    return out;
  }
  out.error_kind = "invalid_request";
  if (json_nesting_depth(request.body) > options_.max_json_depth) {
    out.violation = contracts::Violation{
        "", "maxDepth", "body: must nest at most " + std::to_string(options_.max_json_depth) + " levels deep"};
    return out;
  }
  out.value = json::parse(request.body, nullptr, false);
  if (out.value.is_discarded()) {
    out.violation = contracts::Violation{"", "json", "body: must be valid JSON"};
  } else if (!out.value.is_object()) {
    out.violation = contracts::Violation{"", "type", "body: must be a JSON object"};
  }
  return out;
}

std::string ProviderContext::new_id(std::string_view purpose, std::string_view prefix, std::size_t length) {
  Random random = engine_.stream(purpose);
  return std::string(prefix) + random_token(random, length);
}

HttpResponse ProviderContext::error(std::string_view kind, std::map<std::string, std::string> vars) {
  if (vars.find("request_id") == vars.end()) vars["request_id"] = new_id("error-request-id", "req_", 20);
  return contract_.render_error(kind, vars);
}

HttpResponse ProviderContext::invalid(const contracts::Violation& violation, std::string_view kind) {
  return error(kind, {{"message", violation.message}, {"field", violation.field}, {"rule", violation.rule}});
}

Millis ProviderContext::draw_run_time(const json& model, std::string_view size_tier) const {
  const json& timing = model.at("timing");
  double median = timing.at("median_ms").get<double>();
  if (const auto factors = timing.find("size_tier_factor"); factors != timing.end()) {
    if (const auto it = factors->find(std::string(size_tier)); it != factors->end()) median *= it->get<double>();
  }
  Random random = engine_.stream("run-time");
  const double drawn = random.lognormal(median, timing.at("sigma").get<double>());
  const double bounded = std::clamp(std::round(drawn), timing.value("min_ms", 1.0), timing.value("max_ms", 3.6e6));
  return Millis{static_cast<std::int64_t>(bounded)};
}

Millis ProviderContext::dispatch_delay(const json& model) const {
  return Millis{static_cast<std::int64_t>(model.at("timing").value("dispatch_ms", 0.0))};
}

const JobView& ProviderContext::submit(ProviderCall& call, JobSpec spec, const json& model) {
  const JobFate fate = fate_for(spec);
  const Millis run_time = draw_run_time(model, spec.size_tier);
  const JobView& job = engine_.submit(std::move(spec), fate, run_time, dispatch_delay(model), job_id_prefix_,
                                      job_id_length_);
  call.info.job_id = job.id;
  return job;
}

std::optional<ClientTimeout> client_timeout_of(const HttpRequest& request) {
  // Google's X-Server-Timeout (sent by @google/genai when a timeout is set) and the openai SDKs'
  // X-Stainless-Timeout: seconds, possibly fractional. Anything else (absent, garbage, not positive) is no limit.
  for (const char* name : {"X-Server-Timeout", "X-Stainless-Timeout"}) {
    const auto value = request.header(name);
    if (!value) continue;
    char* end = nullptr;
    const double seconds = std::strtod(value->c_str(), &end);
    if (end == value->c_str() || *end != '\0' || !(seconds > 0) || seconds > 86'400.0 * 365) continue;
    return ClientTimeout{name, Millis{static_cast<std::int64_t>(std::llround(seconds * 1000.0))}};
  }
  return std::nullopt;
}

SyncOutcome ProviderContext::run_synchronously(ProviderCall& call, const contracts::Operation& op, JobSpec spec,
                                               const json& model) {
  const json& synchronous = op.raw.at("synchronous");
  const std::string id = submit(call, std::move(spec), model).id;
  const Millis provider_limit_at = engine_.now() + Millis{synchronous.at("timeout_ms").get<std::int64_t>()};
  const std::optional<ClientTimeout> client_timeout = client_timeout_of(call.http);
  const bool client_first = client_timeout && engine_.now() + client_timeout->after < provider_limit_at;
  const Millis deadline_at = client_first ? engine_.now() + client_timeout->after : provider_limit_at;
  std::optional<JobView> job = wait_for(call, id, deadline_at);
  if (job && is_terminal(job->state)) return std::move(*job);
  const std::string who = client_first ? "the client hung up at its " + client_timeout->header + " of " +
                                             std::to_string(client_timeout->after.count()) + " ms"
                                       : std::string("synchronous call passed its limit");
  const bool cancel = synchronous.value("on_timeout", "continue") == "cancel";
  if (!job) {
    call.notes.emplace_back(who + ": the job is gone (lost or forgotten)");
  } else if (cancel) {
    engine_.cancel(id);
    call.notes.emplace_back(who + ": the job is cancelled");
  } else {
    call.notes.emplace_back(who + ": the job goes on");
  }
  if (client_first) {
    // Nobody is left to read an answer: the connection is gone, as the client sees it (a proxy would log 499).
    call.info.wire_fault = "client_timeout";
    HttpResponse gone;
    gone.status = 499;
    gone.fault = ConnectionFault::reset_before_response;
    return gone;
  }
  const auto timeout_error = synchronous.find("timeout_error");
  return error(timeout_error != synchronous.end() ? timeout_error->get<std::string>()
                                                  : failure_error(op, failure::generation_timeout));
}

std::optional<JobView> ProviderContext::wait_for(ProviderCall& call, const std::string& job_id, Millis deadline_at) {
  Clock& clock = engine_.clock();
  while (true) {
    const JobView* job = engine_.find(job_id);
    if (job != nullptr && is_terminal(job->state)) return *job;
    const Millis now = clock.now();
    if (now >= deadline_at) return job != nullptr ? std::optional<JobView>(*job) : std::nullopt;
    const auto next = job != nullptr ? engine_.next_change(job_id) : std::nullopt;
    const Millis target = std::min(next.value_or(deadline_at), deadline_at);
    const Millis step = std::max(target - now, Millis{1});
    if (clock.manual()) {
      clock.advance(step);
      continue;
    }
    const double scale = clock.time_scale() > 0 ? clock.time_scale() : 1.0;
    const auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::duration<double, std::milli>(static_cast<double>(step.count()) / scale));
    const auto nap = std::min<std::chrono::microseconds>(wall, std::chrono::milliseconds{100});
    if (call.lock != nullptr) call.lock->unlock();
    std::this_thread::sleep_for(nap);
    if (call.lock != nullptr) call.lock->lock();
  }
}

std::string ProviderContext::failure_error(const contracts::Operation& op, std::string_view failure_kind) const {
  const json& kind = contract_.failure_kind(failure_kind);
  if (const auto by_operation = kind.find("error_by_operation"); by_operation != kind.end()) {
    if (const auto own = by_operation->find(op.name); own != by_operation->end()) return own->get<std::string>();
  }
  return kind.at("error").get<std::string>();
}

std::optional<HttpResponse> ProviderContext::check_references(ProviderCall& call,
                                                              const std::vector<ImageReference>& references,
                                                              std::string_view kind) {
  for (const ImageReference& reference : references) {
    const auto name = own_file_name(reference.value);
    if (!name) continue;
    const auto refuse = [&](const std::string& why) {
      const std::string message = reference.field + ": cannot read " + reference.value + ": " + why;
      return error(kind, {{"message", message}, {"field", reference.field}, {"rule", "reachable"}});
    };
    const auto lookup = engine_.find_file(file_token(*name));
    if (!lookup) return refuse("no such file");
    if (lookup->expired) return refuse("the file has expired");
    const auto bytes = image_bytes(call, lookup->file.image);
    const auto image = images::probe(*bytes);
    if (!image) return refuse("the file is not an image");
    call.notes.push_back(reference.field + ": the simulator's own file " + lookup->file.token + " (" +
                         std::string(images::mime_type(image->format)) + " " + std::to_string(image->width) + "x" +
                         std::to_string(image->height) + "), read locally");
  }
  return std::nullopt;
}

std::shared_ptr<const std::string> ProviderContext::image_bytes(ProviderCall& call, const images::ImageSpec& spec) {
  if (call.lock != nullptr) call.lock->unlock();
  std::shared_ptr<const std::string> bytes;
  try {
    bytes = image_cache_ != nullptr ? image_cache_->get(spec) : std::make_shared<const std::string>(images::render(spec));
  } catch (...) {
    if (call.lock != nullptr) call.lock->lock();
    throw;
  }
  if (call.lock != nullptr) call.lock->lock();
  return bytes;
}

JobFate ProviderContext::fate_for(const JobSpec& spec) const {
  if (!options_.fate_policy) return {};
  return options_.fate_policy(spec, engine_.jobs_submitted() + 1);
}

std::optional<std::pair<int, int>> ProviderContext::dimensions(std::string_view upstream, std::string_view aspect_ratio,
                                                               std::string_view size_tier) {
  return contracts::image_dimensions(upstream, aspect_ratio, size_tier);
}

std::string ProviderContext::file_url(std::string_view origin, const OutputFile& file) {
  return std::string(origin) + std::string(files_path) + file.token + "." +
         std::string(images::file_extension(file.image.format));
}

std::optional<std::string> own_file_name(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const std::string_view rest = url.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  if (path_start == std::string_view::npos) return std::nullopt;
  const std::string_view path = rest.substr(path_start, rest.find_first_of("?#", path_start) - path_start);
  const auto marker = path.rfind(files_path);
  if (marker == std::string_view::npos) return std::nullopt;
  const std::string_view name = path.substr(marker + files_path.size());
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

std::string file_token(std::string_view name) { return std::string(name.substr(0, name.find('.'))); }

std::string ProviderContext::iso8601(Millis at) const {
  const std::int64_t ms = unix_ms(at);
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_ms[48];
  std::snprintf(with_ms, sizeof with_ms, "%s.%03dZ", text, static_cast<int>(ms % 1000));
  return with_ms;
}

}  // namespace nanosim::core
