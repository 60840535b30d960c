// The admin listings (jobs, journal, usage) come in pages: a default page size, `limit` and `after` to walk them,
// `next_after` to continue, and filters (provider, status, path, key, since). Bad paging parameters are refused
// naming the parameter.
#include <algorithm>
#include <catch2/catch.hpp>

#include <set>

#include "nanosim/testkit/testkit.hpp"

namespace {

using nanosim::testkit::body_json;
using json = nlohmann::json;
using nanosim::testkit::json_request;
using nanosim::testkit::request;
using nanosim::testkit::ScopedSimulator;
using nanosim::testkit::with_target;

void submit(ScopedSimulator& sim, int count, const std::string& key) {
  for (int i = 0; i < count; ++i) {
    const auto answer = sim.handle(json_request("POST", "/odirouter/v1/queue/nano_banana_2",
                                                {{"prompt", "A red apple " + std::to_string(i)}}, key));
    REQUIRE(answer.status == 200);
  }
}

json admin(ScopedSimulator& sim, const std::string& target) {
  const auto answer = sim.handle(with_target(request("GET", "", ""), target));
  INFO(target << " -> " << answer.body);
  REQUIRE(answer.status == 200);
  return body_json(answer);
}

}  // namespace

TEST_CASE("The jobs listing pages by sequence with a default page of 100 and next_after", "[contract][admin]") {
  ScopedSimulator sim;
  submit(sim, 250, "sk-a");
  std::vector<std::uint64_t> sequences;
  std::string target = "/__nanosim/jobs";
  int pages = 0;
  for (;;) {
    const json page = admin(sim, target);
    ++pages;
    CHECK(page.at("jobs").size() <= 100);
    for (const auto& job : page.at("jobs")) sequences.push_back(job.at("sequence").get<std::uint64_t>());
    if (page.at("next_after").is_null()) break;
    target = "/__nanosim/jobs?after=" + std::to_string(page.at("next_after").get<std::uint64_t>());
  }
  CHECK(pages == 3);
  REQUIRE(sequences.size() == 250);
  for (std::size_t i = 0; i < sequences.size(); ++i) CHECK(sequences[i] == i + 1);
  CHECK(admin(sim, "/__nanosim/jobs?limit=7").at("jobs").size() == 7);
  CHECK(admin(sim, "/__nanosim/jobs?limit=7&after=248").at("jobs").size() == 2);
}

TEST_CASE("The jobs listing filters by provider, status, key and since", "[contract][admin]") {
  ScopedSimulator sim;
  submit(sim, 3, "sk-a");
  sim.advance(nanosim::Millis{1'000});
  submit(sim, 2, "sk-b");
  CHECK(admin(sim, "/__nanosim/jobs?key=sk-b").at("jobs").size() == 2);
  CHECK(admin(sim, "/__nanosim/jobs?since=1000").at("jobs").size() == 2);
  CHECK(admin(sim, "/__nanosim/jobs?provider=odirouter").at("jobs").size() == 5);
  CHECK(admin(sim, "/__nanosim/jobs?provider=toapis").at("jobs").empty());
  const auto jobs = sim.simulator().jobs();
  const auto queued = std::count_if(jobs.begin(), jobs.end(), [](const auto& job) { return job.state == nanosim::JobState::queued; });
  REQUIRE(queued > 0);  // the second key's jobs, at least, wait behind the first key's
  CHECK(admin(sim, "/__nanosim/jobs?status=queued").at("jobs").size() == static_cast<std::size_t>(queued));
  CHECK(admin(sim, "/__nanosim/jobs?status=SUCCEEDED").at("jobs").empty());
}

TEST_CASE("The journal listing pages and filters by path, status and key", "[contract][admin]") {
  ScopedSimulator sim;
  submit(sim, 30, "sk-a");
  (void)sim.handle(request("GET", "/odirouter/v1/queue/nano_banana_2/requests/unknown/status", "sk-b"));
  const json first = admin(sim, "/__nanosim/journal?limit=10");
  CHECK(first.at("entries").size() == 10);
  CHECK(first.at("next_after") == 10);
  const json rest = admin(sim, "/__nanosim/journal?after=10");
  CHECK(rest.at("entries").size() == 21);
  CHECK(rest.at("next_after").is_null());
  CHECK(admin(sim, "/__nanosim/journal?status=404").at("entries").size() == 1);
  CHECK(admin(sim, "/__nanosim/journal?key=sk-b").at("entries").size() == 1);
  CHECK(admin(sim, "/__nanosim/journal?path=/odirouter/v1/queue/nano_banana_2/requests/").at("entries").size() == 1);
}

TEST_CASE("The usage listing pages with each record's sequence and keeps the totals", "[contract][admin]") {
  ScopedSimulator sim;
  for (int i = 0; i < 12; ++i) {  // bananapro sells credits: each task is a usage record
    const auto answer = sim.handle(json_request("POST", "/bananapro/api/v1/images/generate",
                                                {{"model", "nano-banana"}, {"prompt", "A cyberpunk city " + std::to_string(i)}},
                                                "sk-a"));
    REQUIRE(answer.status == 200);
  }
  const json page = admin(sim, "/__nanosim/usage?limit=5&after=5");
  REQUIRE(page.at("entries").size() == 5);
  CHECK(page.at("entries").at(0).at("sequence") == 6);
  CHECK(page.at("next_after") == 10);
  CHECK(page.at("totals").contains("sk-a"));
}

TEST_CASE("Bad paging parameters are refused naming the parameter", "[contract][admin]") {
  ScopedSimulator sim;
  for (const std::string target : {"/__nanosim/jobs?limit=0", "/__nanosim/jobs?limit=1001", "/__nanosim/journal?limit=x",
                                   "/__nanosim/usage?limit=-1", "/__nanosim/jobs?after=-3", "/__nanosim/journal?since=soon"}) {
    const auto answer = sim.handle(with_target(request("GET", "", ""), target));
    INFO(target << " -> " << answer.body);
    CHECK(answer.status == 400);
    const std::string name = target.substr(target.find('?') + 1, target.find('=') - target.find('?') - 1);
    CHECK(body_json(answer).at("error").at("message").get<std::string>().rfind(name + ":", 0) == 0);
  }
}
