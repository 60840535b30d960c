// What `nanosim serve` prints: the startup lines, one access-log line per request, the shutdown lines; as text
// or as one JSON object per line (--log-format json).
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace nanosim::cli {
namespace {

/// Writes stdout for every thread. A request never waits on stdout: access-log lines are buffered and written by
/// one thread within 50 ms (at once past 64 KiB, as nginx's buffered access log does); a startup or shutdown line
/// writes everything before it, then itself, at once; what is left is written at exit.
class LineWriter {
 public:
  LineWriter() : thread_([this] { run(); }) {}
  ~LineWriter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    write_out(pending_);
  }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void buffered(std::string_view line) {
    std::lock_guard lock(mutex_);
    pending_.append(line).push_back('\n');
    if (pending_.size() >= flush_bytes) wake_.notify_one();
  }
  void now(std::string_view line) {
    std::lock_guard lock(mutex_);
    pending_.append(line).push_back('\n');
    write_out(pending_);
  }

 private:
  static constexpr std::size_t flush_bytes = 64u << 10;
  static constexpr std::chrono::milliseconds flush_interval{50};

  static void write_out(std::string& lines) {
    if (lines.empty()) return;
    std::fwrite(lines.data(), 1, lines.size(), stdout);
    std::fflush(stdout);
    lines.clear();
  }
  void run() {
    std::string taken;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, flush_interval, [this] { return stopping_ || pending_.size() >= flush_bytes; });
      taken.swap(pending_);
      lock.unlock();
      write_out(taken);
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;  // guarded by mutex_
  bool stopping_ = false;
  std::thread thread_;
};

LineWriter& writer() {
  static LineWriter instance;
  return instance;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

void append_number(std::string& out, long long value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void append_tenths(std::string& out, double value) {
  char digits[48];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, 1).ptr);
}

}  // namespace

void Output::say(const std::string& message, const std::string& event) const {
  writer().now(json ? nlohmann::json{{"event", event}, {"message", message}}.dump() : message);
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
    return writer().buffered(line.dump());
  }
  std::string line;
  line.reserve(160);
  line.append(record.method).append(" ").append(record.path).append(" ");
  append_number(line, record.status);
  line.append(" sim=");
  append_number(line, info.at.count());
  line.append("+");
  append_number(line, simulated);
  line.append("ms real=");
  append_tenths(line, record.real_ms);
  line.append("ms provider=").append(info.provider.empty() ? "-" : info.provider);
  line.append(" op=").append(info.operation.empty() ? "-" : info.operation);
  if (!info.rules.empty()) line.append(" rule=").append(join(info.rules));
  if (!info.wire_fault.empty()) line.append(" fault=").append(info.wire_fault);
  writer().buffered(line);
}

}  // namespace nanosim::cli
