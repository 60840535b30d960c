// A finished job stays whole while clients are likely to poll it; once a thousand newer jobs have finished it is kept
// packed (so a million retained jobs fit in memory). Packing must be invisible: a job answers the same, field by
// field and byte by byte on the wire, before and after, in listings and lookups, and again after a lookup unpacked it.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace {

using json = nlohmann::json;
using nanosim::JobView;
using nanosim::Millis;
using nanosim::testkit::body_json;
using nanosim::testkit::json_request;
using nanosim::testkit::path_of;
using nanosim::testkit::request;
using nanosim::testkit::ScopedSimulator;
using nanosim::testkit::with_target;
using namespace std::chrono_literals;

const std::string queue = "/odirouter/v1/queue/nano_banana_2";

/// Jobs whose prompt asks for it fail, stall in the queue or have their files expire: every part of a fate varies.
nanosim::Options varied_fates(std::size_t retention) {
  nanosim::Options options = nanosim::testkit::deterministic_options();
  options.finished_job_retention = retention;
  options.workers = 4'000;  // every job runs at once: a thousand jobs finish well inside the results' hour
  options.fate_policy = [](const nanosim::JobSpec& spec, std::uint64_t) {
    nanosim::JobFate fate;
    if (spec.prompt.find("fails") != std::string::npos) {
      fate.succeeds = false;
      fate.failure_kind = "content_blocked";
      fate.failure_message = "Blocked: " + spec.prompt;
      fate.fail_at_fraction = 0.25;
    }
    if (spec.prompt.find("stalls") != std::string::npos) fate.queue_stall = 3min;
    if (spec.prompt.find("expires") != std::string::npos) fate.files_expire_after = 90min;
    return fate;
  };
  return options;
}

/// A data: URI long enough to be shortened when its job finishes (a retained job keeps a reference's start).
std::string inline_reference() {
  const std::string uri = "data:image/png;base64," + nanosim::images::base64_encode(nanosim::images::render(
                                                          {512, 512, nanosim::images::Format::png, 90, 7}));
  REQUIRE(uri.size() > 300);
  return uri;
}

struct Submitted {
  std::string id;
  std::string status_path;
  std::string response_path;
  std::string cancel_path;
};

Submitted submit(ScopedSimulator& sim, const json& body, const std::string& key = "sk-retained") {
  const auto answer = sim.handle(json_request("POST", queue, body, key));
  INFO(answer.body);
  REQUIRE(answer.status == 200);
  const json submitted = body_json(answer);
  return {submitted.at("request_id").get<std::string>(), path_of(submitted.at("status_url").get<std::string>()),
          path_of(submitted.at("response_url").get<std::string>()), path_of(submitted.at("cancel_url").get<std::string>())};
}

/// What a client and an operator see of a job: the provider's status and result answers, the admin record, the view.
struct Seen {
  std::string status;
  std::string response;
  std::string admin;
  JobView view;
};

Seen seen(ScopedSimulator& sim, const Submitted& job) {
  Seen out;
  out.status = sim.handle(request("GET", job.status_path, "sk-retained")).body;
  out.response = sim.handle(request("GET", job.response_path, "sk-retained")).body;
  out.admin = sim.handle(with_target(request("GET", "", ""), "/__nanosim/jobs/" + job.id)).body;
  out.view = sim.simulator().job(job.id).value();
  return out;
}

/// Finishes `count` plain jobs, enough to push every earlier job out of the hot window (within minutes: results stay
/// readable for an hour).
void finish_newer_jobs(ScopedSimulator& sim, int count) {
  for (int i = 0; i < count; ++i) submit(sim, {{"prompt", "filler " + std::to_string(i)}}, "sk-filler");
  sim.advance(3min);
}

std::vector<JobView> listed(ScopedSimulator& sim, const std::vector<Submitted>& jobs) {
  std::vector<JobView> views;
  for (const JobView& view : sim.simulator().jobs()) {
    for (const Submitted& job : jobs) {
      if (view.id == job.id) views.push_back(view);
    }
  }
  return views;
}

}  // namespace

TEST_CASE("A finished job answers the same once a thousand newer jobs have finished, and after it is looked up again",
          "[contract][retention]") {
  ScopedSimulator sim(varied_fates(100'000));
  const std::vector<Submitted> jobs = {
      submit(sim, {{"prompt", "A lighthouse at dusk"}, {"resolution", "2K"}}),
      submit(sim, {{"prompt", "This one fails, politely"}, {"aspect_ratio", "16:9"}}),
      submit(sim, {{"prompt", "It stalls a while"}, {"image_size", "512"}}),
      submit(sim, {{"prompt", "Its files expires soon"},
                   {"image_urls", {"https://example.com/a.png", inline_reference()}}}),
      submit(sim, {{"prompt", "Cancelled while queued"}}),
  };
  REQUIRE(sim.handle(request("PUT", jobs[4].cancel_path, "sk-retained")).status == 202);
  sim.advance(5min);

  std::vector<Seen> before;
  for (const Submitted& job : jobs) before.push_back(seen(sim, job));
  const std::vector<JobView> listed_before = listed(sim, jobs);
  REQUIRE(listed_before.size() == jobs.size());
  CHECK(before[1].view.state == nanosim::JobState::failed);
  CHECK(before[2].view.fate.queue_stall == 3min);
  const auto cancel_before = sim.handle(request("PUT", jobs[0].cancel_path, "sk-retained"));
  CHECK(before[4].view.state == nanosim::JobState::cancelled);

  finish_newer_jobs(sim, 1100);
  const auto cancel_after = sim.handle(request("PUT", jobs[0].cancel_path, "sk-retained"));  // packed: refused
  CHECK(cancel_after.status == cancel_before.status);
  CHECK(cancel_after.body == cancel_before.body);
  CHECK(listed(sim, jobs) == listed_before);  // listings read packed jobs without unpacking them for good
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO("job " << i << ": " << jobs[i].id);
    const Seen after = seen(sim, jobs[i]);
    CHECK(after.status == before[i].status);
    CHECK(after.response == before[i].response);
    CHECK(after.admin == before[i].admin);
    CHECK(after.view == before[i].view);
  }

  finish_newer_jobs(sim, 1100);  // the lookups above made them whole again; now they are packed a second time
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    INFO("job " << i << ": " << jobs[i].id);
    CHECK(sim.simulator().job(jobs[i].id).value() == before[i].view);
  }
}

TEST_CASE("Retention forgets the oldest finished jobs, packed or whole, and keeps the newest", "[contract][retention]") {
  ScopedSimulator sim(varied_fates(1'500));
  const Submitted first = submit(sim, {{"prompt", "The very first"}});
  sim.advance(5min);  // it finishes first: retention forgets in the order jobs finished
  finish_newer_jobs(sim, 1'499);
  CHECK(sim.simulator().job(first.id).has_value());  // 1,500 finished: all kept, the first one packed
  finish_newer_jobs(sim, 1);
  CHECK_FALSE(sim.simulator().job(first.id).has_value());
  CHECK(sim.handle(request("GET", first.status_path, "sk-retained")).status == 404);
  CHECK(sim.simulator().jobs().size() == 1'500);
}
