#include "provider_protocol.hpp"

namespace nanosim::client::detail {

std::unique_ptr<ProviderProtocol> make_protocol(std::string_view id) {
  for (const auto& entry : protocol_table()) {
    if (entry.id == id) return entry.make();
  }
  return nullptr;
}

}  // namespace nanosim::client::detail
