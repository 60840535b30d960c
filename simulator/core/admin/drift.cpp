// GET /__nanosim/drift: what the validating proxy (nanosim serve --proxy ID=URL) found off contract in the
// upstreams' answers, read from the journal, where each proxied exchange keeps its drift.
#include "../simulator_impl.hpp"

namespace nanosim {

HttpResponse drift_report(const std::vector<JournalEntry>& entries, const HttpRequest& request) {
  const std::string provider = request.query_param("provider").value_or("");
  nlohmann::json drifted = nlohmann::json::array();
  std::size_t breaches = 0;
  std::size_t proxied = 0;
  for (const JournalEntry& e : entries) {
    if (e.upstream.empty() || (!provider.empty() && e.provider != provider)) continue;
    ++proxied;
    if (e.drift.empty()) continue;
    breaches += e.drift.size();
    drifted.push_back({{"sequence", e.sequence}, {"at_ms", e.at.count()}, {"provider", e.provider},
                       {"operation", e.operation}, {"method", e.method}, {"path", e.path}, {"status", e.status},
                       {"upstream", e.upstream}, {"drift", e.drift}});
  }
  return core::json_response(200, {{"drift", drifted}, {"count", breaches}, {"exchanges", drifted.size()},
                                   {"proxied", proxied}});
}

}  // namespace nanosim
