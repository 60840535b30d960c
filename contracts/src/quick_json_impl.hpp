#pragma once
// QuickJson's reading of a text (RapidJSON), shared by quick_json.cpp, which parses, and schema.cpp, which validates
// what was read.

// valijson's RapidJSON adapter comes before any RapidJSON header (it defines RAPIDJSON_ASSERT).
#include <valijson/adapters/rapidjson_adapter.hpp>
#include <rapidjson/document.h>

#include <memory>
#include <optional>

#include "nanosim/contracts/contract.hpp"

namespace nanosim::contracts {

struct QuickJson::Impl {
  using Document =
      rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>, rapidjson::MemoryPoolAllocator<>>;
  /// One reading of a text: its values and the parser's stack take their first block from the buffers below (a
  /// status or result body fits), more from the heap.
  struct Reading {
    rapidjson::MemoryPoolAllocator<> values;
    rapidjson::MemoryPoolAllocator<> stack;
    Document document;
    explicit Reading(Impl& impl)
        : values(impl.value_buffer, sizeof impl.value_buffer),
          stack(impl.stack_buffer, sizeof impl.stack_buffer),
          document(&values, stack_capacity, &stack) {}
  };
  /// The document's stack, then the reader's (256 bytes) beside it, both inside stack_buffer with its header.
  static constexpr std::size_t stack_capacity = 1024;
  char value_buffer[8192];
  char stack_buffer[2048];
  std::optional<Reading> reading;
  bool usable = false;

  /// The buffers of the last QuickJson a thread let go, for its next one (9 KB a time from malloc cost more than
  /// the parse).
  static std::unique_ptr<Impl>& spare() {
    thread_local std::unique_ptr<Impl> kept;
    return kept;
  }
};

}  // namespace nanosim::contracts
