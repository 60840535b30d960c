// ToAPIs properties, with the rules read from the contract at run time:
//  1. a valid random request is accepted, makes exactly one task, and completes with n images of the contract's
//     dimensions, its progress never falling;
//  2. any body built from documented and undocumented fields with arbitrary values is answered on contract,
//     accepted exactly when the contract's schema accepts it, and only accepted bodies create tasks.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "property_support.hpp"

using namespace nanosim;
using nanosim::property::contract_checked;
using nlohmann::json;

namespace nlohmann {
/// How RapidCheck prints a generated body in a counterexample (found by ADL; the default would try to
/// convert the json implicitly).
inline void showValue(const json& value, std::ostream& os) { os << value.dump(); }
}  // namespace nlohmann

namespace {

const std::string tasks = "/toapis/v1/images/generations";

const contracts::Contract& contract() { return contracts::get("toapis"); }
const contracts::Operation& create_task() { return contract().operation("create_task"); }
const json& properties() { return create_task().request_schema->document().at("properties"); }

std::vector<std::string> strings_of(const json& values) { return values.get<std::vector<std::string>>(); }

rc::Gen<json> valid_request() {
  const json& metadata = properties().at("metadata").at("properties");
  const int max_n = properties().at("n").at("maximum");
  const std::size_t max_prompt = properties().at("prompt").at("maxLength");
  return rc::gen::apply(
      [](std::string model, std::string prompt, std::string size, int n, std::string resolution, bool refs) {
        json body = {{"model", model}, {"prompt", prompt}, {"size", size}, {"n", n},
                     {"metadata", {{"resolution", resolution}}}};
        if (refs) body["reference_images"] = {"https://example.com/ref.png"};
        return body;
      },
      rc::gen::elementOf(strings_of(properties().at("model").at("enum"))),
      rc::gen::map(rc::gen::inRange<std::size_t>(1, max_prompt + 1), [](std::size_t n) { return std::string(n, 'p'); }),
      rc::gen::elementOf(strings_of(properties().at("size").at("enum"))), rc::gen::inRange(1, max_n + 1),
      rc::gen::elementOf(strings_of(metadata.at("resolution").at("enum"))), rc::gen::arbitrary<bool>());
}

/// Any JSON scalar or small container, with the documented enum values mixed in so some bodies are valid.
rc::Gen<json> any_value() {
  std::vector<json> documented;
  for (const char* field : {"model", "size"}) {
    for (const auto& value : properties().at(field).at("enum")) documented.push_back(value);
  }
  return rc::gen::oneOf(rc::gen::elementOf(documented),
                        rc::gen::map(rc::gen::arbitrary<int>(), [](int v) { return json(v); }),
                        rc::gen::map(rc::gen::inRange(1, 5), [](int v) { return json(v); }),
                        rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127)), [](std::string v) { return json(v); }),
                        rc::gen::just(json(nullptr)), rc::gen::just(json::array({"https://e.com/x.png"})),
                        rc::gen::just(json{{"resolution", "2K"}}), rc::gen::just(json::object()));
}

rc::Gen<json> any_body() {
  const std::vector<std::string> names{"model", "prompt", "size", "n", "reference_images", "image_urls",
                                       "metadata", "aspect_ratio", "quality", ""};
  return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, json>>>(
                          rc::gen::pair(rc::gen::elementOf(names), any_value())),
                      [](const std::vector<std::pair<std::string, json>>& fields) {
                        json body = {{"model", "nano-banana-2"}, {"prompt", "x"}};  // valid until a field breaks it
                        for (const auto& [name, value] : fields) body[name] = value;
                        return body;
                      });
}

}  // namespace

TEST_CASE("A valid random ToAPIs request completes with n images of the contract's dimensions",
          "[property][toapis]") {
  rc::prop("valid request: 200, one task, progress never falls, n images of the documented size", [] {
    const json body = *valid_request();
    contract_checked([&] {
      testkit::ScopedSimulator sim;
      const auto response = sim.handle(testkit::json_request("POST", tasks, body));
      RC_ASSERT(response.status == 200);
      RC_ASSERT(sim.simulator().jobs().size() == 1u);
      const std::string id = testkit::body_json(response).at("id");
      int last_progress = 0;
      json task;
      for (int step = 0; step < 3000; ++step) {  // >= 300 s: past the contract's max_ms whatever the steps
        task = testkit::body_json(sim.handle(testkit::request("GET", tasks + "/" + id)));
        RC_ASSERT(task.at("progress").get<int>() >= last_progress);
        last_progress = task.at("progress");
        if (task.at("status") == "completed") break;
        sim.advance(Millis{*rc::gen::inRange(100, 5'000)});
      }
      RC_ASSERT(task.at("status") == "completed");
      const auto size = contracts::image_dimensions(contract().model(body.at("model").get<std::string>())->at("upstream").get<std::string>(),
                                                    body.at("size").get<std::string>(),
                                                    body.at("metadata").at("resolution").get<std::string>());
      RC_ASSERT(size.has_value());
      const json& images = task.at("result").at("data");
      RC_ASSERT(images.size() == body.at("n").get<std::size_t>());
      for (const json& image : images) {
        RC_ASSERT(image.at("width") == size->first);
        RC_ASSERT(image.at("height") == size->second);
      }
    });
  });
}

TEST_CASE("Any ToAPIs body is answered on contract and creates a task exactly when the schema accepts it",
          "[property][toapis]") {
  rc::prop("arbitrary body: on contract; 200 iff valid; tasks only for 200", [] {
    const json body = *any_body();
    contract_checked([&] {
      testkit::ScopedSimulator sim(property::strict_fields_options());
      const bool valid = contract().validate_request(create_task(), body).empty();
      RC_TAG(valid ? "valid" : "invalid");
      const auto response = sim.handle(testkit::json_request("POST", tasks, body));
      RC_ASSERT((response.status == 200) == valid);
      RC_ASSERT(sim.simulator().jobs().size() == (valid ? 1u : 0u));
      if (!valid) RC_ASSERT(testkit::body_json(response).at("error").at("type") == "invalid_request_error");
    });
  });
}
