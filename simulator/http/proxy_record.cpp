#include "proxy_record.hpp"

#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <strings.h>
#include <vector>

namespace nanosim::proxy {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// The credentials a request carries in the provider's auth schemes (header values after their prefix, query keys).
std::vector<std::string> credentials_of(const contracts::Contract& contract, const HttpRequest& request) {
  std::vector<std::string> out;
  for (const auto& scheme : contract.document().at("auth").value("schemes", json::array())) {
    const std::string in = scheme.value("in", "");
    const std::string name = scheme.value(in == "query" ? "name" : "header", scheme.value("name", ""));
    std::optional<std::string> value = in == "query" ? request.query_param(name) : request.header(name);
    if (!value) continue;
    const std::string prefix = scheme.value("prefix", "");
    if (!prefix.empty() && strncasecmp(value->c_str(), prefix.c_str(), prefix.size()) == 0) value = value->substr(prefix.size());
    if (value->size() >= 4) out.push_back(*value);
  }
  return out;
}

std::string scrubbed(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8)) text.replace(at, secret.size(), "REDACTED");
  }
  return text;
}

std::string path_without_credentials(const contracts::Contract& contract, const HttpRequest& request,
                                     const std::vector<std::string>& secrets) {
  std::string out = request.path;
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    bool credential = false;
    for (const auto& scheme : contract.document().at("auth").value("schemes", json::array())) {
      if (scheme.value("in", "") == "query" && scheme.value("name", "") == name) credential = true;
    }
    if (credential) continue;
    out += separator + name + "=" + value;
    separator = '&';
  }
  return scrubbed(out, secrets);
}

bool is_json(std::string_view body) { return !json::parse(body, nullptr, false).is_discarded(); }

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::string encode_multipart(const HttpRequest& request) {
  const std::string type = request.header("Content-Type").value_or("");
  const auto at = type.find("boundary=");
  std::string boundary = at == std::string::npos ? "nanosim-boundary" : type.substr(at + 9);
  if (!boundary.empty() && boundary.front() == '"') boundary = boundary.substr(1, boundary.find('"', 1) - 1);
  std::string out;
  for (const FormPart& part : request.form) {
    out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (!part.filename.empty()) out += "; filename=\"" + part.filename + "\"";
    out += "\r\n";
    if (!part.content_type.empty()) out += "Content-Type: " + part.content_type + "\r\n";
    out += "\r\n" + part.content + "\r\n";
  }
  return out + "--" + boundary + "--\r\n";
}

Recorder::Recorder(fs::path directory, std::map<std::string, std::string> upstreams)
    : directory_(std::move(directory)), upstreams_(std::move(upstreams)) {
  fs::create_directories(directory_);
}

void Recorder::record(const contracts::Contract& contract, const std::string& operation, const HttpRequest& request,
                      const HttpResponse& response) {
  const std::string provider = contract.id();
  const auto secrets = credentials_of(contract, request);
  std::lock_guard lock(mutex_);
  json& index = indexes_[provider];
  if (index.is_null()) {
    index = {{"provider", provider},
             {"source", "recorded by nanosim serve --proxy " + provider + "=" + upstreams_[provider]},
             {"description", "Exchanges forwarded to the upstream, as they came (credentials removed): each response must "
                             "still conform to the contract, each request the upstream accepted too."},
             {"fixtures", json::array()}};
  }
  const fs::path folder = directory_ / provider;
  fs::create_directories(folder);
  char number[32];
  std::snprintf(number, sizeof number, "%04zu", ++counts_[provider]);
  const std::string stem = std::string(number) + "-" + (operation.empty() ? std::string("unmatched") : operation);
  const std::string path = path_without_credentials(contract, request, secrets);
  const std::string section = "exchange " + std::string(number) + ": " + request.method + " " + path;
  json request_entry = {{"file", stem + "-request" + (is_json(request.body) ? ".json" : ".txt")}, {"kind", "request"},
                        {"method", request.method}, {"path", path}, {"http_status", response.status},
                        {"expect", response.status / 100 == 2 ? "accepted" : "refused_upstream"}, {"section", section}};
  json headers = json::object();
  for (const auto& [name, value] : response.headers) {
    if (strcasecmp(name.c_str(), "Set-Cookie") == 0 || strcasecmp(name.c_str(), "Date") == 0) continue;
    headers[name] = scrubbed(value, secrets);
  }
  const bool text = is_json(response.body) || response.body.empty();
  json response_entry = {{"file", stem + "-response" + (text ? ".json" : ".bin.txt")}, {"kind", text ? "response" : "file"},
                         {"method", request.method}, {"path", path}, {"http_status", response.status},
                         {"headers", headers}, {"expect", "valid"}, {"section", section}};
  if (!operation.empty()) {
    request_entry["operation"] = operation;
    response_entry["operation"] = operation;
  }
  if (!request.body.empty()) {  // a request without a body (a GET) is all in its entry's method and path
    write(folder / request_entry.at("file").get<std::string>(), scrubbed(request.body, secrets));
    index.at("fixtures").push_back(std::move(request_entry));
  }
  write(folder / response_entry.at("file").get<std::string>(),
        text ? scrubbed(response.body, secrets) : std::to_string(response.body.size()) + " bytes of " + response.content_type() + "\n");
  index.at("fixtures").push_back(std::move(response_entry));
  write(folder / "index.json", index.dump(2) + "\n");
}

}  // namespace nanosim::proxy
