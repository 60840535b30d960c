// The reference client through every catalog scenario on every provider, in process with the contract check
// (every response is checked against its provider's contract by the test kit). Each entry x provider pair has
// one expected outcome: the client retried and succeeded within its deadline, or it surfaced one typed error.
// Whether the scenario fired is checked too: where an entry cannot apply, the journal must say so (or the entry's
// "providers" section must explain why), never a silent pass.
#include <catch2/catch.hpp>

#include <map>
#include <optional>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "nanosim/verify.hpp"

#include "journal_support.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using client::ErrorKind;
using nanosim::contract_test::any_note;
using std::chrono::milliseconds;

namespace {

using Face = nanosim::testkit::ProviderModel;
const std::vector<Face>& faces = nanosim::testkit::provider_models();

/// What the client must end with on one provider: success with `images` images, or the typed error.
struct Expect {
  std::optional<ErrorKind> error;
  int images = 1;
  bool fires = true;  // false: the scenario cannot reach this provider through the client (documented in the entry)
};
Expect ok(int images = 1) { return Expect{std::nullopt, images, true}; }
Expect fails(ErrorKind kind) { return Expect{kind, 0, true}; }
Expect untouched() { return Expect{std::nullopt, 1, false}; }

/// One catalog entry: how the client is driven, and the outcome per provider (those not listed: `otherwise`).
struct Entry {
  const char* name;
  Expect otherwise;
  std::map<std::string, Expect> on;
  int generates = 1;  // generate() calls in a row (stops at the first error): revocations and balances need several
  int count = 1;
  milliseconds deadline{120'000};
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table{
      // Synchronous providers (gemini, crazyrouter) make one call per image: never six in one 10 s window.
      {"rate-limited", ok(), {{"gemini", untouched()}, {"crazyrouter", untouched()}}, 3},
      // kie.ai's 455 maintenance answer is not a 503: generate() leaves it to the caller.
      {"model-overloaded", ok(), {{"bananapro", fails(ErrorKind::server_error)}}},
      // A synchronous call says how long the client waits (X-Server-Timeout): it is cut off at the deadline.
      {"queue-stalled", fails(ErrorKind::timed_out), {}, 1, 1, milliseconds{30'000}},
      {"long-queue", ok(), {}},
      {"generation-fails", fails(ErrorKind::generation_failed), {{"crazyrouter", fails(ErrorKind::server_error)}}},
      {"safety-block", fails(ErrorKind::content_blocked), {}},
      {"credits-run-out", Expect{std::nullopt, 1, false},
       {{"bananapro", fails(ErrorKind::insufficient_credits)}, {"crazyrouter", fails(ErrorKind::insufficient_credits)}},
       3},
      {"key-revoked", fails(ErrorKind::unauthorized), {}, 4},
      // A lost synchronous job never answers: the client's deadline ends the call.
      {"job-lost", fails(ErrorKind::not_found),
       {{"gemini", fails(ErrorKind::timed_out)}, {"crazyrouter", fails(ErrorKind::timed_out)}}},
      {"result-url-expired", ok(), {}},
      {"connection-reset", ok(), {{"gemini", untouched()}, {"crazyrouter", untouched()}}},
      {"close-mid-body", ok(), {{"gemini", untouched()}, {"crazyrouter", untouched()}}},
      {"truncated-json", fails(ErrorKind::protocol), {}},
      {"malformed-json", fails(ErrorKind::protocol), {}},
      {"slow-body", ok(), {{"gemini", untouched()}, {"crazyrouter", untouched()}}},
      {"upstream-timeout", fails(ErrorKind::generation_failed),
       {{"odirouter", ok()}, {"gemini", fails(ErrorKind::server_error)}, {"crazyrouter", fails(ErrorKind::server_error)}}},
      // One request per image on a synchronous provider: seed 42 draws no failure for it.
      {"flaky-5xx", ok(), {{"gemini", untouched()}, {"crazyrouter", untouched()}}},
      {"partial-batch", ok(3),
       {{"odirouter", Expect{ErrorKind::invalid_request, 0, false}},
        {"bananapro", Expect{ErrorKind::invalid_request, 0, false}},
        {"gemini", Expect{ErrorKind::invalid_request, 0, false}}},
       1, 4},
      {"new-api-429", ok(), {}, 2},
      {"slow-responses", ok(), {}},
  };
  return table;
}

struct Run {
  client::Result<client::GenerationResult> result;
  std::vector<JournalEntry> journal;
  Millis elapsed;
};

Run run(const Entry& entry, const Face& face) {
  Options options = deterministic_options();
  options.scenarios.push_back(load_scenario(entry.name));
  ScopedSimulator sim(std::move(options));
  auto client = sim.client(face.provider);
  const Millis start = sim.now();
  const auto request = [&](int i) {  // a different prompt each time: a new image, not a resubmission
    return client::GenerateRequest().with_model(face.model).with_prompt("A red apple, take " + std::to_string(i))
        .with_count(entry.count);
  };
  auto result = client.generate(request(1), client::WaitOptions().with_deadline(entry.deadline));
  for (int i = 2; i <= entry.generates && result; ++i) {
    result = client.generate(request(i), client::WaitOptions().with_deadline(entry.deadline));
  }
  return Run{std::move(result), sim.simulator().journal().entries(), sim.now() - start};
}

}  // namespace

TEST_CASE("Every catalog entry says what it does on every provider", "[contract][scenarios]") {
  for (const auto& name : scenario_catalog()) {
    INFO(name);
    const nlohmann::json& documented = load_scenario(name).document.value("providers", nlohmann::json::object());
    for (const contracts::Contract* contract : contracts::all()) {
      INFO(contract->id());
      CHECK(documented.contains(contract->id()));
      if (documented.contains(contract->id())) CHECK(documented.at(contract->id()).get<std::string>().size() > 10);
    }
    CHECK(documented.size() == contracts::all().size());
  }
}

TEST_CASE("Every provider has an expected outcome for every catalog entry", "[contract][scenarios]") {
  std::vector<std::string> tested;
  for (const auto& entry : entries()) tested.emplace_back(entry.name);
  std::sort(tested.begin(), tested.end());
  CHECK(tested == scenario_catalog());
  std::vector<std::string> providers;
  for (const auto& face : faces) providers.emplace_back(face.provider);
  std::sort(providers.begin(), providers.end());
  std::vector<std::string> served;
  for (const contracts::Contract* contract : contracts::all()) served.push_back(contract->id());
  CHECK(providers == served);
}

TEST_CASE("The reference client through every catalog entry on every provider", "[contract][scenarios]") {
  for (const Entry& entry : entries()) {
    for (const Face& face : faces) {
      const auto found = entry.on.find(face.provider);
      const Expect expect = found == entry.on.end() ? entry.otherwise : found->second;
      INFO(entry.name << " on " << face.provider);
      const Run outcome = run(entry, face);
      INFO((outcome.result ? std::string("ok") : client::to_string(outcome.result.error())));
      if (expect.error) {
        REQUIRE_FALSE(outcome.result);
        CHECK(outcome.result.error().kind == *expect.error);
      } else {
        REQUIRE(outcome.result);
        CHECK(static_cast<int>(outcome.result->images.size()) == expect.images);
      }
      // The deadline: kept by every wait and every synchronous call.
      CHECK(outcome.elapsed <= Millis{entry.deadline.count() * entry.generates});
      CHECK(verify::honoured_retry_after(outcome.journal));
      CHECK(verify::no_duplicate_submits(outcome.journal));
      CHECK(verify::fetched_each_result_once(outcome.journal));
      CHECK(verify::backed_off(outcome.journal));
      const std::string fired = std::string("scenario ") + entry.name + " rule ";
      if (expect.fires) {
        CHECK(any_note(outcome.journal, fired));
        CHECK_FALSE(any_note(outcome.journal, "skipped"));
      } else {
        // Not reached: either nothing matched (documented in the entry) or the journal says why it was skipped.
        CHECK((!any_note(outcome.journal, fired) || any_note(outcome.journal, "skipped")));
      }
    }
  }
}
