#include "nanosim/simulator.hpp"

#include <algorithm>
#include <exception>

#include "simulator_impl.hpp"

namespace nanosim {
namespace {

std::shared_ptr<Clock> make_clock(const Options& options) {
  return options.clock ? options.clock : std::make_shared<ManualClock>();
}

std::string join_query(const QueryParams& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

/// Makes `out` the first `limit` bytes of `text`, never ending inside a UTF-8 character (the journal is served as
/// JSON), and "..." when cut. Assigns into `out`'s buffer.
void assign_truncated(std::string& out, const std::string& text, std::size_t limit) {
  if (text.size() <= limit) {
    out.assign(text);
    return;
  }
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  out.assign(text, 0, cut);
  out += "...";
}

}  // namespace

Simulator::Impl::Impl(Options opts)
    : options(std::move(opts)),
      clock(make_clock(options)),
      journal(options.journal_capacity),
      image_cache(options.image_cache_bytes),
      engine(options, clock) {
  std::vector<std::string> wanted = options.providers;
  for (const auto& [id, factory] : core::adapter_factories()) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), id) == wanted.end()) continue;
    const contracts::Contract& contract = contracts::get(id);
    auto context = std::make_unique<core::ProviderContext>(engine, contract, options, &image_cache);
    // Result URLs stop serving after the contract's "files.retention_ms" (none: they never expire).
    if (const auto files = contract.document().find("files"); files != contract.document().end()) {
      engine.set_file_retention(std::string(id), Millis{files->at("retention_ms").get<std::int64_t>()});
    }
    adapters.emplace(std::string(id), factory(*context));
    contexts.emplace(std::string(id), std::move(context));
  }
  for (const std::string& id : wanted) {
    if (adapters.find(id) == adapters.end()) throw std::invalid_argument("unknown provider: " + id);
  }
  install_configured_scenarios();
}

std::string request_origin(const HttpRequest& request, const Options& options) {
  const auto host = request.header("Host");
  if (!host || host->empty() || host->find_first_of(" /\\\"<>") != std::string::npos) return options.public_origin;
  return "http://" + *host;
}

HttpResponse simulator_error(int status, std::string_view code, std::string_view message) {
  return core::json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

HttpResponse Simulator::Impl::dispatch(const HttpRequest& request, ExchangeInfo& info,
                                       std::vector<std::string>& notes) {
  const std::string& path = request.path;
  static constexpr std::string_view admin_prefix = "/__nanosim/";
  if (path.rfind(admin_prefix, 0) == 0) {
    if (request.framing) return framing_error(*request.framing, "");
    const std::string_view rest = std::string_view(path).substr(admin_prefix.size());
    if (rest.rfind("files/", 0) == 0) return serve_file(request, rest.substr(6), info, notes);
    return admin(request, rest, info);
  }

  // "/<provider>/<rest>" or, with a single provider, the provider's own paths at the root.
  const std::size_t second_slash = path.find('/', 1);
  const std::string first_segment = path.substr(1, second_slash == std::string::npos ? std::string::npos : second_slash - 1);
  std::string provider_id;
  std::string relative;
  std::string prefix;
  if (adapters.count(first_segment) != 0) {
    provider_id = first_segment;
    relative = second_slash == std::string::npos ? "/" : path.substr(second_slash);
    prefix = "/" + first_segment;
  } else if (adapters.size() == 1) {
    provider_id = adapters.begin()->first;
    relative = path;
  } else {
    std::string served;
    for (const auto& [id, adapter] : adapters) served += (served.empty() ? "/" : ", /") + id;
    return simulator_error(404, "no_provider", "No provider serves " + path + "; served: " + served);
  }

  info.provider = provider_id;
  if (request.framing) {
    notes.push_back("refused at the HTTP layer: " + request.framing->message);
    return framing_error(*request.framing, provider_id);
  }
  const std::string origin = request_origin(request, options);
  core::ProviderCall call{request, relative, origin + prefix, origin, info, notes, {}, nullptr, std::nullopt};
  return handle_provider(provider_id, call);
}

HttpResponse Simulator::Impl::serve_file(const HttpRequest& request, std::string_view name, ExchangeInfo& info,
                                         std::vector<std::string>& notes) {
  info.operation = "file";
  if (request.method != "GET" && request.method != "HEAD") return simulator_error(405, "method_not_allowed", "Files are read with GET");
  const std::string token = core::file_token(name);
  std::optional<core::Engine::FileLookup> lookup;
  core::FaultDecision decision;
  {
    std::lock_guard lock(mutex);
    lookup = engine.find_file(token);
    if (lookup) {
      info.provider = lookup->provider;
      info.job_id = lookup->job_id;
      info.job_state = std::string(to_string(lookup->job_state));
      file_faults(*lookup, request, info, notes, decision);
      if (decision.answer) {
        faults.after(decision, *decision.answer, info, !clock->manual());
        return *decision.answer;
      }
      if (lookup->expired) {
        const auto& contract = contexts.at(lookup->provider)->contract();
        if (contract.has_error("file_expired")) return contexts.at(lookup->provider)->error("file_expired");
        return simulator_error(404, "file_expired", "The result file has expired");
      }
    }
  }
  if (!lookup) return simulator_error(404, "file_not_found", "No such file: " + std::string(name));
  const auto bytes = image_cache.get(lookup->file.image);  // rendered outside the lock
  HttpResponse response;
  response.status = 200;
  response.set_header("Content-Type", std::string(images::mime_type(lookup->file.image.format)));
  // Cacheable until the provider drops the file (whole seconds, rounded down), else for an hour.
  const std::int64_t max_age_s =
      lookup->expires_at ? std::max<std::int64_t>(0, (*lookup->expires_at - clock->now()).count() / 1000) : 3600;
  response.set_header("Cache-Control", "private, max-age=" + std::to_string(max_age_s));
  if (request.method == "GET") response.body = *bytes;
  response.set_header("Content-Length", std::to_string(bytes->size()));
  if (decision.alters_answer()) {
    std::lock_guard lock(mutex);
    faults.after(decision, response, info, !clock->manual());
  }
  return response;
}

HttpResponse Simulator::Impl::framing_error(const FramingViolation& violation, const std::string& provider_id) {
  std::lock_guard lock(mutex);
  const auto context = contexts.find(provider_id);
  if (context == contexts.end()) return simulator_error(violation.status, violation.kind, violation.message);
  const auto& contract = context->second->contract();
  const std::string kind = contract.has_error(violation.kind) ? violation.kind : "invalid_request";
  return context->second->invalid({violation.field, violation.rule, violation.message}, kind);
}

HttpResponse Simulator::Impl::internal_error(const ExchangeInfo& info) {
  std::lock_guard lock(mutex);
  const auto context = contexts.find(info.provider);
  if (context != contexts.end() && context->second->contract().has_error("internal_error")) {
    return context->second->error("internal_error");
  }
  return simulator_error(500, "internal_error", "nanosim internal error");
}

void Simulator::Impl::reset() {
  std::lock_guard lock(mutex);
  engine.reset();
  faults.reset_counters();
  journal.clear();
  image_cache.clear();
  if (clock->manual()) static_cast<ManualClock&>(*clock).set(Millis{0});
}

Simulator::Simulator(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Simulator::~Simulator() = default;

HttpResponse Simulator::handle(const HttpRequest& request) {
  ExchangeInfo info;
  return handle(request, info);
}

void Simulator::interrupt_waits() { impl_->engine.interrupt_waits(); }
bool Simulator::waits_interrupted() const { return impl_->engine.waits_interrupted(); }

HttpResponse Simulator::handle(const HttpRequest& request, ExchangeInfo& info) {
  info = ExchangeInfo{};
  std::vector<std::string> notes;
  const Millis arrived = impl_->clock->now();
  HttpResponse response;
  try {
    response = impl_->dispatch(request, info, notes);
  } catch (const std::exception& e) {
    // A bug, never the client's fault: answer the provider's 500 and keep serving.
    response = impl_->internal_error(info);
    notes.push_back(std::string("internal error: ") + e.what());
  }
  info.at = arrived;
  info.answered_at = impl_->clock->now() + (impl_->clock->manual() ? Millis{0} : info.latency);
  for (const std::string& note : notes) {
    if (auto rule = core::fired_rule(note)) info.rules.push_back(std::move(*rule));
  }
  const bool is_admin = info.operation == "admin";
  if (!is_admin) {
    auto recycled = impl_->journal.spare();  // assigned field by field: its buffers are reused
    JournalEntry& entry = *recycled;
    entry.at = arrived;
    entry.method = request.method;
    entry.path = request.path;
    if (!request.query.empty()) entry.query = join_query(request.query);
    entry.provider = info.provider;
    entry.operation = info.operation;
    entry.job_id = info.job_id;
    entry.api_key = info.api_key;
    entry.request_id = info.request_id;
    entry.status = response.status;
    entry.request_headers = request.headers;
    mask_headers(entry.request_headers);
    entry.response_headers = response.headers;
    assign_truncated(entry.request_body, request.body, impl_->options.journal_body_limit);
    if (info.operation != "file") assign_truncated(entry.response_body, response.body, impl_->options.journal_body_limit);
    entry.notes = std::move(notes);
    impl_->describe_exchange(response, info, entry);
    impl_->journal.record(std::move(recycled));
  }
  if (impl_->has_observer.load()) {
    ResponseObserver observer;
    {
      std::lock_guard lock(impl_->mutex);
      observer = impl_->observer;
    }
    if (observer) observer(request, response, info);
  }
  return response;
}

std::uint64_t Simulator::record_exchange(const HttpRequest& request, const HttpResponse& response, JournalEntry details) {
  details.at = impl_->clock->now();
  details.method = request.method;
  details.path = request.path;
  details.query = join_query(request.query);
  details.status = response.status;
  assign_truncated(details.request_body, request.body, impl_->options.journal_body_limit);
  assign_truncated(details.response_body, response.body, impl_->options.journal_body_limit);
  return impl_->journal.record(std::move(details));
}

Clock& Simulator::clock() const { return *impl_->clock; }
bool Simulator::advance(Millis dt) { return impl_->clock->advance(dt); }
void Simulator::reset() { impl_->reset(); }
const Options& Simulator::options() const { return impl_->options; }

std::vector<std::string> Simulator::provider_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, adapter] : impl_->adapters) ids.push_back(id);
  return ids;
}

bool Simulator::serves_root() const { return impl_->adapters.size() == 1; }
const Journal& Simulator::journal() const { return impl_->journal; }

std::vector<JobView> Simulator::jobs() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->engine.all_jobs();
}

std::optional<JobView> Simulator::job(const std::string& id) const {
  std::lock_guard lock(impl_->mutex);
  const JobView* view = impl_->engine.find(id);
  return view ? std::optional<JobView>(*view) : std::nullopt;
}

std::vector<UsageEntry> Simulator::usage(const std::string& api_key) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->engine.usage().entries(api_key);
}

double Simulator::spend(const std::string& api_key, const std::string& unit) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->engine.usage().total(api_key, unit);
}

std::int64_t Simulator::credits(const std::string& api_key) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->engine.credits().balance(api_key);
}

std::map<std::string, std::int64_t> Simulator::credit_balances() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->engine.credits().balances();
}

void Simulator::set_credits(const std::string& api_key, std::int64_t balance) {
  std::lock_guard lock(impl_->mutex);
  impl_->engine.credits().set_balance(api_key, balance);
}

void Simulator::set_response_observer(ResponseObserver observer) {
  std::lock_guard lock(impl_->mutex);
  impl_->has_observer = static_cast<bool>(observer);
  impl_->observer = std::move(observer);
}

}  // namespace nanosim
