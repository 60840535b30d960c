#pragma once
// What every property shares: failing a property, with a description, on an off-contract answer or on a client
// call that had to succeed.

#include <string>

#include <rapidcheck.h>

#include "nanosim/client/client.hpp"
#include "nanosim/testkit/testkit.hpp"

namespace nanosim::property {

/// The test kit's options with every undocumented request field refused (Options::strict_fields), also on the
/// providers whose contract says they ignore them: properties that judge a body by the contract's schema alone.
inline Options strict_fields_options() {
  Options options = testkit::deterministic_options();
  options.strict_fields = true;
  return options;
}

/// Runs a property body; an off-contract answer (the test kit's ContractViolation, which is no std::exception
/// and would reach RapidCheck as an "unknown exception") fails the property with its description.
template <class Body>
void contract_checked(Body&& body) {
  try {
    body();
  } catch (const testkit::ContractViolation& violation) {
    RC_FAIL("off-contract response: " + violation.message);
  }
}

/// The value of a client call that must succeed, by value (the call's Result is often a temporary); otherwise
/// the property fails with the client's error.
template <class T>
T must(const client::Result<T>& result) {
  if (!result) RC_FAIL("client call failed: " + client::to_string(result.error()));
  return result.value();
}

}  // namespace nanosim::property
