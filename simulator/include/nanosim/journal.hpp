#pragma once
// The request journal: every exchange the simulator answered, bounded (oldest dropped first).

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/clock.hpp"
#include "nanosim/http_message.hpp"

namespace nanosim {

struct JournalEntry {
  std::uint64_t sequence = 0;  // from 1, never reused within a run (reset starts again)
  Millis at{0};                // simulated time the request arrived
  std::string method;
  std::string path;
  std::string query;  // "a=1&b=2", decoded pairs re-joined
  std::string provider;   // contract id, empty for admin / unknown
  std::string operation;  // contract operation name, "admin", "file" or empty when unmatched
  std::string job_id;
  std::string api_key;
  int status = 0;
  Headers request_headers;    // API keys masked (masked_headers)
  Headers response_headers;
  std::string request_body;   // truncated to Options::journal_body_limit
  std::string response_body;  // truncated likewise
  std::vector<std::string> notes;  // effects applied, rules fired
  // Scenario bookkeeping (see nanosim/scenario.hpp):
  Millis latency{0};                 // simulated time added before the answer (responded at = at + latency)
  std::optional<Millis> retry_after;  // the answer's Retry-After / retry-after-ms, if any
  std::string job_state;              // canonical state of the job the exchange was about, after it
  std::string fault;                  // connection or body fault injected ("reset_before_response", ...)

  [[nodiscard]] nlohmann::json to_json() const;
};

/// The headers with every API key masked: the headers the contracts' auth schemes read (Authorization,
/// x-goog-api-key), Proxy-Authorization and Cookie keep their scheme word ("Bearer ") and show at most the key's first
/// three and last four characters ("Bearer sk-***7f3a"; a key of 12 characters or fewer shows nothing: "Bearer ***").
Headers masked_headers(const Headers& headers);

/// Thread-safe, bounded.
class Journal {
 public:
  explicit Journal(std::size_t capacity) : capacity_(capacity) {}
  std::uint64_t record(JournalEntry entry);  // returns the entry's sequence
  [[nodiscard]] std::vector<JournalEntry> entries(std::uint64_t after_sequence = 0, std::size_t limit = SIZE_MAX) const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t dropped() const;
  void clear();

 private:
  mutable std::mutex mutex_;  // guards everything below
  std::size_t capacity_;
  std::deque<JournalEntry> entries_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace nanosim
