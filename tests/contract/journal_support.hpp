#pragma once
// Reading the simulator's journal in the scenario tests.

#include <string>
#include <vector>

#include "nanosim/journal.hpp"

namespace nanosim::contract_test {

/// Whether any journal entry carries a note containing `text` (a fault or scenario rule says so when it fires).
inline bool any_note(const std::vector<JournalEntry>& journal, const std::string& text) {
  for (const auto& entry : journal) {
    for (const auto& note : entry.notes) {
      if (note.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace nanosim::contract_test
