#pragma once
// new-api's model list (GET /v1/models, what the openai SDK's models.list() reads), shared by the gateways built
// on it: crazyrouter, ToAPIs and the Nano series (research/providers.md §9).

#include "../../core/provider.hpp"

namespace nanosim::providers::newapi {

/// {"data": [{"id", "object": "model", "created", "owned_by", "supported_endpoint_types"}], "object": "list",
/// "success": true}: the contract's models (a key limited by Options::models_per_key sees only its own), in id order.
HttpResponse model_list(const core::ProviderContext& context, const core::ProviderCall& call);

}  // namespace nanosim::providers::newapi
