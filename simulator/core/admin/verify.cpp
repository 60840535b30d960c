// Checks of client behaviour over the journal.
#include "nanosim/verify.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace nanosim::verify {
namespace {

Millis answered_at(const JournalEntry& e) { return e.at + e.latency; }
bool is_provider_call(const JournalEntry& e) { return !e.provider.empty() && !e.operation.empty(); }
bool retryable_failure(const JournalEntry& e) {
  return e.status == 429 || e.status >= 500 || (!e.fault.empty() && e.fault != "slow_body");
}
bool is_terminal_state(const std::string& s) { return s == "succeeded" || s == "failed" || s == "cancelled"; }

std::string at(const JournalEntry& e) {
  return "#" + std::to_string(e.sequence) + " (" + e.method + " " + e.path + " at " + std::to_string(e.at.count()) +
         " ms)";
}

/// One request and the request it followed: the same key's previous call of that provider and operation about
/// the same job, or, when that came later or not at all, the previous such call about no job that nothing has
/// followed yet. So a submit answered 429 (no job) is followed by the next submit, whether that one creates a job
/// or not, and polls of different jobs are never mixed up.
struct Succession {
  const JournalEntry* before;
  const JournalEntry* entry;
};

std::vector<Succession> successions(const std::vector<JournalEntry>& entries) {
  using Lane = std::tuple<std::string, std::string, std::string, std::string>;  // key, provider, operation, job
  std::map<Lane, const JournalEntry*> last;
  std::vector<Succession> out;
  for (const JournalEntry& e : entries) {
    if (!is_provider_call(e)) continue;
    const Lane own{e.api_key, e.provider, e.operation, e.job_id};
    const Lane none{e.api_key, e.provider, e.operation, ""};
    const JournalEntry* before = nullptr;
    if (const auto it = last.find(own); it != last.end()) before = it->second;
    if (const auto it = last.find(none); it != last.end() && it->second != nullptr &&
                                          (before == nullptr || it->second->sequence > before->sequence)) {
      before = it->second;
    }
    if (before != nullptr) out.push_back({before, &e});
    last[none] = nullptr;  // a call about no job is followed once
    last[own] = &e;
  }
  return out;
}

}  // namespace

nlohmann::json CheckResult::to_json() const {
  return {{"check", check}, {"passed", passed()}, {"examined", examined}, {"failures", failures}};
}

CheckResult honoured_retry_after(const std::vector<JournalEntry>& entries) {
  CheckResult result{"honoured_retry_after", {}, 0};
  for (const auto& [before, entry] : successions(entries)) {
    if (!before->retry_after) continue;
    ++result.examined;
    const Millis allowed = answered_at(*before) + *before->retry_after;
    if (entry->at < allowed) {
      result.failures.push_back(at(*entry) + " came " + std::to_string((allowed - entry->at).count()) +
                                " ms before the Retry-After of " + at(*before) + " allowed");
    }
  }
  return result;
}

CheckResult polled_no_faster_than(const std::vector<JournalEntry>& entries, Millis interval) {
  CheckResult result{"polled_no_faster_than", {}, 0};
  for (const auto& [before, entry] : successions(entries)) {
    if (entry->operation != "status" || entry->job_id.empty() || before->job_id != entry->job_id) continue;
    ++result.examined;
    const Millis gap = entry->at - answered_at(*before);
    if (gap < interval) {
      result.failures.push_back(at(*entry) + " polled " + std::to_string(gap.count()) + " ms after " + at(*before) +
                                ", under " + std::to_string(interval.count()) + " ms");
    }
  }
  return result;
}

CheckResult backed_off(const std::vector<JournalEntry>& entries) {
  CheckResult result{"backed_off", {}, 0};
  std::map<const JournalEntry*, Millis> pause_before;  // a retry -> the pause after the failure it retried
  for (const auto& [before, entry] : successions(entries)) {
    if (!retryable_failure(*before)) continue;
    ++result.examined;
    const Millis gap = entry->at - answered_at(*before);
    const auto previous = pause_before.find(before);
    if (gap.count() <= 0) {
      result.failures.push_back(at(*entry) + " retried at once after " + at(*before));
    } else if (previous != pause_before.end() && gap < previous->second) {
      result.failures.push_back(at(*entry) + " waited " + std::to_string(gap.count()) + " ms, less than the " +
                                std::to_string(previous->second.count()) + " ms before it");
    }
    pause_before[entry] = gap;
  }
  return result;
}

CheckResult cancelled_on_deadline(const std::vector<JournalEntry>& entries, Millis deadline, Millis grace) {
  CheckResult result{"cancelled_on_deadline", {}, 0};
  for (const JournalEntry& submit : entries) {
    if (submit.operation != "submit" || submit.job_id.empty() || submit.status >= 300) continue;
    const Millis limit = submit.at + deadline;
    bool finished = false;
    const JournalEntry* cancel = nullptr;
    const JournalEntry* late = nullptr;
    for (const JournalEntry& e : entries) {
      if (e.job_id != submit.job_id || e.sequence <= submit.sequence) continue;
      if (e.at <= limit && is_terminal_state(e.job_state) && e.operation != "cancel") finished = true;
      if (e.operation == "cancel" && cancel == nullptr) cancel = &e;
      else if (e.at > limit + grace && late == nullptr && e.operation != "cancel") late = &e;
    }
    if (finished) continue;
    ++result.examined;
    if (cancel == nullptr || cancel->at > limit + grace) {
      result.failures.push_back("job " + submit.job_id + " submitted by " + at(submit) + " was not cancelled within " +
                                std::to_string((deadline + grace).count()) + " ms");
    }
    if (late != nullptr) result.failures.push_back(at(*late) + " asked about job " + submit.job_id + " past its deadline");
  }
  return result;
}

CheckResult no_duplicate_submits(const std::vector<JournalEntry>& entries) {
  CheckResult result{"no_duplicate_submits", {}, 0};
  std::map<std::pair<std::string, std::string>, const JournalEntry*> created;  // (key, body) -> submit
  for (const JournalEntry& e : entries) {
    if (e.operation != "submit") continue;
    ++result.examined;
    const auto id = std::make_pair(e.api_key, e.request_body);
    if (const auto it = created.find(id); it != created.end()) {
      result.failures.push_back(at(e) + " resubmitted job " + it->second->job_id + " already created by " +
                                at(*it->second));
    }
    if (!e.job_id.empty() && e.status < 300 && created.find(id) == created.end()) created.emplace(id, &e);
  }
  return result;
}

CheckResult fetched_each_result_once(const std::vector<JournalEntry>& entries) {
  CheckResult result{"fetched_each_result_once", {}, 0};
  std::map<std::string, const JournalEntry*> seen;
  for (const JournalEntry& e : entries) {
    const bool result_op = e.operation == "result" && !e.job_id.empty();
    const bool file = e.operation == "file" && e.method == "GET";
    if (!(result_op || file) || e.status != 200 || (!e.fault.empty() && e.fault != "slow_body")) continue;
    ++result.examined;
    const std::string what = result_op ? "result of job " + e.job_id : "file " + e.path;
    if (const auto it = seen.find(what); it != seen.end()) {
      result.failures.push_back(at(e) + " fetched the " + what + " again (first " + at(*it->second) + ")");
    } else {
      seen.emplace(what, &e);
    }
  }
  return result;
}

nlohmann::json Coverage::to_json() const {
  nlohmann::json codes = nlohmann::json::object();
  for (const auto& [status, count] : statuses) codes[std::to_string(status)] = count;
  return {{"states", states}, {"states_missing", states_missing}, {"effects", effects}, {"faults", faults},
          {"statuses", codes}, {"drift", drift}, {"drifted_exchanges", drifted_exchanges}};
}

Coverage coverage(const std::vector<JournalEntry>& entries) {
  Coverage out;
  for (const JournalEntry& e : entries) {
    if (!e.drift.empty()) ++out.drifted_exchanges;
    for (const nlohmann::json& d : e.drift) {
      ++out.drift[e.provider + " " + d.value("contract_pointer", "") + " " + d.value("rule", "")];
    }
    if (!is_provider_call(e)) continue;
    ++out.statuses[e.status];
    // A slow body is a whole answer (only late): its state counts; a broken one (reset, cut, bad JSON) does not.
    if (!e.job_state.empty() && (e.fault.empty() || e.fault == "slow_body")) ++out.states[e.job_state];
    if (!e.fault.empty()) ++out.faults[e.fault];
    for (const std::string& note : e.notes) {
      if (note.rfind("scenario ", 0) != 0 || note.find(" skipped") != std::string::npos) continue;
      std::string rule = note.substr(9, note.find(": ") - 9);  // "NAME rule RULE"
      if (const auto space = rule.find(" rule "); space != std::string::npos) rule.replace(space, 6, "/");
      ++out.effects[rule];
    }
  }
  for (const char* state : {"queued", "running", "succeeded", "failed", "cancelled"}) {
    if (out.states.find(state) == out.states.end()) out.states_missing.emplace_back(state);
  }
  return out;
}

}  // namespace nanosim::verify
