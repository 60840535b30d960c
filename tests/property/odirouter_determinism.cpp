// Property 4: the simulator is a function of its seed and its input. A random sequence of requests and clock
// moves, replayed on two simulators built with the same seed and options, gets byte-identical answers: ids,
// queue positions, drawn run times, timestamps, error bodies and the produced image files.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "odirouter_support.hpp"

using namespace nanosim;
using namespace nanosim::property;
using nlohmann::json;

namespace {

struct Step {
  enum class Kind { submit, status, result, cancel, advance, file, unknown_status };
  Kind kind = Kind::advance;
  json body;            // submit: a valid body, or one breaking a rule
  std::size_t job = 0;  // status, result, cancel, file: which accepted job (modulo those accepted so far)
  bool logs = false;    // status
  Millis by{0};         // advance
};

void showValue(const Step& step, std::ostream& os) {
  static constexpr const char* names[] = {"submit", "status", "result", "cancel", "advance", "file", "unknown status"};
  os << names[static_cast<int>(step.kind)];
  if (step.kind == Step::Kind::submit) os << " " << step.body.dump();
  else if (step.kind == Step::Kind::advance) os << " " << step.by.count() << " ms";
  else os << " job " << step.job << (step.logs ? " with logs" : "");
}

rc::Gen<Step> step() {
  return rc::gen::exec([] {
    Step out;
    out.kind = *rc::gen::weightedElement<Step::Kind>({{3, Step::Kind::submit}, {3, Step::Kind::status}, {2, Step::Kind::result},
                                                      {1, Step::Kind::cancel}, {3, Step::Kind::advance}, {1, Step::Kind::file},
                                                      {1, Step::Kind::unknown_status}});
    if (out.kind == Step::Kind::submit) {
      out.body = *rc::gen::weightedOneOf<json>({{4, valid_body()}, {1, rc::gen::map(breach(), [](Breach b) { return b.body; })}});
    }
    out.job = *rc::gen::inRange<std::size_t>(0, 1000);
    out.logs = *rc::gen::arbitrary<bool>();
    out.by = Millis{*rc::gen::inRange<std::int64_t>(0, 30'001)};
    return out;
  });
}

/// The path of an absolute URL the simulator returned.
std::string path_of(const std::string& url) {
  const std::string origin = testkit::deterministic_options().public_origin;
  return url.rfind(origin, 0) == 0 ? url.substr(origin.size()) : url;
}

/// Every answer of the run as "<status> <content type> <body>", one per request.
std::vector<std::string> transcript(Options options, const std::vector<Step>& steps) {
  options.clock = std::make_shared<ManualClock>();  // each simulator its own time, from 0
  testkit::ScopedSimulator sim(options);
  std::vector<std::string> out;
  std::vector<std::string> ids;
  const auto record = [&](const HttpResponse& r) {
    out.push_back(std::to_string(r.status) + " " + r.content_type() + " " + r.body);
    return r;
  };
  const auto id_of = [&](std::size_t job) { return ids.empty() ? std::string("no_job_yet") : ids[job % ids.size()]; };
  for (const Step& s : steps) {
    switch (s.kind) {
      case Step::Kind::submit: {
        const HttpResponse r = record(sim.handle(testkit::json_request("POST", provider_path("submit"), s.body)));
        if (r.status == 200) ids.push_back(testkit::body_json(r).at("request_id").get<std::string>());
        break;
      }
      case Step::Kind::status:
        record(sim.handle(testkit::request("GET", provider_path("status", id_of(s.job)) + (s.logs ? "?logs=1" : ""))));
        break;
      case Step::Kind::result: record(sim.handle(testkit::request("GET", provider_path("result", id_of(s.job))))); break;
      case Step::Kind::cancel: record(sim.handle(testkit::request("PUT", provider_path("cancel", id_of(s.job))))); break;
      case Step::Kind::advance: sim.advance(s.by); break;
      case Step::Kind::unknown_status:
        record(sim.handle(testkit::request("GET", provider_path("status", "unknown_" + std::to_string(s.job)))));
        break;
      case Step::Kind::file: {
        const HttpResponse result = record(sim.handle(testkit::request("GET", provider_path("result", id_of(s.job)))));
        if (result.status != 200) break;
        const json output = testkit::body_json(result).at("outputs").at(0);
        if (output.at("width").get<int>() * output.at("height").get<int>() > 1100 * 1100) break;  // keep renders cheap
        record(sim.handle(testkit::request("GET", path_of(output.at("url").get<std::string>()))));
        break;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("The same seed and the same random requests give byte-identical answers", "[property][odirouter]") {
  rc::prop("two simulators with one seed answer a random sequence byte for byte alike", [] {
    Options options = testkit::deterministic_options(*rc::gen::inRange<std::uint64_t>(1, 1'000'000));
    options.workers = *rc::gen::inRange(1, 4);
    const int failing_every = *rc::gen::inRange(2, 6);  // some jobs fail, deterministically by sequence
    options.fate_policy = [failing_every](const JobSpec&, std::uint64_t sequence) {
      JobFate fate;
      if (sequence % static_cast<std::uint64_t>(failing_every) == 0) {
        fate.succeeds = false;
        fate.failure_kind = std::string(failure::generation_failed);
        fate.fail_at_fraction = 0.5;
      }
      return fate;
    };
    const auto steps = *rc::gen::container<std::vector<Step>>(*rc::gen::inRange<std::size_t>(1, 40), step());
    contract_checked([&] {
      const auto first = transcript(options, steps);
      const auto second = transcript(options, steps);
      RC_ASSERT(first.size() == second.size());
      for (std::size_t i = 0; i < first.size(); ++i) {
        if (first[i] != second[i]) RC_FAIL("answer " + std::to_string(i) + " differs:\n" + first[i].substr(0, 600) + "\n" + second[i].substr(0, 600));
      }
    });
  });
}
