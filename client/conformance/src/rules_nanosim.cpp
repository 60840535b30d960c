// Rules that need nanosim's admin API: states a live provider shows only by chance (each catalog error, a failed
// job, an expired result file), reached through one scenario installed for the run, never through the providers.
#include <algorithm>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

using contracts::Contract;
using contracts::Operation;

constexpr const char* needs_nanosim = "needs nanosim's admin API (a scenario) to reach this state on demand";

bool lists(const Operation& op, const std::string& kind) {
  if (!op.raw.contains("errors")) return false;
  const auto& errors = op.raw.at("errors");
  return std::find(errors.begin(), errors.end(), kind) != errors.end();
}

/// The operation to ask for a kind: the reference client's submit when it lists the kind, else the first that does.
const Operation* operation_answering(const Contract& contract, const std::string& kind, const std::string& preferred = "") {
  for (const Operation& op : contract.operations()) {
    if (op.name == preferred && lists(op, kind)) return &op;
  }
  for (const Operation& op : contract.operations()) {
    if (!op.raw.contains("errors")) continue;
    for (const auto& listed : op.raw.at("errors")) {
      if (listed == kind) return &op;
    }
  }
  return nullptr;
}

HttpRequest request_for(Session& s, const Operation& op) {
  if (auto submit = s.submit_request()) {
    const auto match = s.contract.match(submit->method, submit->path);
    if (match && match->operation->name == op.name) return *submit;
  }
  HttpRequest request;
  request.method = op.method;
  request.path = s.path_of(op, "nanosim-check-unknown-id");
  if (op.method != "GET" && op.method != "DELETE") {
    request.headers.emplace("Content-Type", "application/json");
    request.body = "{}";
  }
  return request;
}

void error_rule(Session& s, Outcome& o, const std::string& kind, const std::string& op_name) {
  if (!s.nanosim) return o.skip(needs_nanosim);
  const Exchange ex = s.send(request_for(s, s.contract.operation(op_name)), keys::error(kind));
  if (!ex.response) return o.fail("no answer: " + ex.transport_error, {}, ex);
  o.expect_clean("the answer", check_error(s.contract, kind, *ex.response), ex);
}

/// A failed job reads as failure_kinds.generation_failed says: a status carrying its wire fields, or the
/// synchronous face's error.
void failure_rule(Session& s, Outcome& o) {
  if (!s.nanosim) return o.skip(needs_nanosim);
  if (!s.take_generation()) return o.skip("the budget allows no more generations");
  o.result().generations = 1;
  const json& failure = s.contract.failure_kind("generation_failed");
  GenerationRun run = s.generate(keys::fails, false);
  if (!run.submit || !run.submit->response) return o.fail("the submit got no answer", {}, run.submit);
  if (run.polls.empty()) {  // synchronous: the submit's answer is the failure
    const Exchange& ex = *run.submit;
    const auto op = s.contract.match(ex.request.method, ex.request.path);
    std::string kind = failure.value("error", json()).is_string() ? failure.at("error").get<std::string>() : "";
    if (op && failure.contains("error_by_operation") && failure.at("error_by_operation").contains(op->operation->name)) {
      kind = failure.at("error_by_operation").at(op->operation->name).get<std::string>();
    }
    if (!kind.empty()) return (void)o.expect_clean("the failed call", check_error(s.contract, kind, *ex.response), ex);
    if (!o.expect_clean("the failed call", check_response(s.contract, ex.request, *ex.response), ex)) return;
    const json body = json::parse(ex.response->body, nullptr, false);
    for (const auto& [name, fields] : failure.at("wire").items()) {
      if (name == "candidate" && !contains_subset(body, fields)) {
        Breach b{"wire", "/failure_kinds/generation_failed/wire", "", "the answer must carry " + fields.dump(),
                 failure.value("provenance", json())};
        return o.fail(b.message, {b}, ex);
      }
    }
    return;
  }
  const Exchange& last = run.polls.back().first;
  if (!last.response) return o.fail("the last poll got no answer", {}, last);
  if (!o.expect_clean("the failed job's status", check_response(s.contract, last.request, *last.response), last)) return;
  if (run.final_state != client::JobState::failed) {
    return o.fail("the job must end failed, the reference client read " +
                      (run.final_state ? std::string(to_string(*run.final_state)) : "no end"), {}, last);
  }
  const json body = json::parse(last.response->body, nullptr, false);
  if (!contains_subset(body, failure.at("wire"))) {
    Breach b{"wire", "/failure_kinds/generation_failed/wire", "", "the status must carry " + failure.at("wire").dump(),
             failure.value("provenance", json())};
    o.fail(b.message, {b}, last);
  }
}

void expired_rule(Session& s, Outcome& o) {
  if (!s.nanosim) return o.skip(needs_nanosim);
  if (!s.take_generation()) return o.skip("the budget allows no more generations");
  o.result().generations = 1;
  GenerationRun run = s.generate(keys::expired, false);
  if (!run.result || run.result->images.empty() || run.result->images.front().url.empty()) {
    return o.fail("the generation gave no result URL" + (run.error ? ": " + client::to_string(*run.error) : std::string()), {}, run.submit);
  }
  s.clock().sleep_for(std::chrono::milliseconds(1000));
  const Exchange ex = s.download(run.result->images.front().url);
  if (!ex.response) return o.fail("no answer: " + ex.transport_error, {}, ex);
  o.expect_clean("the expired file's answer", check_error(s.contract, "file_expired", *ex.response), ex);
}

}  // namespace

json nanosim_scenario_rules(const Contract& contract) {
  const json provider = contract.id();
  json rules = json::array();
  rules.push_back({{"name", "invalid-key"}, {"when", {{"provider", provider}, {"api_key", keys::invalid}}},
                   {"effect", {{"error", {{"kind", "@auth.invalid"}}}}}});
  for (const auto& [kind, entry] : contract.document().at("errors").items()) {
    if (operation_answering(contract, kind) == nullptr) continue;
    rules.push_back({{"name", "error-" + kind}, {"when", {{"provider", provider}, {"api_key", keys::error(kind)}}},
                     {"effect", {{"error", {{"kind", kind}}}}}});
  }
  rules.push_back({{"name", "fails"}, {"when", {{"provider", provider}, {"api_key", keys::fails}}},
                   {"effect", {{"fate", {{"fail", "generation_failed"}}}}}});
  rules.push_back({{"name", "expired"}, {"when", {{"provider", provider}, {"api_key", keys::expired}}},
                   {"effect", {{"fate", {{"files_expire_after_ms", 0}}}}}});
  return rules;
}

std::vector<RuleSpec> nanosim_rules(const Session& session) {
  const Contract& contract = session.contract;
  std::vector<RuleSpec> out;
  std::string submit_op;
  if (const auto submit = session.submit_request()) {
    if (const auto match = contract.match(submit->method, submit->path)) submit_op = match->operation->name;
  }
  for (const auto& [kind, entry] : contract.document().at("errors").items()) {
    const Operation* op = operation_answering(contract, kind, submit_op);
    if (op == nullptr) continue;
    std::string title = op->name + " answers " + kind + " with HTTP " + std::to_string(entry.at("http_status").get<int>()) +
                        ", the catalog's body";
    if (entry.contains("headers")) {
      for (const auto& [name, value] : entry.at("headers").items()) title += " and " + name;
    }
    out.push_back({"error." + kind, std::move(title), "nanosim", "/errors/" + kind, entry.value("provenance", json()),
                   [error_kind = kind, op_name = op->name](Session& s, Outcome& o) { error_rule(s, o, error_kind, op_name); }});
  }
  const json& failure = contract.failure_kind("generation_failed");
  out.push_back({"failure.generation_failed", "a job that fails reads as failure_kinds.generation_failed says", "nanosim",
                 "/failure_kinds/generation_failed", failure.value("provenance", json()), failure_rule});
  if (contract.document().contains("files") && contract.has_error("file_expired")) {
    out.push_back({"file.expired", "a result file past its retention answers file_expired", "nanosim", "/files",
                   contract.document().at("files").value("provenance", json()), expired_rule});
  }
  return out;
}

}  // namespace nanosim::conformance
