#pragma once
// The request journal: every exchange the simulator answered, bounded (oldest dropped first).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nanosim/adaptive_mutex.hpp"

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
  std::string request_id;  // the provider's id for this exchange (its request-id header, the id its errors quote)
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
  // The validating proxy (nanosim serve --proxy ID=URL):
  std::string upstream;                // where the exchange was forwarded; empty when the simulator answered
  std::vector<nlohmann::json> drift;   // how the upstream's answer broke the contract: {rule, contract_pointer,
                                       // field, message, provenance} each

  [[nodiscard]] nlohmann::json to_json() const;
};

/// An API key as the journal and admin answers show it: "sk-…3f9a", enough to tell keys apart, not enough to use
/// one (a key under 12 characters keeps at most its last two; under 6, nothing: "…").
std::string mask_key(std::string_view key);
/// The headers with every API key masked: the headers the contracts' auth schemes read (Authorization,
/// x-goog-api-key), Proxy-Authorization and Cookie keep their scheme word ("Bearer ") and mask the key (mask_key).
Headers masked_headers(const Headers& headers);
/// The same, in place.
void mask_headers(Headers& headers);

/// Thread-safe, bounded.
class Journal {
 public:
  explicit Journal(std::size_t capacity) : capacity_(capacity) {}
  std::uint64_t record(JournalEntry entry);  // returns the entry's sequence
  /// The same for an entry from spare(): it is kept as it is, not moved.
  std::uint64_t record(std::unique_ptr<JournalEntry> entry);
  /// An entry to fill and hand to record(). When the journal is full it is the oldest entry, dropped now rather
  /// than in record(), with its memory kept: its strings are empty but keep their buffers, and the header maps keep
  /// their nodes *and their contents*, so the caller assigns both (an assignment then reuses the nodes). Filling it
  /// copies into memory already there instead of allocating and freeing an entry's worth of strings per request.
  /// Every other field is as in a new entry.
  [[nodiscard]] std::unique_ptr<JournalEntry> spare();
  [[nodiscard]] std::vector<JournalEntry> entries(std::uint64_t after_sequence = 0, std::size_t limit = SIZE_MAX) const;
  /// One page: entries after `after_sequence` that `keep` accepts, at most `limit`, looking at no more than
  /// `max_scan` (the journal's lock is held that long, no longer). `next_after`: the last sequence looked at when
  /// more may follow, else 0.
  struct Page {
    std::vector<JournalEntry> entries;
    std::uint64_t next_after = 0;
  };
  [[nodiscard]] Page page(std::uint64_t after_sequence, std::size_t limit, std::size_t max_scan,
                          const std::function<bool(const JournalEntry&)>& keep) const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::uint64_t dropped() const;
  void clear();

 private:
  mutable AdaptiveMutex mutex_;  // guards everything below
  std::size_t capacity_;
  std::deque<std::unique_ptr<JournalEntry>> entries_;  // by pointer: an entry is never moved once filled
  std::uint64_t next_sequence_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace nanosim
