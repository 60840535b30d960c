// The admin API under /__nanosim/: health, clock, reset, journal, jobs, credits, contracts.
#include <charconv>

#include "simulator_impl.hpp"

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

std::optional<std::int64_t> parse_balance(const json& body) {
  if (!body.is_object() || !body.contains("balance") || !body.at("balance").is_number_integer()) return std::nullopt;
  const auto balance = body.at("balance").get<std::int64_t>();
  return balance >= 0 ? std::optional(balance) : std::nullopt;
}

json clock_json(const Clock& clock) {
  return {{"manual", clock.manual()}, {"now_ms", clock.now().count()}, {"time_scale", clock.time_scale()}};
}

}  // namespace

json job_to_json(const JobView& job) {
  json out = {{"id", job.id},
              {"sequence", job.sequence},
              {"provider", job.spec.provider},
              {"model", job.spec.model},
              {"state", to_string(job.state)},
              {"submitted_at_ms", job.submitted_at.count()},
              {"run_time_ms", job.run_time.count()},
              {"progress", job.progress_percent},
              {"api_key", job.spec.api_key},
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

HttpResponse Simulator::Impl::admin(const HttpRequest& request, std::string_view path, ExchangeInfo& info) {
  info.operation = "admin";
  const std::string& method = request.method;
  if (path == "health" && method == "GET") {
    json providers = json::array();
    for (const auto& [id, adapter] : adapters) providers.push_back(id);
    return core::json_response(200, {{"status", "ok"}, {"providers", providers}, {"seed", options.seed},
                                     {"clock", clock_json(*clock)}, {"serves_root", adapters.size() == 1}});
  }
  if (path == "clock" && method == "GET") return core::json_response(200, clock_json(*clock));
  if (path == "clock/advance" && method == "POST") {
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("ms") || !body.at("ms").is_number_integer() ||
        body.at("ms").get<std::int64_t>() < 0) {
      return simulator_error(400, "invalid_request", "ms: must be a non-negative integer (body {\"ms\": N})");
    }
    if (!clock->manual()) {
      return simulator_error(409, "clock_not_manual", "The clock is real; start with --clock manual to advance it");
    }
    clock->advance(Millis{body.at("ms").get<std::int64_t>()});
    return core::json_response(200, clock_json(*clock));
  }
  if (path == "reset" && method == "POST") {
    reset();
    return core::json_response(200, {{"status", "reset"}, {"clock", clock_json(*clock)}});
  }
  if (path == "journal" && method == "GET") {
    const auto after = parse_count(request.query_param("after")).value_or(0);
    const auto limit = parse_count(request.query_param("limit")).value_or(SIZE_MAX);
    json entries = json::array();
    for (const JournalEntry& entry : journal.entries(after, limit)) entries.push_back(entry.to_json());
    return core::json_response(200, {{"entries", entries}, {"dropped", journal.dropped()}});
  }
  if (path == "jobs" && method == "GET") {
    json jobs = json::array();
    std::lock_guard lock(mutex);
    for (const JobView& job : engine.all_jobs()) jobs.push_back(job_to_json(job));
    return core::json_response(200, {{"jobs", jobs}, {"now_ms", clock->now().count()}});
  }
  if (path.rfind("jobs/", 0) == 0 && method == "GET") {
    std::lock_guard lock(mutex);
    const JobView* job = engine.find(std::string(path.substr(5)));
    if (job == nullptr) return simulator_error(404, "job_not_found", "No job " + std::string(path.substr(5)));
    return core::json_response(200, job_to_json(*job));
  }
  if (path == "usage" && method == "GET") {
    const std::string key = request.query_param("api_key").value_or("");
    std::lock_guard lock(mutex);
    const core::UsageLedger& ledger = engine.usage();
    json entries = json::array();
    for (const UsageEntry& entry : ledger.entries(key)) entries.push_back(to_json(entry));
    json totals = json::object();
    for (const auto& [owner, amount] : ledger.totals()) {
      if (key.empty() || owner.first == key) totals[owner.first][owner.second] = amount;
    }
    return core::json_response(200, {{"entries", entries}, {"totals", totals}});
  }
  if (path == "credits" && method == "GET") {
    std::lock_guard lock(mutex);
    const core::CreditLedger& ledger = engine.credits();
    return core::json_response(200, {{"default_balance", ledger.default_balance()}, {"balances", ledger.balances()}});
  }
  if (path.rfind("credits/", 0) == 0 && (method == "GET" || method == "PUT")) {
    const std::string key(path.substr(8));  // the path arrives decoded
    std::lock_guard lock(mutex);
    core::CreditLedger& ledger = engine.credits();
    if (method == "PUT") {
      const auto balance = parse_balance(json::parse(request.body, nullptr, false));
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
