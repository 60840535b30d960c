// What `nanosim serve` prints: the startup lines, one access-log line per request, the shutdown lines; as text
// or as one JSON object per line (--log-format json).
#include <cstdio>
#include <mutex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace nanosim::cli {
namespace {

std::mutex output_mutex;

void write_line(const std::string& line) {
  std::lock_guard lock(output_mutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

}  // namespace

void Output::say(const std::string& message, const std::string& event) const {
  if (!json) return write_line(message);
  write_line(nlohmann::json{{"event", event}, {"message", message}}.dump());
}

void Output::access(const AccessRecord& record) const {
  if (quiet) return;
  const ExchangeInfo& info = record.info;
  const auto simulated = (info.answered_at - info.at).count();
  if (json) {
    nlohmann::json line{{"event", "request"}, {"method", record.method}, {"path", record.path},
                        {"status", record.status}, {"sim_at_ms", info.at.count()}, {"sim_ms", simulated},
                        {"real_ms", static_cast<double>(static_cast<long long>(record.real_ms * 1000)) / 1000},
                        {"provider", info.provider}, {"operation", info.operation}, {"rules", info.rules}};
    if (!info.job_id.empty()) line["job_id"] = info.job_id;
    if (!info.wire_fault.empty()) line["fault"] = info.wire_fault;
    return write_line(line.dump());
  }
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(1);
  line << record.method << " " << record.path << " " << record.status << " sim=" << info.at.count() << "+"
       << simulated << "ms real=" << record.real_ms << "ms provider=" << (info.provider.empty() ? "-" : info.provider)
       << " op=" << (info.operation.empty() ? "-" : info.operation);
  if (!info.rules.empty()) line << " rule=" << join(info.rules);
  if (!info.wire_fault.empty()) line << " fault=" << info.wire_fault;
  write_line(line.str());
}

}  // namespace nanosim::cli
