// bananapro's credits: 4 per image (seed 001, Preise), debited at submit, refunded when a task fails, a 402 when
// the balance does not cover a request, and never a negative balance, even under concurrent submissions.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "bananapro_support.hpp"
#include "nanosim/contracts/contract.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using namespace nanosim::bananapro_test;
using nlohmann::json;

namespace {

Options with_credits(std::map<std::string, std::int64_t> credits) {
  Options options = deterministic_options();
  options.credits = std::move(credits);
  return options;
}

HttpResponse generate(ScopedSimulator& sim, const std::string& key) {
  return sim.handle(json_request("POST", generate_path, text_to_image("a red apple", "1:1"), key));
}

}  // namespace

TEST_CASE("Each image costs the contract's 4 credits, and remaining_credits is the balance left",
          "[contract][bananapro][credits]") {
  ScopedSimulator sim(with_credits({{"k", 10}}));
  CHECK(contracts::get("bananapro").model("nano-banana")->at("pricing").at("per_image") == 4);
  CHECK(body_json(generate(sim, "k")).at("data").at("remaining_credits") == 6);
  CHECK(body_json(generate(sim, "k")).at("data").at("remaining_credits") == 2);
  CHECK(sim.simulator().credits("k") == 2);
  CHECK(sim.simulator().credits("untouched") == 500);
}

TEST_CASE("A balance that cannot pay gets the documented 402, and nothing is charged or created",
          "[contract][bananapro][credits]") {
  ScopedSimulator sim(with_credits({{"k", 7}}));
  REQUIRE(generate(sim, "k").status == 200);
  const HttpResponse refused = generate(sim, "k");
  CHECK(refused.status == 402);
  const json body = body_json(refused);
  CHECK(body.at("success") == false);
  CHECK(body.at("error") ==
        json{{"code", "INSUFFICIENT_CREDITS"}, {"message", "Insufficient credits: this request costs 4 credits, 3 remaining"}});
  CHECK(body.at("request_id").get<std::string>().rfind("req_", 0) == 0);
  CHECK(sim.simulator().credits("k") == 3);
  CHECK(sim.simulator().jobs().size() == 1);
}

TEST_CASE("default_credits 0 refuses every key that was not given credits", "[contract][bananapro][credits]") {
  Options options = with_credits({{"paid", 4}});
  options.default_credits = 0;
  ScopedSimulator sim(options);
  CHECK(generate(sim, "anyone").status == 402);
  CHECK(generate(sim, "paid").status == 200);
  CHECK(generate(sim, "paid").status == 402);
  CHECK(sim.simulator().credits("paid") == 0);
}

TEST_CASE("A failed task is refunded when it fails, whether or not anyone polls it, in its usage record", "[contract][bananapro][credits]") {
  Options options = with_fate(failing(failure::generation_failed));
  options.credits = {{"k", 4}};
  ScopedSimulator sim(options);
  const std::string id = submit(sim, text_to_image("x", "1:1"), "k");
  CHECK(sim.simulator().credits("k") == 0);
  CHECK(generate(sim, "k").status == 402);
  sim.advance(Millis{120'000});
  CHECK(sim.simulator().credits("k") == 4);  // no GET of the task in between
  CHECK(task(sim, id, "k").at("credits_refunded") == 4);
  const auto usage = sim.simulator().usage("k");
  REQUIRE(usage.size() == 1);
  CHECK(usage.at(0).job_id == id);
  CHECK(usage.at(0).unit == "credits");
  CHECK(usage.at(0).state == UsageState::refunded);
  CHECK(usage.at(0).amount == 0);
  CHECK(generate(sim, "k").status == 200);
}

TEST_CASE("Succeeded tasks are never refunded, and their usage record is settled", "[contract][bananapro][credits]") {
  ScopedSimulator sim;
  const std::string id = submit(sim, text_to_image("x", "1:1"));
  sim.advance(Millis{120'000});
  CHECK(task(sim, id).at("status") == "completed");
  CHECK(task(sim, id).at("credits_refunded") == 0);
  CHECK(sim.simulator().credits("test-key") == 496);
  const auto usage = sim.simulator().usage("test-key");
  REQUIRE(usage.size() == 1);
  CHECK(usage.at(0).state == UsageState::settled);
  CHECK(usage.at(0).amount == 4);
  CHECK(sim.simulator().spend("test-key", "credits") == 4);
}

TEST_CASE("Concurrent submissions never take a balance below zero, and every credit is accounted for",
          "[contract][bananapro][credits]") {
  constexpr int threads = 4;
  constexpr int per_thread = 60;
  constexpr std::int64_t start = 400;  // covers 100 images without refunds
  Options options = with_credits({{"shared", start}});
  options.fate_policy = [](const JobSpec&, std::uint64_t sequence) {
    return sequence % 3 == 0 ? failing(failure::generation_failed) : JobFate{};  // refunds arrive while others pay
  };
  ScopedSimulator sim(options);

  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::atomic<bool> went_negative{false};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        try {
          const HttpResponse response = generate(sim, "shared");
          if (response.status == 200) {
            ++accepted;
            if (body_json(response).at("data").at("remaining_credits").get<std::int64_t>() < 0) went_negative = true;
          } else if (response.status == 402) {
            ++refused;
          } else {
            ++unexpected;
          }
        } catch (...) {  // a ContractViolation must not escape a thread; count it instead
          ++unexpected;
        }
      }
    });
  }
  std::thread clock([&] {
    while (!stop) {
      sim.advance(Millis{500});
      std::this_thread::yield();
    }
  });
  std::thread reader([&] {
    while (!stop) {
      if (sim.simulator().credits("shared") < 0) went_negative = true;
      const json admin = body_json(sim.handle(request("GET", "/__nanosim/credits/shared", "")));
      if (admin.at("balance").get<std::int64_t>() < 0) went_negative = true;
    }
  });
  for (auto& worker : workers) worker.join();
  stop = true;
  clock.join();
  reader.join();

  sim.advance(Millis{3'600'000});  // every task has ended
  CHECK(unexpected == 0);
  CHECK_FALSE(went_negative);
  CHECK(accepted + refused == threads * per_thread);
  CHECK(accepted >= start / 4);
  const auto jobs = sim.simulator().jobs();
  CHECK(jobs.size() == static_cast<std::size_t>(accepted.load()));
  const auto failed = std::count_if(jobs.begin(), jobs.end(), [](const JobView& j) { return j.state == JobState::failed; });
  CHECK(sim.simulator().credits("shared") == start - 4 * (accepted - failed));
}

TEST_CASE("The admin API shows and sets balances, and reset restores the configured ones", "[contract][bananapro][credits]") {
  ScopedSimulator sim(with_credits({{"configured", 40}}));
  REQUIRE(generate(sim, "spender").status == 200);
  const json all = body_json(sim.handle(request("GET", "/__nanosim/credits", "")));
  CHECK(all == json{{"default_balance", 500}, {"balances", {{"configured", 40}, {"spender", 496}}}});
  CHECK(body_json(sim.handle(request("GET", "/__nanosim/credits/nobody", ""))) ==
        json{{"api_key", "nobody"}, {"balance", 500}});

  HttpRequest set = json_request("PUT", "/__nanosim/credits/spender", {{"balance", 3}}, "");
  CHECK(body_json(sim.handle(set)) == json{{"api_key", "spender"}, {"balance", 3}});
  CHECK(generate(sim, "spender").status == 402);
  set.body = R"({"balance": -1})";
  CHECK(sim.handle(set).status == 400);
  CHECK(sim.simulator().credits("spender") == 3);

  sim.simulator().reset();
  CHECK(sim.simulator().credit_balances() == std::map<std::string, std::int64_t>{{"configured", 40}});
  CHECK(sim.simulator().credits("spender") == 500);
  CHECK_THROWS_AS(sim.simulator().set_credits("x", -5), std::invalid_argument);
}
