// `nanosim check --recorded DIR`: a recording (fixtures/<id>/ format: index.json and one file per body) validated
// offline against today's contracts, so a drift found once stays a regression test.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

HttpRequest recorded_request(const contracts::Contract& contract, const json& entry) {
  HttpRequest request;
  std::string operation = entry.value("operation", "");
  const contracts::Operation* op = nullptr;
  if (!operation.empty()) {
    for (const auto& candidate : contract.operations()) {
      if (candidate.name == operation) op = &candidate;
    }
  }
  request.method = entry.value("method", op != nullptr ? op->method : std::string("GET"));
  std::string path = entry.value("path", op != nullptr ? op->path : std::string("/"));
  if (const auto question = path.find('?'); question != std::string::npos) {
    request.query = parse_query_string(std::string_view(path).substr(question + 1));
    path.resize(question);
  }
  request.path = path;
  if (op != nullptr && !op->content_type.empty()) request.headers.emplace("Content-Type", op->content_type);
  return request;
}

void replay_response(const contracts::Contract& contract, const json& entry, const std::string& body, Outcome& o) {
  Exchange ex;
  ex.request = recorded_request(contract, entry);
  ex.base = "recorded:";
  HttpResponse response;
  response.status = entry.value("http_status", 200);
  const json headers = entry.value("headers", json::object());
  for (const auto& [name, value] : headers.items()) {
    if (value.is_string()) response.headers.emplace(name, value.get<std::string>());
  }
  if (!response.header("Content-Type")) response.headers.emplace("Content-Type", "application/json");
  response.body = body;
  ex.response = response;
  o.expect_clean("the recorded answer", check_response(contract, ex.request, response), ex);
}

void replay_request(const contracts::Contract& contract, const json& entry, const std::string& body, Outcome& o) {
  Exchange ex;
  ex.request = recorded_request(contract, entry);
  ex.request.body = body;
  ex.base = "recorded:";
  const std::string expect = entry.value("expect", "");
  const auto breaches = check_request(contract, ex.request);
  // A request the provider refused may have been refused for more than its body (a key, a model, a business
  // rule): only the accepted ones say something the contract must agree with.
  if (expect == "accepted") o.expect_clean("a request the provider accepted", breaches, ex);
  else o.skip("a request the provider refused (expect: " + (expect.empty() ? std::string("none") : expect) + "): not replayed");
}

Report replay_directory(const fs::path& directory) {
  const json index = json::parse(read_file(directory / "index.json"), nullptr, false);
  if (!index.is_object() || !index.contains("fixtures") || !index.at("fixtures").is_array()) {
    throw std::invalid_argument((directory / "index.json").string() + ": not a fixtures index");
  }
  const std::string provider = index.value("provider", directory.filename().string());
  const contracts::Contract* contract = contracts::find(provider);
  if (contract == nullptr) throw std::invalid_argument((directory / "index.json").string() + ": no contract named " + provider);
  Report report;
  report.provider = provider;
  report.target = directory.string();
  for (const json& entry : index.at("fixtures")) {
    Outcome o;
    RuleResult& result = o.result();
    const std::string file = entry.value("file", "");
    const std::string kind = entry.value("kind", "");
    result.id = "recorded." + fs::path(file).stem().string();
    result.title = kind + " " + entry.value("operation", "(no operation)") +
                   (entry.contains("http_status") ? " HTTP " + entry.at("http_status").dump() : std::string()) +
                   (entry.contains("section") ? ": " + entry.at("section").get<std::string>() : std::string());
    result.cost = "free";
    result.contract_pointer = "/operations/" + entry.value("operation", "");
    const fs::path body_path = directory / file;
    if (file.empty() || !fs::exists(body_path)) {
      o.fail("the recording has no file " + file);
    } else if (kind == "response" && entry.value("expect", "valid") == "valid") {
      replay_response(*contract, entry, read_file(body_path), o);
    } else if (kind == "request" && body_path.extension() == ".json") {
      replay_request(*contract, entry, read_file(body_path), o);
    } else {
      o.skip("kind " + kind + " (" + body_path.extension().string() + ") is documentation, not replayed");
    }
    report.rules.push_back(std::move(result));
  }
  return report;
}

}  // namespace

std::vector<Report> check_recorded(const fs::path& directory) {
  std::vector<Report> reports;
  if (fs::exists(directory / "index.json")) {
    reports.push_back(replay_directory(directory));
    return reports;
  }
  if (fs::is_directory(directory)) {
    std::vector<fs::path> children;
    for (const auto& child : fs::directory_iterator(directory)) {
      if (child.is_directory() && fs::exists(child.path() / "index.json")) children.push_back(child.path());
    }
    std::sort(children.begin(), children.end());
    for (const auto& child : children) reports.push_back(replay_directory(child));
  }
  if (reports.empty()) throw std::invalid_argument(directory.string() + ": no recording (no index.json here or one level down)");
  return reports;
}

}  // namespace nanosim::conformance
