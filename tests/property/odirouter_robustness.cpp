// Property 3: nothing a client sends to any odirouter path, with any method, body, query or credentials, crashes
// the simulator, gets a 5xx, leaves the contract (the test kit checks every answer), or creates a job unless the
// request is a valid submit. A valid submit (by the contract's own router and validator) always creates one.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "odirouter_support.hpp"

using namespace nanosim;
using namespace nanosim::property;
using nlohmann::json;

namespace {

struct RandomRequest {
  HttpRequest http;
  bool credentials_valid = false;  // carries an API key in one of the contract's schemes
};

void showValue(const RandomRequest& r, std::ostream& os) {
  os << r.http.method << " " << r.http.path;
  for (const auto& [name, value] : r.http.query) os << " ?" << name << "=" << value;
  for (const auto& [name, value] : r.http.headers) os << " [" << name << ": " << value << "]";
  os << " body(" << r.http.body.size() << " bytes): " << json(r.http.body).dump(-1, ' ', false, json::error_handler_t::replace);
}

rc::Gen<std::string> identifier() {
  return rc::gen::container<std::string>(rc::gen::elementOf(std::string("abcdefghijklmnopqrstuvwxyz0123456789_-")));
}

/// A path built from one of the contract's operations, with known, unknown or odd parameters and prefixes.
rc::Gen<std::string> random_path(const std::vector<std::string>& job_ids) {
  return rc::gen::exec([job_ids] {
    std::vector<std::string> names;
    for (const auto& op : contract().operations()) names.push_back(op.name);
    const std::string op = *rc::gen::elementOf(names);
    const std::string model = *rc::gen::weightedOneOf<std::string>(
        {{6, rc::gen::elementOf(contract().model_ids())}, {1, identifier()}, {1, text(0, 8)}});
    const std::string id = *rc::gen::weightedOneOf<std::string>(
        {{4, rc::gen::elementOf(job_ids)}, {2, identifier()}, {1, text(0, 12)}});
    std::string path = provider_path(op, id, model);
    const int prefix = *rc::gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}});
    if (prefix == 1) path = path.substr(provider_id.size() + 1);  // the root: served only when odirouter is alone
    if (prefix == 2) path = "/" + *identifier() + path.substr(provider_id.size() + 1);
    return path + *rc::gen::weightedOneOf<std::string>({{8, rc::gen::just(std::string())},
                                                         {1, rc::gen::just(std::string("/"))},
                                                         {1, rc::gen::map(identifier(), [](std::string s) { return "/" + s; })}});
  });
}

rc::Gen<std::string> random_body() {
  const auto valid_with_one_value_replaced = rc::gen::exec([] {
    json body = *valid_body();
    std::vector<std::string> names;
    for (const auto& [name, schema] : request_schema().at("properties").items()) names.push_back(name);
    body[*rc::gen::elementOf(names)] = *any_json(2);
    return body.dump();
  });
  return rc::gen::weightedOneOf<std::string>({
      {1, rc::gen::just(std::string())},
      {3, rc::gen::arbitrary<std::string>()},  // any bytes
      {3, rc::gen::map(any_json(3), [](const json& v) { return v.dump(); })},
      {3, rc::gen::map(valid_body(), [](const json& v) { return v.dump(); })},
      {3, valid_with_one_value_replaced},
      {1, rc::gen::map(rc::gen::inRange(1, 200), [](int depth) {  // deep nesting
         return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
       })},
      {1, rc::gen::map(rc::gen::pair(valid_body(), rc::gen::inRange<std::size_t>(0, 64)), [](const auto& p) {
         const std::string text = p.first.dump();  // a valid body cut short
         return text.substr(0, std::min(p.second, text.size()));
       })},
  });
}

rc::Gen<RandomRequest> random_request(const std::vector<std::string>& job_ids) {
  return rc::gen::exec([job_ids] {
    RandomRequest out;
    out.http.path = *random_path(job_ids);
    out.http.method = *rc::gen::weightedOneOf<std::string>(
        {{4, rc::gen::elementOf(std::vector<std::string>{"GET", "POST", "PUT"})},
         {1, rc::gen::elementOf(std::vector<std::string>{"DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", ""})}});
    out.http.body = *random_body();
    const std::string content_type = *rc::gen::elementOf(std::vector<std::string>{
        "application/json", "application/json", "application/json; charset=utf-8", "text/plain", "",
        "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"});
    if (!content_type.empty()) out.http.headers.emplace("Content-Type", content_type);
    std::vector<std::string> valid_prefixes;
    for (const json& scheme : contract().document().at("auth").at("schemes")) {
      if (scheme.value("in", "header") == "header") valid_prefixes.push_back(scheme.value("prefix", ""));
    }
    if (*rc::gen::weightedElement<bool>({{6, true}, {1, false}})) {
      out.http.headers.emplace("Authorization", *rc::gen::elementOf(valid_prefixes) + "k" + *identifier());
      out.credentials_valid = true;
    } else {
      const std::string bad = *rc::gen::elementOf(std::vector<std::string>{"", "-", "Basic dGVzdA==", "Bearer", "Bearer ", "Token abc"});
      if (bad != "-") out.http.headers.emplace("Authorization", bad);
    }
    if (*rc::gen::weightedElement<bool>({{2, false}, {1, true}})) {  // aim at submit: a valid body, a random model
      out.http.method = operation("submit").method;
      out.http.path = provider_path("submit", "", *rc::gen::elementOf(contract().model_ids()));
      const json body =
          *rc::gen::weightedOneOf<json>({{3, valid_body()}, {1, rc::gen::map(breach(), [](Breach b) { return b.body; })}});
      out.http.body = body.dump();
    }
    const int query = *rc::gen::weightedElement<int>({{6, 0}, {1, 1}, {1, 2}, {1, 3}});
    if (query == 1) out.http.query.emplace("logs", *text(0, 5));
    if (query == 2) out.http.query.emplace("fal_webhook", "https://example.com/hook");
    if (query == 3) out.http.query.emplace(*text(0, 6), *text(0, 6));
    return out;
  });
}

/// The contract's verdict: a POST to a known model's submit path (under the provider's prefix, or at the root
/// when the simulator serves odirouter alone), with valid credentials, a JSON object body that no refused
/// parameter taints and that the model's schema accepts.
bool contract_accepts(const RandomRequest& request, bool root_served) {
  const std::string prefix = "/" + provider_id;
  const HttpRequest& http = request.http;
  if (!request.credentials_valid) return false;
  std::string relative = http.path;
  if (relative.rfind(prefix + "/", 0) == 0) relative = relative.substr(prefix.size());
  else if (!root_served) return false;
  const auto match = contract().match(http.method, relative);
  if (!match || match->operation->name != "submit") return false;
  const std::string model = match->params.at("model");
  if (contract().model(model) == nullptr) return false;
  const json body = json::parse(http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return false;
  if (contract().unsupported_parameter(*match->operation, http, body)) return false;
  return contract().validate_request(*match->operation, body, model).empty();
}

}  // namespace

TEST_CASE("Random requests to every odirouter path never crash, never get a 5xx and create a job only when valid",
          "[property][odirouter]") {
  rc::prop("random methods, paths, queries, credentials and bodies: on contract, < 500, jobs only from valid submits", [] {
    contract_checked([] {
      testkit::ScopedSimulator sim(strict_fields_options());
      std::vector<std::string> job_ids;  // one finished job and one still queued, so known ids are in play
      for (int i = 0; i < 2; ++i) {
        const json body = testkit::fixture_json("odirouter/submit-request.json");
        job_ids.push_back(testkit::body_json(sim.handle(testkit::json_request("POST", provider_path("submit"), body)))
                              .at("request_id").get<std::string>());
        if (i == 0) sim.advance(Millis{24 * 3600 * 1000});
      }
      const auto count = *rc::gen::inRange<std::size_t>(1, 16);
      const auto requests = *rc::gen::container<std::vector<RandomRequest>>(count, random_request(job_ids));
      int valid_submits = 0;
      for (const RandomRequest& request : requests) {
        const std::size_t jobs_before = sim.simulator().jobs().size();
        const HttpResponse response = sim.handle(request.http);
        RC_ASSERT(response.status >= 100);
        RC_ASSERT(response.status < 500);
        const std::size_t jobs_after = sim.simulator().jobs().size();
        const bool created = jobs_after != jobs_before;
        RC_ASSERT(jobs_after - jobs_before <= 1U);
        const bool accepts = contract_accepts(request, sim.simulator().serves_root());
        valid_submits += accepts ? 1 : 0;
        if (created) {
          RC_ASSERT(accepts);
          RC_ASSERT(response.status == 200);
          RC_ASSERT(testkit::body_json(response).at("request_id") == sim.simulator().jobs().back().id);
        }
        const auto content_type = request.http.header("Content-Type");
        if (accepts && (!content_type || content_type->rfind("application/json", 0) == 0)) RC_ASSERT(created);
      }
      RC_CLASSIFY(valid_submits > 0, "some valid submits");
    });
  });
}
