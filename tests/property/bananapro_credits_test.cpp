// Property: bananapro's credit ledger and task lifecycle agree with a reference model under random submissions
// (succeeding or failing, with scripted run times) from two keys, task polls, balance reads and clock moves.
// The model: a submission is accepted exactly when its key's balance, with every refund of a task that failed by
// now, covers the contract's price; accepted ones pay at once; a failed task refunds what it paid when it ends;
// no balance is ever negative. A failure prints the command sequence and the seed; replay it with
// RC_PARAMS="seed=<seed>".
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using nlohmann::json;

namespace {

const std::string generate_path = "/bananapro/api/v1/images/generate";
const std::vector<std::string> keys = {"alice", "bob"};

const json& model_entry() { return *contracts::get("bananapro").model("nano-banana"); }
std::int64_t price() { return model_entry().at("pricing").at("per_image").get<std::int64_t>(); }
Millis dispatch() { return Millis{model_entry().at("timing").at("dispatch_ms").get<std::int64_t>()}; }
std::string wire_status(std::string_view state) {
  return contracts::get("bananapro").lifecycle(state).at("wire").get<std::string>();
}

struct ModelTask {
  std::string key;
  bool fails = false;
  Millis starts_at{0};
  Millis ends_at{0};
};

struct CreditModel {
  Millis now{0};
  std::map<std::string, std::int64_t> paid_in;  // starting balances
  std::vector<ModelTask> tasks;

  /// Starting balance, minus every accepted task, plus the refunds of those that failed by now.
  [[nodiscard]] std::int64_t balance(const std::string& key) const {
    std::int64_t balance = paid_in.at(key);
    for (const ModelTask& task : tasks) {
      if (task.key != key) continue;
      balance -= price();
      if (task.fails && task.ends_at <= now) balance += price();
    }
    return balance;
  }

  [[nodiscard]] std::string status(const ModelTask& task) const {
    if (now < task.starts_at) return wire_status("queued");
    if (now < task.ends_at) return wire_status("running");
    return wire_status(task.fails ? "failed" : "succeeded");
  }
};

/// The simulator (workers enough that no task waits for one) with a fate slot each Submit fills.
struct CreditSut {
  explicit CreditSut(const CreditModel& model, std::uint64_t seed) : next_fate(std::make_shared<JobFate>()), sim(options(model, seed)) {}

  Options options(const CreditModel& model, std::uint64_t seed) const {
    Options out = testkit::deterministic_options(seed);
    out.workers = 10'000;
    out.default_credits = 0;
    out.credits = model.paid_in;
    out.fate_policy = [slot = next_fate](const JobSpec&, std::uint64_t) { return *slot; };
    return out;
  }

  std::shared_ptr<JobFate> next_fate;
  testkit::ScopedSimulator sim;
  std::vector<std::string> task_ids;  // accepted tasks, in the model's order
};

using CreditCommand = rc::state::Command<CreditModel, CreditSut>;

json body_of(const HttpResponse& response) { return testkit::body_json(response); }

struct Submit final : CreditCommand {
  std::string key = *rc::gen::elementOf(keys);
  bool fails = *rc::gen::weightedElement<bool>({{2, false}, {1, true}});
  // Multiples of 250 ms (the dispatch delay, and Advance's usual step) make a poll at the very moment a task
  // ends common: the boundary where a refund must already count.
  Millis run_time{*rc::gen::weightedOneOf<std::int64_t>({{1, rc::gen::just<std::int64_t>(0)},
                                                        {3, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 40), [](std::int64_t n) { return n * 250; })},
                                                        {2, rc::gen::inRange<std::int64_t>(0, 20'000)}})};

  [[nodiscard]] bool affordable(const CreditModel& model) const { return model.balance(key) >= price(); }

  void apply(CreditModel& model) const override {
    if (!affordable(model)) return;
    const Millis starts = model.now + dispatch();
    model.tasks.push_back(ModelTask{key, fails, starts, starts + run_time});
  }

  void run(const CreditModel& model, CreditSut& sut) const override {
    JobFate fate;
    fate.succeeds = !fails;
    fate.failure_kind = fails ? std::string(failure::generation_failed) : std::string();
    fate.run_time_override = run_time;
    *sut.next_fate = fate;
    const HttpResponse response = sut.sim.handle(testkit::json_request(
        "POST", generate_path, {{"model", "nano-banana"}, {"prompt", "a ledger"}}, key));
    const json body = body_of(response);
    if (!affordable(model)) {
      RC_ASSERT(response.status == 402);
      RC_ASSERT(body.at("error").at("code") == "INSUFFICIENT_CREDITS");
      RC_ASSERT(sut.sim.simulator().credits(key) == model.balance(key));  // nothing was charged
      return;
    }
    RC_ASSERT(response.status == 200);
    RC_ASSERT(body.at("data").at("credits_used") == price());
    RC_ASSERT(body.at("data").at("remaining_credits") == model.balance(key) - price());
    sut.task_ids.push_back(body.at("data").at("task_id"));
  }

  void show(std::ostream& os) const override {
    os << "Submit(" << key << ", " << (fails ? "fails" : "succeeds") << " after " << run_time.count() << " ms)";
  }
};

struct Poll final : CreditCommand {
  std::size_t index = 0;
  explicit Poll(const CreditModel& model) {
    RC_PRE(!model.tasks.empty());
    index = *rc::gen::inRange<std::size_t>(0, model.tasks.size());
  }
  void checkPreconditions(const CreditModel& model) const override { RC_PRE(index < model.tasks.size()); }

  void run(const CreditModel& model, CreditSut& sut) const override {
    const ModelTask& expected = model.tasks.at(index);
    const HttpResponse response =
        sut.sim.handle(testkit::request("GET", "/bananapro/api/v1/images/" + sut.task_ids.at(index), expected.key));
    RC_ASSERT(response.status == 200);
    const json data = body_of(response).at("data");
    RC_ASSERT(data.at("status") == model.status(expected));
    RC_ASSERT(data.at("credits_used") == price());
    const bool refunded = expected.fails && expected.ends_at <= model.now;
    RC_ASSERT(data.at("credits_refunded") == (refunded ? price() : 0));
    // The other key is told the task does not exist.
    const std::string& stranger = expected.key == keys.at(0) ? keys.at(1) : keys.at(0);
    RC_ASSERT(sut.sim.handle(testkit::request("GET", "/bananapro/api/v1/images/" + sut.task_ids.at(index), stranger)).status == 404);
  }

  void show(std::ostream& os) const override { os << "Poll(task " << index << ")"; }
};

struct Balance final : CreditCommand {
  std::string key = *rc::gen::elementOf(keys);

  void run(const CreditModel& model, CreditSut& sut) const override {
    const std::int64_t balance = sut.sim.simulator().credits(key);
    RC_ASSERT(balance == model.balance(key));
    RC_ASSERT(balance >= 0);
  }

  void show(std::ostream& os) const override { os << "Balance(" << key << ")"; }
};

struct Advance final : CreditCommand {
  Millis dt{*rc::gen::weightedOneOf<std::int64_t>({{2, rc::gen::inRange<std::int64_t>(0, 1'000)},
                                                  {1, rc::gen::inRange<std::int64_t>(1'000, 15'000)},
                                                  {3, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 20), [](std::int64_t n) { return n * 250; })}})};

  void apply(CreditModel& model) const override { model.now += dt; }
  void run(const CreditModel&, CreditSut& sut) const override { sut.sim.advance(dt); }
  void show(std::ostream& os) const override { os << "Advance(" << dt.count() << " ms)"; }
};

}  // namespace

TEST_CASE("bananapro's credits and task states agree with a reference ledger", "[property][bananapro]") {
  rc::prop("credits: pay on submit, 402 when short, refund on failure, never negative", [] {
    CreditModel initial;
    for (const std::string& key : keys) initial.paid_in[key] = *rc::gen::inRange<std::int64_t>(0, 5) * price() + *rc::gen::inRange<std::int64_t>(0, 4);
    CreditSut sut(initial, *rc::gen::inRange<std::uint64_t>(1, 1'000'000));
    try {
      rc::state::check(initial, sut, rc::state::gen::execOneOfWithArgs<Submit, Submit, Poll, Balance, Advance>());
    } catch (const testkit::ContractViolation& violation) {
      RC_FAIL("off-contract response: " + violation.message);
    }
  });
}
