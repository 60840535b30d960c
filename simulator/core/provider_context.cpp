#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "nanosim/inline_image.hpp"
#include "nanosim/json_limits.hpp"
#include "nanosim/json_text.hpp"
#include "provider.hpp"

namespace nanosim::core {

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

/// A key holding a control character (NUL, CR, LF, DEL, ...: "?key=%00") is no key any provider issues: it is
/// carried, so refused as invalid, never accepted (inferred: keys are printable tokens everywhere).
bool printable(std::string_view key) {
  return std::none_of(key.begin(), key.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

std::optional<std::string> accepted_key(const std::vector<AuthScheme>& schemes, const HttpRequest& request,
                                        std::string_view operation, const std::vector<std::string>& accepted) {
  for (const AuthScheme& scheme : schemes) {
    if (!serves(scheme, operation)) continue;
    std::string key = scheme_key(scheme, request);
    if (key.empty() || !printable(key)) continue;
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
      job_id_length_(contract.document().at("ids").at("job").at("length").get<std::size_t>()),
      request_ids_(request_id_format_of(contract)) {}

HttpResponse json_response(int status) {
  HttpResponse response;
  response.status = status;
  response.body.reserve(512);
  response.set_header("Content-Type", "application/json");
  return response;
}

HttpResponse json_response(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  // Text that is not UTF-8 (echoed paths, binary uploads in the journal) is sent with U+FFFD in its place:
  // a body must always be valid JSON.
  response.body = json_text(body);
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
  BoundedJson parsed = parse_bounded_json(request.body, json_limits(options_));
  out.error_kind = parsed.refusal && parsed.refusal->rule == "maxBodyBytes" ? "payload_too_large" : "invalid_request";
  if (parsed.refusal) {
    out.violation = contracts::Violation{"", parsed.refusal->rule, parsed.refusal->message};
    return out;
  }
  out.value = std::move(parsed.value);
  if (!out.value.is_object()) out.violation = contracts::Violation{"", "type", "body: must be a JSON object"};
  return out;
}

namespace {

/// Removes the member a violation's field names ("a.b[2].c"); false when there is none. A name holding dots or
/// brackets cannot be told apart from a path and is left in place (the violation then stands).
bool erase_field(json& body, const std::string& field) {
  json* node = &body;
  std::string key;
  std::size_t at = 0;
  const auto step = [&](const std::string& name) {
    if (node->is_object() && node->contains(name)) {
      node = &node->at(name);
      return true;
    }
    return false;
  };
  while (true) {
    const std::size_t end = field.find_first_of(".[", at);
    key = field.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (end == std::string::npos) break;
    if (!step(key)) return false;
    at = end + 1;
    if (field[end] == '[') {
      const std::size_t close = field.find(']', at);
      if (close == std::string::npos || !node->is_array()) return false;
      const std::size_t index = std::strtoul(field.substr(at, close - at).c_str(), nullptr, 10);
      if (index >= node->size()) return false;
      node = &(*node)[index];
      at = close + 1;
      if (at < field.size() && field[at] == '.') ++at;
      if (at >= field.size()) return false;
    }
  }
  return node->is_object() && node->erase(key) == 1;
}

}  // namespace

std::string ProviderContext::unknown_fields_policy(const contracts::Operation& op) const {
  if (options_.strict_fields) return "refuse";
  const json& document = contract_.document();
  if (const auto own = op.raw.find("unknown_fields"); own != op.raw.end()) return own->at("policy").get<std::string>();
  if (const auto all = document.find("unknown_fields"); all != document.end()) return all->at("policy").get<std::string>();
  return "refuse";
}

std::vector<contracts::Violation> ProviderContext::validate_request(const ProviderCall& call, const contracts::Operation& op,
                                                                    json& body, std::string_view model_id) const {
  const bool ignore = unknown_fields_policy(op) == "ignore";
  while (true) {
    auto violations = contract_.validate_request(op, body, model_id);
    if (!ignore || violations.empty()) return violations;
    bool dropped = false;
    for (const contracts::Violation& violation : violations) {
      if (violation.rule != "additionalProperties" || !erase_field(body, violation.field)) continue;
      call.notes.push_back("unknown field " + violation.field + " ignored, as " + contract_.id() +
                           " does (contract unknown_fields: ignore)");
      dropped = true;
    }
    if (!dropped) return violations;  // each round removes a field: the loop ends
  }
}

std::string ProviderContext::new_id(std::string_view purpose, std::string_view prefix, std::size_t length) {
  Random random = engine_.stream(purpose);
  return std::string(prefix) + random_token(random, length);
}

/// The contract's "request_id" section; a contract without one: a "req_" token, sent in no header.
ProviderContext::RequestIdFormat ProviderContext::request_id_format_of(const contracts::Contract& contract) {
  static const json fallback = {{"format", "token"}, {"prefix", "req_"}, {"length", 20}, {"headers", json::array()}};
  const auto it = contract.document().find("request_id");
  const json& format = it == contract.document().end() ? fallback : *it;
  RequestIdFormat out;
  const std::string kind = format.at("format").get<std::string>();
  out.kind = kind == "job" ? RequestIdFormat::Kind::job
             : kind == "new_api" ? RequestIdFormat::Kind::new_api
                                 : RequestIdFormat::Kind::token;
  if (out.kind != RequestIdFormat::Kind::new_api) {
    const json& token = out.kind == RequestIdFormat::Kind::job ? contract.document().at("ids").at("job") : format;
    out.prefix = token.at("prefix").get<std::string>();
    out.length = token.at("length").get<std::size_t>();
  }
  for (const json& header : format.at("headers")) out.headers.push_back(header.get<std::string>());
  return out;
}

void ProviderContext::begin_request(ProviderCall& call, std::string_view job_id) {
  using Kind = RequestIdFormat::Kind;
  if (request_ids_.kind == Kind::job && !job_id.empty()) {
    request_id_ = std::string(job_id);
  } else if (request_ids_.kind == Kind::new_api) {
    // new-api: GetTimeString() (YYYYMMDDhhmmss, then the nanoseconds of the second unpadded) + 8 random characters.
    const std::int64_t ms = unix_ms(engine_.now());
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
    Random random = engine_.stream("call-request-id");
    const std::uint64_t nanos = static_cast<std::uint64_t>(ms % 1000) * 1'000'000 + random.next() % 1'000'000;
    request_id_ = stamp + std::to_string(nanos) + random_token(random, 8);
  } else {
    request_id_ = new_id("call-request-id", request_ids_.prefix, request_ids_.length);
  }
  call.info.request_id = request_id_;
}

void ProviderContext::finish_request(ProviderCall& call, HttpResponse& response) {
  if (request_ids_.kind == RequestIdFormat::Kind::job && !call.info.job_id.empty()) request_id_ = call.info.job_id;
  call.info.request_id = request_id_;
  for (const std::string& header : request_ids_.headers) response.set_header(header, request_id_);
}

HttpResponse ProviderContext::error(std::string_view kind, std::map<std::string, std::string> vars) {
  if (vars.find("request_id") == vars.end()) {
    vars["request_id"] = request_id_.empty() ? new_id("error-request-id", "req_", 20) : request_id_;
  }
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
  if (engine_.waits_interrupted()) return shut_down(call);
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

// The program is stopping and its drain limit passed: the connection drops, as it would when a real server goes
// away mid-call; the job goes on for whoever asks later.
HttpResponse ProviderContext::shut_down(ProviderCall& call) {
  call.notes.emplace_back("the server stopped before the job ended: the connection is dropped, the job goes on");
  call.info.wire_fault = "shutdown";
  HttpResponse gone;
  gone.status = 503;
  gone.fault = ConnectionFault::reset_before_response;
  return gone;
}

std::optional<JobView> ProviderContext::wait_for(ProviderCall& call, const std::string& job_id, Millis deadline_at) {
  Clock& clock = engine_.clock();
  while (true) {
    const JobView* job = engine_.find(job_id);
    if (job != nullptr && is_terminal(job->state)) return *job;
    const Millis now = clock.now();
    if (now >= deadline_at || engine_.waits_interrupted()) {
      return job != nullptr ? std::optional<JobView>(*job) : std::nullopt;
    }
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
    request_id_ = call.info.request_id;  // other calls ran meanwhile
  }
}

std::string ProviderContext::failure_error(const contracts::Operation& op, std::string_view failure_kind) const {
  const json& kind = contract_.failure_kind(failure_kind);
  if (const auto by_operation = kind.find("error_by_operation"); by_operation != kind.end()) {
    if (const auto own = by_operation->find(op.name); own != by_operation->end()) return own->get<std::string>();
  }
  return kind.at("error").get<std::string>();
}

std::optional<HttpResponse> ProviderContext::check_inline_reference(ProviderCall& call, const ImageReference& reference,
                                                                    std::string_view kind) {
  const auto data_uri = images::split_data_uri(reference.value);
  // Raw base64 reaches here only where the contract's schema lets it through (bananapro's image_urls).
  const bool raw = !data_uri && images::looks_like_base64(reference.value);
  if (!data_uri && !raw) return std::nullopt;
  std::string description;
  const auto fault = data_uri ? images::check_inline_image(data_uri->mime, data_uri->base64, description)
                              : images::check_inline_image("", reference.value, description);
  if (!fault) {
    call.notes.push_back(reference.field + ": inline image (" + description + ")");
    return std::nullopt;
  }
  const std::string why = *fault == images::InlineImageFault::not_base64
                              ? "is not valid base64"
                              : "does not decode to an image (PNG, JPEG or WebP)";
  const std::string message = reference.field + ": " + (data_uri ? "the data: URI " : "the base64 data ") + why;
  return error(kind, {{"message", message}, {"field", reference.field}, {"rule", "image"}});
}

std::optional<HttpResponse> ProviderContext::check_references(ProviderCall& call,
                                                              const std::vector<ImageReference>& references,
                                                              std::string_view kind, std::string_view undecodable_kind) {
  for (const ImageReference& reference : references) {
    if (auto refused = check_inline_reference(call, reference, undecodable_kind.empty() ? kind : undecodable_kind)) {
      return refused;
    }
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
    request_id_ = call.info.request_id;
    throw;
  }
  if (call.lock != nullptr) call.lock->lock();
  request_id_ = call.info.request_id;  // other calls ran meanwhile
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
