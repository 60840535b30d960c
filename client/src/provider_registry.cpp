#include "provider_protocol.hpp"
#include "wire.hpp"

namespace nanosim::client::detail {

Result<CancelOutcome> ProviderProtocol::parse_cancel(const HttpResponse& response) const {
  return protocol_error(response, "cancel: the provider documents no cancel operation");
}

std::unique_ptr<ProviderProtocol> make_protocol(std::string_view id) {
  for (const auto& entry : protocol_table()) {
    if (entry.id == id) return entry.make();
  }
  return nullptr;
}

}  // namespace nanosim::client::detail
