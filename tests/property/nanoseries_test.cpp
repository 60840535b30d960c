// nanoseries (seed 004) properties: any body the contract allows for a random Nano model is accepted, ends in
// an image of the model's documented dimensions and format, and is billed unit price x n; the same body with
// image and images mixed, or with size, is refused and creates no job. Models, ratios and formats are read
// from the contract at run time.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/images.hpp"
#include "nanosim/testkit/testkit.hpp"

using namespace nanosim;
using namespace nanosim::testkit;
using nlohmann::json;

namespace {

const std::string tasks = "/nanoseries/v1/images/tasks";

const contracts::Contract& nanoseries() { return contracts::get("nanoseries"); }

std::vector<std::string> strings_of(const json& list) { return list.get<std::vector<std::string>>(); }

/// A random valid task body for a random model, with the model's own ratios and formats.
rc::Gen<json> valid_task() {
  return rc::gen::mapcat(rc::gen::elementOf(nanoseries().model_ids()), [](const std::string& model_id) {
    const json& properties = nanoseries().model(model_id)->at("request_schema").at("properties");
    return rc::gen::apply(
        [model_id](const std::string& ratio, const std::string& format, int n, int references) {
          json body = {{"model", model_id}, {"prompt", "a cube " + std::to_string(n)}, {"aspect_ratio", ratio},
                       {"output_format", format}, {"n", n}};
          if (references == 1) body["image"] = "https://example.com/ref.png";
          if (references > 1) body["images"] = std::vector<std::string>(static_cast<std::size_t>(references), "https://example.com/r.png");
          return body;
        },
        rc::gen::elementOf(strings_of(properties.at("aspect_ratio").at("enum"))),
        rc::gen::elementOf(strings_of(properties.at("output_format").at("enum"))), rc::gen::inRange(1, 5),
        rc::gen::inRange(0, 4));
  });
}

}  // namespace

TEST_CASE("nanoseries: a valid random task completes at its documented size and format and is billed price x n",
          "[property][nanoseries]") {
  rc::prop("valid task", [] {
    const json body = *valid_task();
    ScopedSimulator sim;
    const HttpResponse created = sim.handle(json_request("POST", tasks, body));
    RC_ASSERT(created.status == 200);
    const std::string id = body_json(created).at("data").at("task_id");
    sim.advance(Millis{900'000});
    const json data = body_json(sim.handle(request("GET", tasks + "/" + id))).at("data");
    RC_ASSERT(data.at("status") == "succeeded");
    RC_ASSERT(data.at("metadata").at("result_count") == body.at("n"));

    const json& model = *nanoseries().model(body.at("model").get<std::string>());
    const auto size = contracts::image_dimensions(model.at("upstream").get<std::string>(), body.at("aspect_ratio").get<std::string>(),
                                                  model.at("capabilities").at("default_size_tier").get<std::string>());
    RC_ASSERT(size.has_value());
    const std::string url = data.at("result_url");
    const auto image = images::probe(sim.handle(request("GET", path_of(url))).body);
    RC_ASSERT(image.has_value());
    RC_ASSERT(image->width == size->first);
    RC_ASSERT(image->height == size->second);
    RC_ASSERT(images::to_string(image->format) == body.at("output_format").get<std::string>());
    const double price = model.at("pricing").at("per_image");
    RC_ASSERT(std::abs(sim.simulator().spend("test-key") - price * body.at("n").get<int>()) < 1e-9);
  });
}

TEST_CASE("nanoseries: mixing image fields or sending size is refused and creates no job", "[property][nanoseries]") {
  rc::prop("refused", [] {
    json body = *valid_task();
    const int breach = *rc::gen::inRange(0, 3);
    if (breach == 0) {
      body["image"] = "https://example.com/a.png";
      body["images"] = {"https://example.com/b.png"};
    } else if (breach == 1) {
      body["image_urls"] = {"https://example.com/c.png"};
      body["images"] = {"https://example.com/b.png"};
      body.erase("image");
    } else {
      body["size"] = "1024x1024";
    }
    ScopedSimulator sim;
    const HttpResponse response = sim.handle(json_request("POST", tasks, body));
    RC_ASSERT(response.status == 400);
    RC_ASSERT(body_json(response).at("code") == "invalid_request");
    RC_ASSERT(sim.simulator().jobs().empty());
  });
}
