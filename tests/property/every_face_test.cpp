// One stateful property, every task-style face: the same random sequence of submits, status polls, result requests,
// cancels (where the provider documents one) and clock moves runs against odirouter, bananapro, toapis and
// nanoseries through the reference client, and the provider-neutral answers must obey the same job lifecycle:
// states only move queued -> running -> terminal, terminal states are final (a succeeded job keeps its images),
// results are not_ready until the end, a cancelled job's status and result both carry a cancelled error,
// cancelling an ended job answers already_completed, and a reported queue position never rises. Run times are the
// simulator's own (seeded draws), so the truth about a job's state is the simulator's own view of it at the moment
// of the request (the clock does not move between the two).
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nanosim/client/client.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "property_support.hpp"

using namespace nanosim;
using nanosim::property::must;

namespace {

struct Face {
  std::string provider;
  std::string model;
};

const std::vector<Face>& faces() {
  static const std::vector<Face> all{{"odirouter", "nano_banana_2"},
                                     {"bananapro", "nano-banana"},
                                     {"toapis", "nano-banana-2"},
                                     {"nanoseries", "NanoBanana2-1K"}};
  return all;
}

/// What the commands may do: how many jobs exist and whether the provider can cancel.
struct FaceModel {
  std::size_t jobs = 0;
  bool cancellable = false;
};

/// What the client saw of one job so far.
struct Seen {
  std::optional<client::JobState> state;
  std::optional<int> queue_position;
  bool cancel_requested = false;
  std::optional<std::vector<std::string>> images;  // the first successful result's image URLs
};

struct FaceSut {
  FaceSut(const Face& f, std::uint64_t seed)
      : face(f), sim(testkit::deterministic_options(seed)), client(sim.client(face.provider)) {}

  /// The simulator's own view of a job (jobs() lists them in submission order; this simulator holds only ours).
  [[nodiscard]] JobView view(std::size_t index) {
    const auto views = sim.simulator().jobs();
    RC_ASSERT(views.size() == submissions.size());
    return views.at(index);
  }

  Face face;
  testkit::ScopedSimulator sim;
  client::Client client;
  std::vector<client::Submission> submissions;
  std::vector<Seen> seen;
};

using FaceCommand = rc::state::Command<FaceModel, FaceSut>;

/// 0 queued, 1 running, 2 ended.
int rank(client::JobState state) {
  if (client::is_terminal(state)) return 2;
  return state == client::JobState::running ? 1 : 0;
}

/// Records a state the client observed, failing the property on an impossible move.
void observe(Seen& seen, client::JobState state, std::optional<int> queue_position) {
  if (seen.state) {
    RC_ASSERT(rank(state) >= rank(*seen.state));                          // never backwards
    if (client::is_terminal(*seen.state)) RC_ASSERT(state == *seen.state);  // terminal states are final
  }
  if (state == client::JobState::cancelled) RC_ASSERT(seen.cancel_requested);
  if (queue_position) {
    RC_ASSERT(state == client::JobState::queued);
    RC_ASSERT(*queue_position >= 0);
    if (seen.queue_position) RC_ASSERT(*queue_position <= *seen.queue_position);  // never rises
    seen.queue_position = queue_position;
  }
  seen.state = state;
}

struct OnJob : FaceCommand {
  std::size_t index = 0;
  explicit OnJob(const FaceModel& model) {
    RC_PRE(model.jobs > 0);
    index = *rc::gen::inRange<std::size_t>(0, model.jobs);
  }
  void checkPreconditions(const FaceModel& model) const override { RC_PRE(index < model.jobs); }
};

struct Submit final : FaceCommand {
  std::string prompt;
  std::string aspect_ratio;
  explicit Submit(const FaceModel&)
      : prompt("scene " + *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcdefghij klmnop"))))),
        aspect_ratio(*rc::gen::element<std::string>("1:1", "16:9", "9:16", "4:3", "3:4")) {}  // supported by all four

  void apply(FaceModel& model) const override { ++model.jobs; }

  void run(const FaceModel&, FaceSut& sut) const override {
    const auto submitted = sut.client.submit(
        client::GenerateRequest().with_model(sut.face.model).with_prompt(prompt).with_aspect_ratio(aspect_ratio));
    const client::Submission job = must(submitted);
    RC_ASSERT(!job.job_id.empty());
    RC_ASSERT(!job.completed_result.has_value());
    sut.submissions.push_back(job);
    Seen seen;
    const JobView view = sut.view(sut.submissions.size() - 1);
    RC_ASSERT(view.state == JobState::queued);  // a fresh job is never taken at once
    observe(seen, client::JobState::queued, job.queue_position);
    sut.seen.push_back(seen);
  }

  void show(std::ostream& os) const override { os << "Submit(" << aspect_ratio << ", \"" << prompt << "\")"; }
};

struct Status final : OnJob {
  using OnJob::OnJob;

  void run(const FaceModel&, FaceSut& sut) const override {
    const JobView view = sut.view(index);
    const client::JobStatus status = must(sut.client.status(sut.submissions.at(index)));
    // Ended jobs are reported as exactly what they are; a live one is never reported as ended.
    RC_ASSERT(client::is_terminal(status.state) == is_terminal(view.state));
    if (is_terminal(view.state)) RC_ASSERT(status.state == view.state);
    if (status.state == client::JobState::succeeded) RC_ASSERT(!status.error.has_value());
    if (status.state == client::JobState::failed) RC_ASSERT(status.error.has_value());
    if (status.state == client::JobState::cancelled) {
      RC_ASSERT(status.error.has_value());
      RC_ASSERT(status.error->kind == client::ErrorKind::cancelled);
    }
    observe(sut.seen.at(index), status.state, status.queue_position);
  }

  void show(std::ostream& os) const override { os << "Status(job " << index << ")"; }
};

struct Result final : OnJob {
  using OnJob::OnJob;

  void run(const FaceModel&, FaceSut& sut) const override {
    const JobView view = sut.view(index);
    const auto result = sut.client.result(sut.submissions.at(index));
    Seen& seen = sut.seen.at(index);
    if (!is_terminal(view.state)) {
      RC_ASSERT(!result);
      RC_ASSERT(result.error().kind == client::ErrorKind::not_ready);
      return;
    }
    if (view.state == JobState::succeeded) {
      const client::GenerationResult done = must(result);
      RC_ASSERT(done.job_id == sut.submissions.at(index).job_id);
      RC_ASSERT(!done.images.empty());
      std::vector<std::string> urls;
      for (const client::ImageOutput& image : done.images) {
        RC_ASSERT(!image.url.empty() || image.inline_bytes.has_value());
        urls.push_back(image.url);
      }
      if (seen.images) RC_ASSERT(*seen.images == urls);  // the same images every time
      seen.images = urls;
    } else {
      RC_ASSERT(!result);
      RC_ASSERT(result.error().kind != client::ErrorKind::not_ready);
      // A cancelled job's result says so, on every face that cancels; a failed one never claims a cancel.
      RC_ASSERT((result.error().kind == client::ErrorKind::cancelled) == (view.state == JobState::cancelled));
    }
    observe(seen, view.state, std::nullopt);
  }

  void show(std::ostream& os) const override { os << "Result(job " << index << ")"; }
};

struct Cancel final : OnJob {
  explicit Cancel(const FaceModel& model) : OnJob(model) { RC_PRE(model.cancellable); }

  void run(const FaceModel&, FaceSut& sut) const override {
    const bool live = !is_terminal(sut.view(index).state);
    const client::CancelOutcome outcome = must(sut.client.cancel(sut.submissions.at(index)));
    RC_ASSERT(outcome == (live ? client::CancelOutcome::requested : client::CancelOutcome::already_completed));
    if (live) {
      sut.seen.at(index).cancel_requested = true;
      RC_ASSERT(sut.view(index).state == JobState::cancelled);  // the simulator ends it at once
    }
  }

  void show(std::ostream& os) const override { os << "Cancel(job " << index << ")"; }
};

struct Advance final : FaceCommand {
  std::int64_t by = 0;
  explicit Advance(const FaceModel&) : by(*rc::gen::inRange<std::int64_t>(0, 20'001)) {}

  void run(const FaceModel&, FaceSut& sut) const override {
    const Millis before = sut.sim.now();
    sut.sim.advance(Millis{by});
    RC_ASSERT(sut.sim.now() == before + Millis{by});
  }

  void show(std::ostream& os) const override { os << "Advance(" << by << " ms)"; }
};

void check_face(const Face& face) {
  const std::string label = face.provider + " (" + face.model + "): legal transitions, final terminals, not_ready "
                            "results until the end, cancelled jobs reported as cancelled, already_completed cancels, "
                            "queue positions never rising";
  rc::prop(label, [face] {
    const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
    FaceSut sut(face, seed);
    FaceModel initial;
    initial.cancellable = sut.client.cancellable();
    RC_TAG(initial.cancellable ? "cancellable" : "no cancel");
    const auto commands = *rc::gen::resize(
        60, rc::state::gen::commands(initial, rc::state::gen::execOneOfWithArgs<Submit, Status, Status, Result,
                                                                                 Cancel, Advance, Advance>()));
    try {
      rc::state::runAll(commands, initial, sut);
    } catch (const testkit::ContractViolation& violation) {
      RC_FAIL("off-contract response: " + violation.message);
    }
  });
}

}  // namespace

TEST_CASE("Every task-style face obeys the same job lifecycle under random submits, polls, results, cancels and "
          "clock moves",
          "[property][every-face]") {
  for (const Face& face : faces()) check_face(face);
}
