// Every verify check against generated journals: a journal built to comply passes, the same journal with one
// breach put in fails (and names it), whatever unrelated traffic (other keys, other jobs) is interleaved.
#include <algorithm>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/verify.hpp"

using namespace nanosim;

namespace {

JournalEntry call(std::int64_t at, std::string key, std::string operation, std::string job, int status) {
  JournalEntry e;
  e.at = Millis{at};
  e.method = operation == "submit" ? "POST" : operation == "cancel" ? "PUT" : "GET";
  e.path = "/toapis/v1/" + operation + (job.empty() ? "" : "/" + job);
  e.provider = "toapis";
  e.operation = std::move(operation);
  e.job_id = std::move(job);
  e.api_key = std::move(key);
  e.status = status;
  return e;
}

/// The journal in arrival order (ties keep the order given: the checked lane first), numbered from 1.
std::vector<JournalEntry> journal_of(std::vector<JournalEntry> lane, const std::vector<JournalEntry>& noise) {
  lane.insert(lane.end(), noise.begin(), noise.end());
  std::stable_sort(lane.begin(), lane.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  for (std::size_t i = 0; i < lane.size(); ++i) lane[i].sequence = i + 1;
  return lane;
}

/// Unrelated traffic: another key's successful calls at any time (any operation but status polls, which have a
/// pace of their own, about any job).
std::vector<JournalEntry> other_keys_noise(std::int64_t until) {
  std::vector<JournalEntry> out;
  const auto count = *rc::gen::inRange(0, 8);
  for (int i = 0; i < count; ++i) {
    const auto at = *rc::gen::inRange<std::int64_t>(0, until + 1);
    const auto op = *rc::gen::element<std::string>("submit", "result", "cancel");
    out.push_back(call(at, "other-key", op, op == "submit" ? "" : "job-1", 200));
  }
  return out;
}

}  // namespace

TEST_CASE("honoured_retry_after fails an early retry that succeeds, as in the 200 then 429 then 200 journal",
          "[property][verify]") {
  std::vector<JournalEntry> journal = {call(0, "k", "submit", "job-a", 200), call(0, "k", "submit", "", 429),
                                       call(0, "k", "submit", "job-b", 200)};
  journal[1].retry_after = Millis{3000};
  for (std::size_t i = 0; i < journal.size(); ++i) journal[i].sequence = i + 1;
  const auto verdict = verify::honoured_retry_after(journal);
  CHECK(verdict.examined == 1);
  CHECK_FALSE(verdict.passed());
  journal[2].at = Millis{3000};
  CHECK(verify::honoured_retry_after(journal).passed());
}

TEST_CASE("honoured_retry_after passes journals that wait out every Retry-After and fails one early request",
          "[property][verify]") {
  rc::prop("generated submit journals", [] {
    const auto steps = *rc::gen::inRange(2, 12);
    const bool breach = *rc::gen::arbitrary<bool>();
    std::vector<JournalEntry> lane;
    std::vector<int> limited;  // 429s whose very next request is of the same operation
    std::int64_t now = 0;
    for (int i = 0; i < steps; ++i) {
      const bool is_429 = *rc::gen::arbitrary<bool>();
      JournalEntry e = call(now, "k", *rc::gen::element<std::string>("submit", "status"), "", is_429 ? 429 : 200);
      if (!is_429 && e.operation == "submit") e.job_id = "job-" + std::to_string(i);
      if (e.operation == "status") e.job_id = "job-0";
      e.latency = Millis{*rc::gen::inRange(0, 2000)};
      if (is_429) e.retry_after = Millis{*rc::gen::inRange(1, 11) * 1000};
      lane.push_back(e);
      now += e.latency.count() + (e.retry_after ? e.retry_after->count() : 0) + *rc::gen::inRange(0, 5000);
    }
    // Every 429 followed by a request of its lane is examined (submits: any submit; status: the same job's poll).
    std::size_t followed = 0;
    for (std::size_t i = 0; i + 1 < lane.size(); ++i) {
      if (!lane[i].retry_after) continue;
      const bool any = std::any_of(lane.begin() + static_cast<long>(i) + 1, lane.end(),
                                   [&](const JournalEntry& e) { return e.operation == lane[i].operation; });
      followed += any ? 1 : 0;
      if (lane[i + 1].operation == lane[i].operation) limited.push_back(static_cast<int>(i));
    }
    RC_PRE(!breach || !limited.empty());
    if (breach) {
      // The request right after one 429 comes before its Retry-After ran out; everything later moves with it.
      const auto i = static_cast<std::size_t>(*rc::gen::elementOf(limited));
      const std::int64_t allowed = lane[i].at.count() + lane[i].latency.count() + lane[i].retry_after->count();
      const std::int64_t early_at = *rc::gen::inRange(lane[i].at.count(), allowed);
      const Millis shift = lane[i + 1].at - Millis{early_at};
      for (std::size_t k = i + 1; k < lane.size(); ++k) lane[k].at -= shift;
    }
    const auto verdict = verify::honoured_retry_after(journal_of(lane, other_keys_noise(now)));
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined == followed);
  });
}

TEST_CASE("polled_no_faster_than passes polls at least the interval apart and fails one quicker poll",
          "[property][verify]") {
  rc::prop("generated polls of several jobs", [] {
    const auto interval = *rc::gen::inRange<std::int64_t>(100, 5000);
    const bool breach = *rc::gen::arbitrary<bool>();
    const auto jobs = *rc::gen::inRange(1, 4);
    std::vector<JournalEntry> lane;
    std::int64_t until = 0;
    for (int j = 0; j < jobs; ++j) {
      const std::string job = "job-" + std::to_string(j);
      std::int64_t now = *rc::gen::inRange(0, 3000);
      lane.push_back(call(now, "k", "submit", job, 200));
      const auto polls = *rc::gen::inRange(2, 8);
      const auto quick = breach && j == 0 ? *rc::gen::inRange(1, polls) : -1;  // the poll that comes too soon
      for (int p = 0; p < polls; ++p) {
        JournalEntry poll = call(now, "k", "status", job, 200);
        poll.latency = Millis{*rc::gen::inRange(0, 1000)};
        lane.push_back(poll);
        const std::int64_t gap = p + 1 == quick ? *rc::gen::inRange<std::int64_t>(0, interval)
                                                : interval + *rc::gen::inRange(0, 4000);
        now += poll.latency.count() + gap;
      }
      until = std::max(until, now);
    }
    // Another key polls the same job id at its own pace: its polls never pair with this key's.
    std::vector<JournalEntry> noise = other_keys_noise(until);
    for (std::int64_t at = *rc::gen::inRange<std::int64_t>(0, interval); at < until; at += interval) {
      noise.push_back(call(at, "other-key", "status", "job-0", 200));
    }
    const auto verdict = verify::polled_no_faster_than(journal_of(lane, noise), Millis{interval});
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined >= static_cast<std::size_t>(jobs));
  });
}

TEST_CASE("backed_off passes pauses that never shrink within a run of failures and fails one that shrinks",
          "[property][verify]") {
  rc::prop("generated retry episodes", [] {
    const auto episodes = *rc::gen::inRange(1, 4);
    const bool breach = *rc::gen::arbitrary<bool>();
    const auto broken = *rc::gen::inRange(0, episodes);
    std::vector<JournalEntry> lane;
    std::int64_t now = 0;
    std::size_t failures_total = 0;
    for (int ep = 0; ep < episodes; ++ep) {
      const auto failures = *rc::gen::inRange(ep == broken ? 2 : 0, 6);
      // Pauses start small in every episode: the previous episode's long pauses do not count once a call succeeded.
      std::int64_t pause = *rc::gen::inRange(2, 1000);
      const auto shrink_at = breach && ep == broken ? *rc::gen::inRange(0, failures) : -1;
      for (int f = 0; f < failures; ++f) {
        const auto status = *rc::gen::element(429, 500, 503, 0);
        JournalEntry e = call(now, "k", "submit", "", status == 0 ? 200 : status);
        if (status == 0) e.fault = "reset_before_response";
        lane.push_back(e);
        std::int64_t gap = pause + *rc::gen::inRange(0, 2000);
        // The breach: a retry at once (the first pause), or a pause shorter than the one before it.
        if (f == shrink_at) gap = f == 0 ? 0 : *rc::gen::inRange<std::int64_t>(0, pause);
        pause = std::max(pause, gap);
        now += gap;
        ++failures_total;
      }
      lane.push_back(call(now, "k", "submit", "job-" + std::to_string(ep), 200));
      now += *rc::gen::inRange(0, 100);  // the next episode may begin at once: a new submit, not a retry
    }
    const auto verdict = verify::backed_off(journal_of(lane, other_keys_noise(now)));
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined == failures_total);
  });
}

TEST_CASE("cancelled_on_deadline passes jobs finished or cancelled in time and fails one left running",
          "[property][verify]") {
  rc::prop("generated jobs around a deadline", [] {
    const auto deadline = *rc::gen::inRange<std::int64_t>(1000, 60'000);
    const auto grace = *rc::gen::inRange<std::int64_t>(0, 2000);
    const auto jobs = *rc::gen::inRange(1, 5);
    const bool breach = *rc::gen::arbitrary<bool>();
    const auto broken = *rc::gen::inRange(0, jobs);
    std::vector<JournalEntry> lane;
    std::size_t unfinished = 0;
    for (int j = 0; j < jobs; ++j) {
      const std::string job = "job-" + std::to_string(j);
      const std::int64_t t0 = *rc::gen::inRange<std::int64_t>(0, 10'000);
      const std::int64_t limit = t0 + deadline;
      lane.push_back(call(t0, "k", "submit", job, 200));
      JournalEntry poll = call(t0 + *rc::gen::inRange<std::int64_t>(0, deadline + 1), "k", "status", job, 200);
      const bool finishes = j != broken && *rc::gen::arbitrary<bool>();
      poll.job_state = finishes ? *rc::gen::element<std::string>("succeeded", "failed") : "running";
      lane.push_back(poll);
      if (finishes) {
        lane.push_back(call(limit + grace + *rc::gen::inRange(1, 5000), "k", "result", job, 200));  // late is fine
        continue;
      }
      ++unfinished;
      const auto how = breach && j == broken ? *rc::gen::inRange(0, 3) : 3;
      if (how == 0) continue;  // never cancelled
      // Cancelled in time (even before the deadline), or too late (how 1); how 2: then polled after the grace.
      const std::int64_t cancel_at = how == 1 ? limit + grace + *rc::gen::inRange(1, 5000)
                                              : poll.at.count() + *rc::gen::inRange<std::int64_t>(0, limit + grace - poll.at.count() + 1);
      JournalEntry cancel = call(cancel_at, "k", "cancel", job, 202);
      cancel.job_state = "cancelled";
      lane.push_back(cancel);
      if (how == 2) lane.push_back(call(limit + grace + *rc::gen::inRange(1, 5000), "k", "status", job, 200));
    }
    const auto verdict =
        verify::cancelled_on_deadline(journal_of(lane, {}), Millis{deadline}, Millis{grace});
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined == unfinished);
  });
}

TEST_CASE("no_duplicate_submits passes retries of refused submits and fails a resubmit of a created job",
          "[property][verify]") {
  rc::prop("generated submits", [] {
    const auto count = *rc::gen::inRange(1, 10);
    const bool breach = *rc::gen::arbitrary<bool>();
    std::vector<JournalEntry> lane;
    std::vector<std::size_t> created;
    std::int64_t now = 0;
    for (int i = 0; i < count; ++i) {
      // A refused submit (429, 500, or 200 with no job: a reset before the answer) is sent again, same body.
      const auto refusals = *rc::gen::inRange(0, 3);
      const std::string body = R"({"prompt":"p)" + std::to_string(i) + R"("})";
      for (int r = 0; r < refusals; ++r) {
        JournalEntry refused = call(now++, "k", "submit", "", *rc::gen::element(429, 500, 200));
        refused.request_body = body;
        lane.push_back(refused);
      }
      JournalEntry ok = call(now++, "k", "submit", "job-" + std::to_string(i), 200);
      ok.request_body = body;
      lane.push_back(ok);
      created.push_back(lane.size() - 1);
      JournalEntry other = call(now++, "other-key", "submit", "job-o" + std::to_string(i), 200);  // same body, other key
      other.request_body = body;
      lane.push_back(other);
    }
    if (breach) {
      JournalEntry again = lane[*rc::gen::elementOf(created)];
      again.at = Millis{now};
      again.job_id = "job-again";
      lane.push_back(again);
    }
    const auto verdict = verify::no_duplicate_submits(journal_of(lane, {}));
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined == lane.size());
  });
}

TEST_CASE("fetched_each_result_once passes one good fetch per result or file and fails a second one",
          "[property][verify]") {
  rc::prop("generated result and file fetches", [] {
    const auto jobs = *rc::gen::inRange(1, 6);
    const bool breach = *rc::gen::arbitrary<bool>();
    std::vector<JournalEntry> lane;
    std::vector<std::size_t> good;
    std::int64_t now = 0;
    for (int j = 0; j < jobs; ++j) {
      const std::string job = "job-" + std::to_string(j);
      const bool file = *rc::gen::arbitrary<bool>();
      // Fetches that did not deliver the answer do not count: not ready (202), cut mid-body, or an error.
      const auto misses = *rc::gen::inRange(0, 3);
      for (int m = 0; m < misses; ++m) {
        JournalEntry miss = call(now++, "k", file ? "file" : "result", job, *rc::gen::element(202, 200, 500));
        if (miss.status == 200) miss.fault = *rc::gen::element<std::string>("close_mid_body", "truncated_json");
        if (file) miss.path = "/__nanosim/files/" + job + ".png";
        lane.push_back(miss);
      }
      JournalEntry hit = call(now++, "k", file ? "file" : "result", job, 200);
      if (file) hit.path = "/__nanosim/files/" + job + ".png";
      if (*rc::gen::arbitrary<bool>()) hit.fault = "slow_body";  // slow, but whole
      lane.push_back(hit);
      good.push_back(lane.size() - 1);
    }
    if (breach) {
      JournalEntry again = lane[*rc::gen::elementOf(good)];
      again.at = Millis{now};
      again.fault.clear();
      lane.push_back(again);
    }
    const auto verdict = verify::fetched_each_result_once(journal_of(lane, {}));
    RC_ASSERT(verdict.passed() == !breach);
    RC_ASSERT(verdict.examined == good.size() + (breach ? 1 : 0));
  });
}
