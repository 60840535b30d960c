// crazyrouter: any valid unified body is answered at once with n images of the documented size and format, the
// allowed values read from the contract at run time; a body with one Gemini-native field added never makes a job.
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

const std::string generations = "/crazyrouter/v1/images/generations";

const json& property_schema(const std::string& name) {
  return contracts::get("crazyrouter").document().at("definitions").at("images_request").at("properties").at(name);
}

std::vector<std::string> enum_of(const std::string& name) {
  return property_schema(name).at("enum").get<std::vector<std::string>>();
}

/// A valid body: every optional field present or not, values from the contract's enums and ranges.
json valid_body() {
  const auto printable = rc::gen::container<std::string>(rc::gen::inRange<char>(32, 127));
  json body = {{"model", "nano-banana-2"}, {"prompt", *rc::gen::nonEmpty(printable)}};
  if (*rc::gen::arbitrary<bool>()) body["resolution"] = *rc::gen::elementOf(enum_of("resolution"));
  if (*rc::gen::arbitrary<bool>()) body["aspect_ratio"] = *rc::gen::elementOf(enum_of("aspect_ratio"));
  if (*rc::gen::arbitrary<bool>()) body["output_format"] = *rc::gen::elementOf(enum_of("output_format"));
  if (*rc::gen::arbitrary<bool>()) body["output_compression"] = *rc::gen::inRange(0, 101);
  if (*rc::gen::arbitrary<bool>()) body["n"] = *rc::gen::inRange(1, property_schema("n").at("maximum").get<int>() + 1);
  return body;
}

}  // namespace

TEST_CASE("A valid unified body is answered at once with n images of the documented size and format",
          "[property][crazyrouter]") {
  rc::prop("valid body -> 200 with n decodable images", [] {
    ScopedSimulator sim;
    const json body = valid_body();
    const HttpResponse response = sim.handle(json_request("POST", generations, body));
    RC_ASSERT(response.status == 200);
    const json data = body_json(response).at("data");
    RC_ASSERT(data.size() == static_cast<std::size_t>(body.value("n", 1)));

    const std::string ratio = body.value("aspect_ratio", std::string("auto"));
    const auto size = contracts::image_dimensions("gemini-3.1-flash-image-preview", ratio == "auto" ? "1:1" : ratio,
                                                  body.value("resolution", std::string("1K")));
    RC_ASSERT(size.has_value());
    const std::string url = data.at(0).at("url");
    const auto file = sim.handle(request("GET", path_of(url)));
    const auto probed = images::probe(file.body);
    RC_ASSERT(probed.has_value());
    RC_ASSERT(probed->width == size->first);
    RC_ASSERT(probed->height == size->second);
    const bool jpeg = body.value("output_format", std::string("png")) != "png";
    RC_ASSERT(probed->format == (jpeg ? images::Format::jpeg : images::Format::png));
    const auto jobs = sim.simulator().jobs();
    RC_ASSERT(jobs.size() == 1);
    RC_ASSERT(jobs[0].spec.quality == body.value("output_compression", 75));
  });
}

TEST_CASE("A valid body with one Gemini-native field is refused with 400 and makes no job", "[property][crazyrouter]") {
  rc::prop("native field -> 400, no job", [] {
    ScopedSimulator sim;
    json body = valid_body();
    const std::string field =
        *rc::gen::elementOf(std::vector<std::string>{"generationConfig", "imageConfig", "imageOutputOptions",
                                                     "image_output_options"});
    body[field] = json::object();
    const HttpResponse response = sim.handle(json_request("POST", generations, body));
    RC_ASSERT(response.status == 400);
    RC_ASSERT(body_json(response).at("error").at("message").get<std::string>().find("\"" + field + "\"") !=
              std::string::npos);
    RC_ASSERT(sim.simulator().jobs().empty());
  });
}
