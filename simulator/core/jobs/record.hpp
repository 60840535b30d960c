#pragma once
// A job as the engine stores it, and the packed form a finished job takes once it leaves the hot window: what lets
// the default retention (and a million retained jobs) cost well under a KiB each.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "nanosim/simulator.hpp"

namespace nanosim::core {

struct JobRecord {
  JobView view;              // state as of the last catch-up
  std::string pool;          // scheduler pool (the provider)
  Millis ready_at{0};        // earliest time a worker may take it: submit + dispatch delay + queue stall
  Millis scheduled_finish{0};  // when running: start + (possibly shortened) run time
};

/// Strings that repeat from job to job (providers, models, sizes, keys, failure kinds), stored once and named by
/// index in packed jobs. Bounded: past `capacity` distinct strings, new ones are packed in full instead, so a client
/// sending a fresh key with every request cannot grow it without limit.
class Interner {
 public:
  explicit Interner(std::size_t capacity = 4096) : capacity_(capacity) {}
  /// The string's index, interning it when there is room; nullopt when it is new and the table is full.
  std::optional<std::uint32_t> index(std::string_view text);
  [[nodiscard]] const std::string& at(std::uint32_t index) const { return strings_.at(index); }
  void clear();

 private:
  std::size_t capacity_;
  std::deque<std::string> strings_;  // a deque: the views in index_ stay valid as it grows
  std::unordered_map<std::string_view, std::uint32_t> index_;
};

/// Packs a finished job (its id excepted: the key it is stored under) into a compact byte string: integers as
/// varints, repeated strings as interned indexes, the provider's own request as MessagePack. Queue position and
/// progress are not kept (refresh_view recomputes them).
[[nodiscard]] std::string pack(const JobRecord& job, Interner& interned);
/// The job `pack` was given, exactly, with `id` as its id.
[[nodiscard]] JobRecord unpack(std::string_view packed, const std::string& id, const Interner& interned);

}  // namespace nanosim::core
