// Property 1: a stateful model of odirouter's queue (rc::state). Random submits, polls, results, cancels, clock
// moves and requests for unknown jobs, through the reference client, against an in-process simulator with 1-3
// workers. Every answer is checked three ways: against the reference model (odirouter_queue_model.hpp) when run
// times are scripted, against the job's observation history, and against invariants of the simulator's own views.
// A failure prints the command sequence and the seed; replay it with RC_PARAMS="seed=<seed>".
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include "nanosim/client/client.hpp"
#include "odirouter_queue_model.hpp"
#include "odirouter_support.hpp"

using namespace nanosim;
using namespace nanosim::property;
using nlohmann::json;

namespace {

/// How long the queue takes to hand a fresh job to an idle worker, as the simulator applies it: the seed's own
/// example submitted alone to one worker starts exactly this long after submission.
Millis dispatch_delay() {
  static const Millis delay = [] {
    Options options = testkit::deterministic_options();
    options.workers = 1;
    testkit::ScopedSimulator sim(options);
    (void)sim.handle(testkit::json_request("POST", provider_path("submit"), testkit::fixture_json("odirouter/submit-request.json")));
    sim.advance(Millis{24 * 3600 * 1000});
    const JobView job = sim.simulator().jobs().at(0);
    return *job.started_at - job.submitted_at;
  }();
  return delay;
}

/// The system under test: a simulator whose fate policy plays the fate the next Submit scripted, and the
/// reference client on it. Histories are what the client saw of each job, by submission index.
struct QueueSut {
  QueueSut(int worker_count, std::uint64_t seed)
      : workers(worker_count), next_fate(std::make_shared<std::optional<JobFate>>()), sim(options(seed)),
        client(sim.client(provider_id)) {}

  Options options(std::uint64_t seed) const {
    Options out = testkit::deterministic_options(seed);
    out.workers = workers;
    out.fate_policy = [slot = next_fate](const JobSpec&, std::uint64_t) {
      JobFate fate = slot->value_or(JobFate{});
      slot->reset();
      return fate;
    };
    return out;
  }

  [[nodiscard]] JobView view(std::size_t index) { return *sim.simulator().job(submissions.at(index).job_id); }

  int workers;
  std::shared_ptr<std::optional<JobFate>> next_fate;
  testkit::ScopedSimulator sim;
  client::Client client;
  std::vector<client::Submission> submissions;
  std::vector<JobHistory> histories;
};

using QueueCommand = rc::state::Command<QueueModel, QueueSut>;

/// Checks the simulator's views after a command, and that simulated time is where the model says.
void check_after(const QueueModel& model, QueueSut& sut) {
  RC_ASSERT(sut.sim.now() == model.now);
  check_pool_invariants(sut.sim.simulator().jobs(), sut.sim.now(), sut.workers, model.dispatch);
}

/// The reference client's typed request for a wire body; what the typed fields cannot say goes in `extra`.
client::GenerateRequest request_for(const json& body) {
  client::GenerateRequest request;
  request.model = model_id;
  request.prompt = body.at("prompt").get<std::string>();
  for (const auto& [field, value] : body.items()) {
    if (field == "prompt") continue;
    if (field == "image_urls" && !value.empty()) request.reference_images = value.get<std::vector<std::string>>();
    else if (field == "aspect_ratio") request.aspect_ratio = value.get<std::string>();
    else if (field == "image_size") request.size_tier = value.get<std::string>();
    else if (field == "response_modalities" && value == json{"Text", "Image"}) request.include_text = true;
    else if (field == "response_modalities" && value == json{"Image"}) request.include_text = false;
    else request.extra[field] = value;
  }
  return request;
}

rc::Gen<ScriptedFate> scripted_fate(bool script_run_time) {
  return rc::gen::exec([script_run_time] {
    ScriptedFate fate;
    if (script_run_time) {
      fate.run_time = Millis{*rc::gen::weightedOneOf<std::int64_t>({
          {1, rc::gen::just<std::int64_t>(0)},
          {3, rc::gen::inRange<std::int64_t>(1, 3'000)},
          {4, rc::gen::inRange<std::int64_t>(1'000, 20'000)},
          {2, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 80), [](std::int64_t n) { return n * 250; })},  // ties
      })};
    }
    fate.succeeds = *rc::gen::weightedElement<bool>({{4, true}, {1, false}});
    if (!fate.succeeds) {
      std::vector<std::string> kinds;
      for (const auto& [kind, entry] : contract().document().at("failure_kinds").items()) {
        if (kind != failure::cancelled) kinds.push_back(kind);
      }
      fate.failure_kind = *rc::gen::elementOf(kinds);
      fate.fail_at_quarters = *rc::gen::inRange(0, 5);
      if (*rc::gen::weightedElement<bool>({{2, false}, {1, true}})) fate.failure_message = "scripted failure " + *text(1, 12);
    }
    return fate;
  });
}

std::string describe(const ScriptedFate& fate) {
  std::string out = fate.run_time ? std::to_string(fate.run_time->count()) + " ms" : "drawn run time";
  if (!fate.succeeds) out += ", fails with " + fate.failure_kind + " after " + std::to_string(fate.fail_at_quarters) + "/4";
  return out;
}

/// Commands on a submitted job pick it by submission index.
struct OnJob : QueueCommand {
  std::size_t index = 0;
  explicit OnJob(const QueueModel& model) {
    RC_PRE(!model.jobs.empty());
    index = *rc::gen::inRange<std::size_t>(0, model.jobs.size());
  }
  void checkPreconditions(const QueueModel& model) const override { RC_PRE(index < model.jobs.size()); }
};

struct Submit final : QueueCommand {
  json body;
  ScriptedFate fate;
  explicit Submit(const QueueModel& model) : body(*valid_body()), fate(*scripted_fate(model.scripted)) {}

  void apply(QueueModel& model) const override { model.submit(ModelJob{body, fate, {}, {}, {}, JobState::queued}); }

  void run(const QueueModel& model, QueueSut& sut) const override {
    *sut.next_fate = fate.to_fate();
    const auto result = sut.client.submit(request_for(body));
    const client::Submission submitted = must(result);
    RC_ASSERT(submitted.queue_position.has_value());
    sut.submissions.push_back(submitted);
    const JobView job = sut.view(sut.submissions.size() - 1);
    RC_ASSERT(job.state == JobState::queued);  // a fresh job is always IN_QUEUE
    RC_ASSERT(job.spec.prompt == body.at("prompt").get<std::string>());
    RC_ASSERT(std::int64_t{*submitted.queue_position} == job.queue_position.value_or(-1));
    if (model.scripted) RC_ASSERT(std::int64_t{*submitted.queue_position} == nextState(model).queue_position(model.jobs.size()));
    JobHistory history;
    history.state = JobState::queued;
    history.queue_position = *submitted.queue_position;
    sut.histories.push_back(history);
    check_after(nextState(model), sut);
  }

  void show(std::ostream& os) const override { os << "Submit(" << body.dump() << "; " << describe(fate) << ")"; }
};

struct Status final : OnJob {
  using OnJob::OnJob;

  void run(const QueueModel& model, QueueSut& sut) const override {
    const auto answer = sut.client.status(sut.submissions.at(index));
    const client::JobStatus status = must(answer);
    observe_status(sut.histories.at(index), status);
    const JobView view = sut.view(index);  // the simulator's own view: the answer must say the same
    RC_ASSERT(status.state == view.state);
    RC_ASSERT(status.queue_position.has_value() == view.queue_position.has_value());
    if (view.queue_position) RC_ASSERT(std::int64_t{*status.queue_position} == *view.queue_position);
    if (model.scripted) {
      const ExpectedStatus expected = model.expected_status(index);
      RC_ASSERT(status.state == expected.state);
      RC_ASSERT(status.queue_position.has_value() == expected.queue_position.has_value());
      if (expected.queue_position) RC_ASSERT(std::int64_t{*status.queue_position} == *expected.queue_position);
      if (status.error) {
        RC_ASSERT(status.error->provider_code == expected.error_type);
        RC_ASSERT(status.error->message == expected.error);
      }
    }
    check_after(model, sut);
  }

  void show(std::ostream& os) const override { os << "Status(job " << index << ")"; }
};

struct Result final : OnJob {
  using OnJob::OnJob;

  void run(const QueueModel& model, QueueSut& sut) const override {
    const JobView view = sut.view(index);  // the clock does not move between this and the request
    const JobState state = model.scripted ? model.jobs.at(index).state : view.state;
    RC_ASSERT(view.state == state);
    const auto result = sut.client.result(sut.submissions.at(index));
    if (!is_terminal(state)) {
      RC_ASSERT(!result);
      RC_ASSERT(result.error().kind == client::ErrorKind::not_ready);
      return check_after(model, sut);
    }
    std::string rendered;
    if (state == JobState::succeeded) {
      (void)must(result);
      const auto dimensions = expected_dimensions(model.jobs.at(index).body);
      RC_ASSERT(result->job_id == sut.submissions.at(index).job_id);
      RC_ASSERT(result->images.size() == model_entry().at("capabilities").at("images_per_request").get<std::size_t>());
      for (const client::ImageOutput& image : result->images) {
        RC_ASSERT(std::pair(image.width, image.height) == *dimensions);
        RC_ASSERT(image.content_type == expected_content_type());
        RC_ASSERT(!image.url.empty());
        rendered += image.url + " " + image.file_name + " " + std::to_string(image.width) + "x" + std::to_string(image.height) + "\n";
      }
    } else {
      RC_ASSERT(!result);
      const std::string kind = state == JobState::cancelled ? std::string(failure::cancelled) : view.failure_kind;
      if (model.scripted && state == JobState::failed) RC_ASSERT(kind == model.jobs.at(index).fate.failure_kind);
      RC_ASSERT(result.error().http_status == error_status(failure_result_error(kind)));
      rendered = std::to_string(result.error().http_status) + " " + result.error().body;
    }
    JobHistory& history = sut.histories.at(index);
    if (history.result) RC_ASSERT(*history.result == rendered);  // terminal answers never change
    history.result = rendered;
    check_after(model, sut);
  }

  void show(std::ostream& os) const override { os << "Result(job " << index << ")"; }
};

struct Cancel final : OnJob {
  using OnJob::OnJob;

  void apply(QueueModel& model) const override { if (model.scripted) model.cancel(index); }

  void run(const QueueModel& model, QueueSut& sut) const override {
    const bool live = !is_terminal(model.scripted ? model.jobs.at(index).state : sut.view(index).state);
    RC_ASSERT(live == !is_terminal(sut.view(index).state));
    const client::CancelOutcome outcome = must(sut.client.cancel(sut.submissions.at(index)));
    RC_ASSERT(outcome == (live ? client::CancelOutcome::requested : client::CancelOutcome::already_completed));
    if (live) {
      sut.histories.at(index).cancel_requested = true;
      RC_ASSERT(sut.view(index).state == JobState::cancelled);  // the simulator ends it at once
    }
    check_after(nextState(model), sut);
  }

  void show(std::ostream& os) const override { os << "Cancel(job " << index << ")"; }
};

struct Advance final : QueueCommand {
  Millis by{0};
  explicit Advance(const QueueModel& model)
      : by(*rc::gen::weightedOneOf<std::int64_t>({
            {3, rc::gen::inRange<std::int64_t>(0, 20'001)},
            {2, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 81), [](std::int64_t n) { return n * 250; })},
            {1, rc::gen::just(model.dispatch.count())},
        })) {}

  void apply(QueueModel& model) const override { model.advance_to(model.now + by); }

  void run(const QueueModel& model, QueueSut& sut) const override {
    sut.sim.advance(by);
    const QueueModel after = nextState(model);
    if (after.scripted) {
      const auto views = sut.sim.simulator().jobs();
      RC_ASSERT(views.size() == after.jobs.size());
      for (std::size_t i = 0; i < views.size(); ++i) {
        const ModelJob& expected = after.jobs[i];
        RC_ASSERT(views[i].id == sut.submissions[i].job_id);
        RC_ASSERT(views[i].state == expected.state);
        RC_ASSERT(views[i].started_at == expected.started_at);
        RC_ASSERT(views[i].finished_at == expected.finished_at);
        if (expected.state == JobState::queued) RC_ASSERT(views[i].queue_position == std::optional(after.queue_position(i)));
      }
    }
    check_after(after, sut);
  }

  void show(std::ostream& os) const override { os << "Advance(" << by.count() << " ms)"; }
};

/// Status, result or cancel of a job the simulator does not know: a made-up id, or a real id under another model.
struct UnknownJob final : QueueCommand {
  enum class Operation { status, result, cancel };
  Operation op = Operation::status;
  std::string id;
  std::optional<std::size_t> real_job;  // a submitted job, asked for under `model`
  std::string model;

  explicit UnknownJob(const QueueModel& state) {
    op = *rc::gen::element(Operation::status, Operation::result, Operation::cancel);
    std::vector<std::string> others;
    for (const std::string& m : contract().model_ids()) {
      if (m != model_id) others.push_back(m);
    }
    if (!state.jobs.empty() && !others.empty() && *rc::gen::arbitrary<bool>()) {
      real_job = *rc::gen::inRange<std::size_t>(0, state.jobs.size());
      model = *rc::gen::elementOf(others);
    } else {
      model = model_id;
      id = "X" + *rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcdefghijkmnpqrstvwxyz0123456789-_")));
    }
  }

  void checkPreconditions(const QueueModel& state) const override { RC_PRE(!real_job || *real_job < state.jobs.size()); }

  void run(const QueueModel& state, QueueSut& sut) const override {
    client::Submission unknown;
    unknown.model = model;
    unknown.job_id = real_job ? sut.submissions.at(*real_job).job_id : id;
    const auto before = sut.sim.simulator().jobs();
    if (op == Operation::cancel) {
      RC_ASSERT(must(sut.client.cancel(unknown)) == client::CancelOutcome::not_found);
    } else if (op == Operation::status) {
      const auto answer = sut.client.status(unknown);
      RC_ASSERT(!answer);
      RC_ASSERT(answer.error().http_status == error_status("request_not_found"));
    } else {
      const auto answer = sut.client.result(unknown);
      RC_ASSERT(!answer);
      RC_ASSERT(answer.error().http_status == error_status("request_not_found"));
    }
    const auto after = sut.sim.simulator().jobs();
    RC_ASSERT(after.size() == before.size());
    for (std::size_t i = 0; i < after.size(); ++i) RC_ASSERT(after[i].state == before[i].state);  // nothing changed
    check_after(state, sut);
  }

  void show(std::ostream& os) const override {
    static constexpr const char* names[] = {"Status", "Result", "Cancel"};
    os << names[static_cast<int>(op)] << "(unknown: ";
    if (real_job) os << "job " << *real_job << " under model " << model << ")";
    else os << "id " << id << ")";
  }
};

}  // namespace

TEST_CASE("A fresh job waits the contract's dispatch delay before any worker takes it", "[property][odirouter]") {
  CHECK(dispatch_delay() > Millis{0});
  const json timing = model_entry().value("timing", json::object());
  if (timing.contains("dispatch_ms")) CHECK(dispatch_delay() == Millis{timing.at("dispatch_ms").get<std::int64_t>()});
}

TEST_CASE("The odirouter queue agrees with a reference model under random submits, polls, cancels and clock moves",
          "[property][odirouter]") {
  rc::prop("queue model: legal transitions, FIFO positions, final terminals, documented cancel and result answers", [] {
    QueueModel initial;
    initial.workers = *rc::gen::inRange(1, 4);
    initial.dispatch = dispatch_delay();
    initial.scripted = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
    const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
    RC_TAG(initial.scripted ? "scripted run times" : "drawn run times");
    QueueSut sut(initial.workers, seed);
    // Twice RapidCheck's default length: queues get long enough for several workers to be busy at once.
    const auto commands = *rc::gen::scale(
        2.0, rc::state::gen::commands(initial, rc::state::gen::execOneOfWithArgs<Submit, Submit, Status, Status, Result,
                                                                                 Cancel, Advance, Advance, UnknownJob>()));
    contract_checked([&] { rc::state::runAll(commands, initial, sut); });
  });
}
