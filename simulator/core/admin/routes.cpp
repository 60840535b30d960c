// The admin API under /__nanosim/: health, clock, reset, journal, jobs, credits, contracts.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

#include "../simulator_impl.hpp"

namespace nanosim {
namespace core::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& admin_files();
}  // namespace core::embedded
namespace {

using nlohmann::json;

std::optional<std::uint64_t> parse_count(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) return std::nullopt;
  return value;
}

/// The latest Unix time a timestamp in a body can show with a four-digit year: 9999-12-31T23:59:59.999Z.
constexpr std::int64_t kLatestUnixMs = 253'402'300'799'999;

/// The admin body through the JSON gate: null when it is not JSON (the caller names the field it wanted); a body
/// over the size or depth limits is refused as such (`refusal`).
BoundedJson admin_body(const HttpRequest& request, const Options& options) {
  BoundedJson body = parse_bounded_json(request.body, core::json_limits(options));
  if (body.refusal && body.refusal->rule == "json") body.refusal.reset();
  return body;
}

/// How far POST /__nanosim/clock/advance moves the clock, or why it cannot: "ms" must be an integer from 0 to what
/// keeps the clock's now (and every timestamp epoch + now) at or before kLatestUnixMs, so nothing downstream
/// overflows or prints a year past 9999.
std::variant<Millis, std::string> advance_by(const json& body, Millis now, std::int64_t epoch_unix_ms) {
  const std::int64_t room = std::max<std::int64_t>(0, kLatestUnixMs - epoch_unix_ms - now.count());
  const std::string rule = "ms: must be an integer from 0 to " + std::to_string(room) +
                           " (body {\"ms\": N}; the clock may not pass 9999-12-31T23:59:59.999Z)";
  if (!body.is_object() || !body.contains("ms") || !body.at("ms").is_number_integer()) return rule;
  const json& ms = body.at("ms");
  if (ms.is_number_unsigned() ? ms.get<std::uint64_t>() > static_cast<std::uint64_t>(room)
                              : ms.get<std::int64_t>() < 0 || ms.get<std::int64_t>() > room) {
    return rule;
  }
  return Millis{ms.get<std::int64_t>()};
}

std::optional<std::int64_t> parse_balance(const json& body) {
  if (!body.is_object() || !body.contains("balance") || !body.at("balance").is_number_integer()) return std::nullopt;
  const auto balance = body.at("balance").get<std::int64_t>();
  return balance >= 0 ? std::optional(balance) : std::nullopt;
}

// Listings are paged: at most this many items per answer (default, and the most `limit` may ask), looking at no
// more than max_scan items under a lock per page, so no listing stalls other clients or builds a huge answer.
constexpr std::size_t default_page = 100;
constexpr std::size_t default_journal_page = 500;
constexpr std::size_t max_page = 1000;
constexpr std::size_t max_scan = 10'000;

/// A listing's paging and filters: ?limit=N&after=SEQ&provider=ID&status=S&path=PREFIX&key=K&since=MS.
struct ListQuery {
  std::uint64_t after = 0;
  std::size_t limit = default_page;
  std::optional<std::string> provider, status, path, key;
  std::optional<std::int64_t> since;
};

std::optional<HttpResponse> parse_list_query(const HttpRequest& request, std::size_t default_limit, ListQuery& out) {
  out.limit = default_limit;
  if (const auto limit = request.query_param("limit")) {
    const auto value = parse_count(limit);
    if (!value || *value < 1 || *value > max_page) {
      return simulator_error(400, "invalid_request", "limit: must be an integer from 1 to " + std::to_string(max_page));
    }
    out.limit = static_cast<std::size_t>(*value);
  }
  if (const auto after = request.query_param("after")) {
    const auto value = parse_count(after);
    if (!value) return simulator_error(400, "invalid_request", "after: must be a non-negative integer (a sequence)");
    out.after = *value;
  }
  if (const auto since = request.query_param("since")) {
    const auto value = parse_count(since);
    if (!value || *value > static_cast<std::uint64_t>(INT64_MAX)) {
      return simulator_error(400, "invalid_request", "since: must be a non-negative integer (simulated ms)");
    }
    out.since = static_cast<std::int64_t>(*value);
  }
  out.provider = request.query_param("provider");
  out.status = request.query_param("status");
  out.path = request.query_param("path");
  out.key = request.query_param("key");
  if (!out.key) out.key = request.query_param("api_key");
  return std::nullopt;
}

json next_after_json(std::uint64_t next_after) { return next_after == 0 ? json(nullptr) : json(next_after); }

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

json clock_json(const Clock& clock) {
  return {{"manual", clock.manual()}, {"now_ms", clock.now().count()}, {"time_scale", clock.time_scale()}};
}

}  // namespace

json job_to_json(const JobView& job, bool reveal_keys) {
  json out = {{"id", job.id},
              {"sequence", job.sequence},
              {"provider", job.spec.provider},
              {"model", job.spec.model},
              {"state", to_string(job.state)},
              {"submitted_at_ms", job.submitted_at.count()},
              {"run_time_ms", job.run_time.count()},
              {"progress", job.progress_percent},
              {"api_key", shown_key(job.spec.api_key, reveal_keys)},
              {"prompt", job.spec.prompt},
              {"aspect_ratio", job.spec.aspect_ratio},
              {"size_tier", job.spec.size_tier},
              {"width", job.spec.width},
              {"height", job.spec.height},
              {"format", images::to_string(job.spec.format)},
              {"count", job.spec.count}};
  if (job.queue_position) out["queue_position"] = *job.queue_position;
  if (job.started_at) out["started_at_ms"] = job.started_at->count();
  if (job.finished_at) out["finished_at_ms"] = job.finished_at->count();
  if (!job.failure_kind.empty()) out["failure_kind"] = job.failure_kind;
  json files = json::array();
  for (const OutputFile& file : job.outputs) files.push_back(file.token);
  out["files"] = files;
  return out;
}

std::string shown_key(std::string_view key, bool reveal) { return reveal ? std::string(key) : mask_key(key); }

namespace {

/// "a=1&key=SECRET" with the Gemini-style ?key= API key masked.
std::string shown_query(const std::string& query, bool reveal) {
  if (reveal || query.find("key=") == std::string::npos) return query;
  std::string out;
  std::size_t at = 0;
  while (at <= query.size()) {
    const std::size_t end = std::min(query.find('&', at), query.size());
    const std::string pair = query.substr(at, end - at);
    if (!out.empty()) out += '&';
    out += pair.rfind("key=", 0) == 0 ? "key=" + mask_key(std::string_view(pair).substr(4)) : pair;
    at = end + 1;
  }
  return out;
}

}  // namespace

HttpResponse Simulator::Impl::journal_listing(const HttpRequest& request) const {
  ListQuery query;
  if (auto refusal = parse_list_query(request, default_journal_page, query)) return *refusal;
  const auto page = journal.page(query.after, query.limit, max_scan, [&query](const JournalEntry& entry) {
    if (query.provider && entry.provider != *query.provider) return false;
    if (query.status && std::to_string(entry.status) != *query.status) return false;
    if (query.path && entry.path.rfind(*query.path, 0) != 0) return false;
    if (query.key && entry.api_key != *query.key) return false;
    return !query.since || entry.at.count() >= *query.since;
  });
  json entries = json::array();
  for (const JournalEntry& entry : page.entries) {
    json shown = entry.to_json();
    shown["api_key"] = shown_key(entry.api_key, options.reveal_keys);
    shown["query"] = shown_query(entry.query, options.reveal_keys);
    entries.push_back(std::move(shown));
  }
  return core::json_response(200, {{"entries", std::move(entries)}, {"dropped", journal.dropped()},
                                   {"next_after", next_after_json(page.next_after)}, {"limit", query.limit}});
}

HttpResponse Simulator::Impl::jobs_listing(const HttpRequest& request) {
  ListQuery query;
  if (auto refusal = parse_list_query(request, default_page, query)) return *refusal;
  core::Engine::JobPage page;
  Millis now{0};
  {
    std::lock_guard lock(mutex);
    page = engine.jobs_page(query.after, query.limit, max_scan, [&query](const JobView& job) {
      if (query.provider && job.spec.provider != *query.provider) return false;
      if (query.status && !same_text(to_string(job.state), *query.status)) return false;
      if (query.key && job.spec.api_key != *query.key) return false;
      return !query.since || job.submitted_at.count() >= *query.since;
    });
    now = clock->now();
  }
  json jobs = json::array();
  for (const JobView& job : page.jobs) jobs.push_back(job_to_json(job, options.reveal_keys));
  return core::json_response(200, {{"jobs", std::move(jobs)}, {"now_ms", now.count()},
                                   {"next_after", next_after_json(page.next_after)}, {"limit", query.limit}});
}

HttpResponse Simulator::Impl::usage_listing(const HttpRequest& request) {
  ListQuery query;
  if (auto refusal = parse_list_query(request, default_page, query)) return *refusal;
  core::UsageLedger::Page page;
  std::map<std::pair<std::string, std::string>, double> totals;
  {
    std::lock_guard lock(mutex);
    const core::UsageLedger& ledger = engine.usage();
    page = ledger.page(query.after, query.limit, max_scan, [&query](const UsageEntry& entry) {
      if (query.provider && entry.provider != *query.provider) return false;
      if (query.status && !same_text(to_string(entry.state), *query.status)) return false;
      if (query.key && entry.api_key != *query.key) return false;
      return !query.since || entry.opened_at_ms >= *query.since;
    });
    totals = ledger.totals();
  }
  json entries = json::array();
  for (const auto& [ordinal, entry] : page.entries) {
    json shown = to_json(entry);
    shown["sequence"] = ordinal;
    shown["api_key"] = shown_key(entry.api_key, options.reveal_keys);
    entries.push_back(std::move(shown));
  }
  json shown_totals = json::object();
  for (const auto& [owner, amount] : totals) {
    if (!query.key || owner.first == *query.key) shown_totals[shown_key(owner.first, options.reveal_keys)][owner.second] = amount;
  }
  return core::json_response(200, {{"entries", std::move(entries)}, {"totals", std::move(shown_totals)},
                                   {"next_after", next_after_json(page.next_after)}, {"limit", query.limit}});
}

HttpResponse Simulator::Impl::admin(const HttpRequest& request, std::string_view path, ExchangeInfo& info) {
  info.operation = "admin";
  const std::string& method = request.method;
  if (path == "health" && method == "GET") {
    json providers = json::array();
    for (const auto& [id, adapter] : adapters) providers.push_back(id);
    return core::json_response(200, {{"status", "ok"}, {"providers", providers}, {"seed", options.seed},
                                     {"clock", clock_json(*clock)}, {"serves_root", adapters.size() == 1},
                                     {"proxied", options.proxied}});
  }
  if (path == "clock" && method == "GET") return core::json_response(200, clock_json(*clock));
  if (path == "clock/advance" && method == "POST") {
    const BoundedJson body = admin_body(request, options);
    if (body.refusal) return simulator_error(400, "invalid_request", body.refusal->message);
    std::lock_guard lock(mutex);  // nothing moves the clock between the check and the move
    const auto by = advance_by(body.value, clock->now(), options.epoch_unix_ms);
    if (const auto* refused = std::get_if<std::string>(&by)) return simulator_error(400, "invalid_request", *refused);
    if (!clock->manual()) {
      return simulator_error(409, "clock_not_manual", "The clock is real; start with --clock manual to advance it");
    }
    clock->advance(std::get<Millis>(by));
    return core::json_response(200, clock_json(*clock));
  }
  if (path == "drift" && method == "GET") return drift_report(journal.entries(), request);
  if (path == "reset" && method == "POST") {
    reset();
    return core::json_response(200, {{"status", "reset"}, {"clock", clock_json(*clock)}});
  }
  if (path == "journal" && method == "GET") return journal_listing(request);
  if (path == "jobs" && method == "GET") return jobs_listing(request);
  if (path.rfind("jobs/", 0) == 0 && method == "GET") {
    std::optional<JobView> job;
    {
      std::lock_guard lock(mutex);
      const JobView* found = engine.find(std::string(path.substr(5)));
      if (found != nullptr) job = *found;
    }
    if (!job) return simulator_error(404, "job_not_found", "No job " + std::string(path.substr(5)));
    return core::json_response(200, job_to_json(*job, options.reveal_keys));
  }
  if (path == "usage" && method == "GET") return usage_listing(request);
  if (path == "credits" && method == "GET") {
    std::int64_t default_balance = 0;
    std::map<std::string, std::int64_t> balances;
    {
      std::lock_guard lock(mutex);
      const core::CreditLedger& ledger = engine.credits();
      default_balance = ledger.default_balance();
      balances = ledger.balances();
    }
    json shown = json::object();
    for (const auto& [key, balance] : balances) shown[shown_key(key, options.reveal_keys)] = balance;
    return core::json_response(200, {{"default_balance", default_balance}, {"balances", shown}});
  }
  if (path.rfind("credits/", 0) == 0 && (method == "GET" || method == "PUT")) {
    const std::string key(path.substr(8));  // the path arrives decoded
    std::lock_guard lock(mutex);
    core::CreditLedger& ledger = engine.credits();
    if (method == "PUT") {
      const BoundedJson body = admin_body(request, options);
      if (body.refusal) return simulator_error(400, "invalid_request", body.refusal->message);
      const auto balance = parse_balance(body.value);
      if (!balance) return simulator_error(400, "invalid_request", "balance: must be a non-negative integer (body {\"balance\": N})");
      ledger.set_balance(key, *balance);
    }
    return core::json_response(200, {{"api_key", key}, {"balance", ledger.balance(key)}});
  }
  if (path == "contracts" && method == "GET") {
    json ids = json::array();
    for (const contracts::Contract* contract : contracts::all()) ids.push_back(contract->id());
    return core::json_response(200, {{"contracts", ids}});
  }
  if (path.rfind("contracts/", 0) == 0 && method == "GET") {
    std::string id(path.substr(10));
    const bool openapi = id.size() > 8 && id.compare(id.size() - 8, 8, "/openapi") == 0;
    if (openapi) id.resize(id.size() - 8);
    const contracts::Contract* contract = contracts::find(id);
    if (contract == nullptr) return simulator_error(404, "contract_not_found", "No contract " + id);
    return core::json_response(
        200, openapi ? contracts::to_openapi(*contract, request_origin(request, options) + "/" + id) : contract->document());
  }
  if (path == "openapi" && method == "GET") {  // the admin API's own document, served from the host it was reached on
    json document = json::parse(core::embedded::admin_files().at(0).second);
    document["servers"] = json::array({{{"url", request_origin(request, options)}, {"description", "nanosim"}}});
    return core::json_response(200, document);
  }
  if (auto answer = scenario_admin(request, path)) return std::move(*answer);
  return simulator_error(404, "admin_not_found",
                         "Unknown admin endpoint " + method + " /__nanosim/" + std::string(path));
}

}  // namespace nanosim
