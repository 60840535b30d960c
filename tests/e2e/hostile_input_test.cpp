// A table of hostile requests over a real socket, on every provider, the admin API and the files route: huge
// bodies, malformed and deep JSON, huge strings, wrong types, invalid UTF-8, NUL bytes, wrong content types and
// methods, traversal in file URLs, CRLF in headers, conflicting framing. Each gets the provider's documented error
// (one of its contract's catalog bodies at its status) naming what was wrong, changes nothing (jobs, credits, usage
// compared before and after), and the server keeps answering.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nanosim/contracts/contract.hpp"
#include "nanosim/server.hpp"
#include "nanosim/testkit/testkit.hpp"
#include "raw_socket.hpp"

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Hostile {
  std::string name;
  std::string provider;  // whose catalog the answer must come from; empty: the simulator's own {"error":{...}}
  std::string bytes;     // the whole request as sent
  std::string names;     // text the answer must contain (the field or rule it names)
  int status = 0;        // when not 0: the exact status (the simulator's own answers)
};

/// A face's entry point and a body it would accept, with `field` the string field we corrupt.
struct Face {
  std::string provider, path, auth, valid, prompt_field;
};
const std::vector<Face> faces{
    {"odirouter", "/odirouter/v1/queue/nano_banana_2", "Authorization: Bearer sk-hostile\r\n",
     R"({"prompt":"A red apple"})", "prompt"},
    {"bananapro", "/bananapro/api/v1/images/generate", "Authorization: Bearer sk-hostile\r\n",
     R"({"model":"nano-banana","prompt":"A red apple"})", "prompt"},
    {"toapis", "/toapis/v1/images/generations", "Authorization: Bearer sk-hostile\r\n",
     R"({"model":"gemini-3.1-flash-image-preview","prompt":"A red apple","size":"16:9"})", "prompt"},
    {"nanoseries", "/nanoseries/v1/images/tasks", "Authorization: Bearer sk-hostile\r\n",
     R"({"model":"NanoBanana2-0.5K","task_type":"text2image","prompt":"A red apple","aspect_ratio":"1:1","n":1})",
     "prompt"},
    {"crazyrouter", "/crazyrouter/v1/images/generations", "Authorization: Bearer sk-hostile\r\n",
     R"({"model":"nano-banana-2","prompt":"A red apple"})", "prompt"},
    {"gemini", "/gemini/v1beta/models/gemini-3.1-flash-image-preview:generateContent", "x-goog-api-key: sk-hostile\r\n",
     R"({"contents":[{"parts":[{"text":"A red apple"}]}]})", "text"},
};

/// A documented field with an enumerated value (the last of duplicate keys wins): ToAPIs names the ratio "size".
std::string enumerated_field(const Face& face) { return face.provider == "toapis" ? "size" : "aspect_ratio"; }

std::string post(const Face& face, const std::string& body, const std::string& type = "application/json",
                 const std::string& extra = {}) {
  return "POST " + face.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + face.auth + "Content-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

/// `valid` with the value of "field" (a string) replaced by `raw` (JSON text, or any bytes).
std::string with_field(const Face& face, const std::string& raw) {
  const std::string key = "\"" + face.prompt_field + "\":\"A red apple\"";
  std::string body = face.valid;
  body.replace(body.find(key), key.size(), "\"" + face.prompt_field + "\":" + raw);
  return body;
}

std::vector<Hostile> provider_cases() {
  std::vector<Hostile> out;
  for (const Face& f : faces) {
    const auto add = [&](std::string name, std::string bytes, std::string names) {
      out.push_back({f.provider + ": " + name, f.provider, std::move(bytes), std::move(names), 0});
    };
    add("malformed JSON", post(f, f.valid.substr(0, f.valid.size() - 3)), "JSON");
    add("JSON nested 100,000 deep", post(f, with_field(f, std::string(100'000, '[') + std::string(100'000, ']'))),
        "deep");
    add("a number where a string belongs", post(f, with_field(f, "12345")), f.prompt_field);
    add("an object where a string belongs", post(f, with_field(f, R"({"a":1})")), f.prompt_field);
    add("a 300 KB string in an enumerated field",
        post(f, f.provider == "gemini"
                    ? R"({"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"imageConfig":{"aspectRatio":")" +
                          std::string(300'000, 'x') + R"("}}})"
                    : f.valid.substr(0, f.valid.size() - 1) + ",\"" + enumerated_field(f) + "\":\"" +
                          std::string(300'000, 'x') + "\"}"),
        f.provider == "gemini" ? "aspectRatio" : enumerated_field(f));
    add("invalid UTF-8 in a string", post(f, with_field(f, "\"\xff\xfe\xfd\"")), "JSON");
    add("a raw NUL byte in a string", post(f, with_field(f, std::string("\"a\0b\"", 5))), "JSON");
    add("a JSON array as the body", post(f, "[1,2,3]"), "object");
    add("a form where JSON belongs", post(f, "--b\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nx\r\n--b--\r\n",
                                         "multipart/form-data; boundary=b"),
        f.provider == "toapis" ? "model" : "JSON");  // ToAPIs takes forms (seed 003's file uploads): a form without its model
    add("a body over the cap announced by Content-Length",
        "POST " + f.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + f.auth +
            "Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{",
        "body");
    add("two different Content-Length headers", post(f, f.valid, "application/json", "Content-Length: 3\r\n"),
        "Content-Length");
    add("Content-Length beside Transfer-Encoding",
        post(f, f.valid, "application/json", "Transfer-Encoding: chunked\r\n"), "Content-Length");
  }
  return out;
}

std::vector<Hostile> other_cases() {
  const auto get = [](const std::string& target, const std::string& headers = {}) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
  };
  const auto send_json = [](const std::string& method, const std::string& target, const std::string& body) {
    return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  return {
      {"odirouter: a 10 KB request id", "odirouter",
       get("/odirouter/v1/queue/nano_banana_2/requests/" + std::string(10'000, 'a') + "/status",
           "Authorization: Bearer k\r\n"),
       "path", 0},
      {"toapis: 200,000 headers (3 MB)", "toapis",
       [] {
         std::string head = "GET /toapis/v1/images/generations/task_1 HTTP/1.1\r\nHost: 127.0.0.1\r\n";
         for (int i = 0; i < 200'000; ++i) head += "X-F" + std::to_string(i) + ": 1\r\n";
         return head + "\r\n";
       }(),
       "headers", 0},
      {"odirouter: a header line of 20 KB", "odirouter",
       get("/odirouter/v1/queue/nano_banana_2/requests/x/status", "X-Big: " + std::string(20'000, 'y') + "\r\n"),
       "headers", 0},
      {"odirouter: a CR inside the API key", "odirouter",
       get("/odirouter/v1/queue/nano_banana_2/requests/x/status", "Authorization: Bearer k\rInjected: 1\r\n"), "", 0},
      {"admin: clock advance with a string", "", send_json("POST", "/__nanosim/clock/advance", R"({"ms":"soon"})"), "ms",
       400},
      {"admin: clock advance with a negative number", "", send_json("POST", "/__nanosim/clock/advance", R"({"ms":-5})"),
       "ms", 400},
      {"admin: clock advance with malformed JSON", "", send_json("POST", "/__nanosim/clock/advance", R"({"ms":)"), "ms",
       400},
      {"admin: a negative balance", "", send_json("PUT", "/__nanosim/credits/sk-hostile", R"({"balance":-1})"),
       "balance", 400},
      {"admin: a balance that is text", "", send_json("PUT", "/__nanosim/credits/sk-hostile", R"({"balance":"all"})"),
       "balance", 400},
      {"admin: a scenario that is not an object", "", send_json("POST", "/__nanosim/scenarios", "[1]"), "", 400},
      {"admin: a page limit of a million", "", get("/__nanosim/jobs?limit=1000000"), "limit", 400},
      {"admin: an unknown endpoint", "", get("/__nanosim/self-destruct"), "self-destruct", 404},
      {"admin: a wrong method", "", send_json("DELETE", "/__nanosim/clock", "{}"), "Unknown admin endpoint", 404},
      {"files: traversal with dots", "", get("/__nanosim/files/../../../../etc/passwd"), "", 404},
      {"files: traversal percent-encoded", "", get("/__nanosim/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), "", 404},
      {"files: a NUL byte in the name", "", get("/__nanosim/files/abc%00.png"), "", 404},
      {"files: written to", "", send_json("PUT", "/__nanosim/files/abc-0.png", "{}"), "GET", 405},
      {"unknown provider", "", get("/nobody/v1/x"), "No provider serves", 404},
      {"a misspelled X-Nanosim-Scenario", "",
       "POST /odirouter/v1/queue/nano_banana_2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-hostile\r\n"
       "X-Nanosim-Scenario: rate-limitd\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n"
       R"({"prompt":"A red apple"})",
       "no scenario named", 400},
      {"admin: a scenario nested 100,000 deep", "",
       send_json("POST", "/__nanosim/scenarios", std::string(100'000, '[') + std::string(100'000, ']')), "", 400},
  };
}

nanosim::e2e::RawAnswer exchange(int port, const std::string& bytes) {
  const int fd = nanosim::e2e::connect_loopback(port);
  REQUIRE(fd >= 0);
  nanosim::e2e::send_all(fd, bytes);
  std::string buffer;
  auto answer = nanosim::e2e::read_answer(fd, 10s, buffer);
  ::close(fd);
  REQUIRE(answer);
  return *answer;
}

/// Everything a request could change: jobs, balances, usage.
std::string state_of(nanosim::Simulator& simulator) {
  json out;
  out["jobs"] = simulator.jobs().size();
  out["credits"] = simulator.credit_balances();
  out["sk-hostile"] = simulator.credits("sk-hostile");
  out["usage"] = simulator.usage().size();
  out["spent"] = simulator.spend("sk-hostile", "credits") + simulator.spend("sk-hostile", "USD");
  return out.dump();
}

}  // namespace

TEST_CASE("Hostile requests get the documented error naming the field, change nothing, and the server keeps serving",
          "[e2e][hostile]") {
  nanosim::testkit::ScopedServer server;
  nanosim::Simulator& simulator = server.simulator();
  std::vector<Hostile> cases = provider_cases();
  for (auto& extra : other_cases()) cases.push_back(std::move(extra));
  REQUIRE(cases.size() >= 60);
  const std::string before = state_of(simulator);
  for (const Hostile& c : cases) {
    const auto answer = exchange(server.port(), c.bytes);
    INFO(c.name << "\n" << answer.head << answer.body.substr(0, 600));
    CHECK(answer.status >= 400);
    CHECK(answer.status < 500);
    if (c.status != 0) CHECK(answer.status == c.status);
    if (!c.names.empty()) CHECK(answer.body.find(c.names) != std::string::npos);
    if (!c.provider.empty()) {
      const auto violations = nanosim::contracts::get(c.provider).validate_error_response(
          nanosim::HttpResponse{answer.status, {}, answer.body});
      for (const auto& v : violations) FAIL_CHECK("not " << c.provider << "'s documented error: " << to_string(v));
    } else {
      const json body = json::parse(answer.body, nullptr, false);
      CHECK((body.is_object() && body.contains("error")));
    }
    CHECK(state_of(simulator) == before);
    CHECK(exchange(server.port(), "GET /__nanosim/health HTTP/1.1\r\nHost: x\r\n\r\n").status == 200);
  }
}
