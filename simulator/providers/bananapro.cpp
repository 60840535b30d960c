// bananapro (seed 001): a relabelled API Mall gateway selling Nano Banana by credits. generate debits the key's
// balance and creates a task; status (GET /api/v1/images/{task_id}) reads it (pending -> processing -> completed | failed;
// a failed task is refunded). No cancel. Every rule and body shape comes from contracts/providers/bananapro.json.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../core/provider.hpp"
#include "../core/wire.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

class Bananapro final : public core::ProviderAdapter {
 public:
  explicit Bananapro(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) return context_.error(route.error_kind);
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;
    if (op.name == "generate") return generate(call, op);
    return status(call, route.match->params.at("task_id"));
  }

 private:
  HttpResponse generate(ProviderCall& call, const contracts::Operation& op) {
    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    const auto model_field = body.value.find("model");
    const std::string model_id = model_field != body.value.end() && model_field->is_string() ? model_field->get<std::string>() : "";
    const json* model = contract_.model(model_id);
    // The operation's schema names the models, so an unknown one is refused here, before its own schema applies.
    if (auto violations = context_.validate_request(call, op, body.value, model ? model_id : ""); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    if (model == nullptr) throw std::logic_error("bananapro: the generate schema accepted unknown model " + model_id);
    contracts::Contract::apply_defaults(*contract_.model_request_schema(model_id), body.value);

    const auto references = reference_images(call, body.value);
    if (auto refused = context_.check_references(call, references)) return *refused;
    JobSpec spec = job_spec(call, model_id, *model, body.value);
    spec.reference_images = core::reference_values(references);
    const std::int64_t price = credits_for(spec, static_cast<std::size_t>(spec.count));
    if (!context_.credits().covers(call.api_key, price)) {
      return context_.error("insufficient_credits",
                            {{"message", "this request costs " + std::to_string(price) + " credits, " +
                                             std::to_string(context_.credits().balance(call.api_key)) + " remaining"}});
    }

    // The job's usage record holds its price from here on: that is what takes it from the key's balance.
    const JobView& job = context_.submit(call, std::move(spec), *model);
    const json data = {{"task_id", job.id},
                       {"request_id", context_.new_id("upstream-request-id", "provider_req_", 26)},
                       {"credits_used", price},
                       {"remaining_credits", context_.credits().balance(call.api_key)},
                       {"model", job.spec.model}};
    return core::json_response(200, {{"success", true}, {"data", data}, {"request_id", request_id()}});
  }

  /// The provider-neutral job for a validated body (defaults applied), but for its reference images.
  JobSpec job_spec(const ProviderCall& call, const std::string& model_id, const json& model, const json& body) const {
    const json& capabilities = model.at("capabilities");
    JobSpec spec;
    spec.provider = contract_.id();
    spec.model = model_id;
    spec.upstream_model = model.at("upstream").get<std::string>();
    spec.prompt = body.at("prompt").get<std::string>();
    spec.aspect_ratio = body.at("aspect_ratio").get<std::string>();
    spec.size_tier = capabilities.at("default_size_tier").get<std::string>();  // the model has one fixed size
    spec.format = images::parse_format(capabilities.at("output_formats").at(0).get<std::string>()).value();
    spec.count = static_cast<int>(body.at("num_images").get<double>());
    spec.api_key = call.api_key;
    spec.unit_price = model.at("pricing").at("per_image").get<double>();
    spec.price_unit = model.at("pricing").at("unit").get<std::string>();
    spec.wire_request = body;
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) throw std::logic_error("bananapro: no dimensions for " + spec.aspect_ratio + " in shared/image-sizes.json");
    std::tie(spec.width, spec.height) = *size;
    return spec;
  }

  /// image_urls, else the deprecated input_image alias; when both are given image_urls wins (the contract's
  /// input_image description) and the journal says input_image was ignored.
  static std::vector<core::ImageReference> reference_images(ProviderCall& call, const json& body) {
    if (!body.contains("image_urls")) return core::image_references(body, "input_image");
    if (body.contains("input_image")) call.notes.emplace_back("input_image ignored: image_urls is given and wins");
    return core::image_references(body, "image_urls");
  }

  /// What `units` images of the job cost, in its pricing's unit (credits).
  static std::int64_t credits_for(const JobSpec& spec, std::size_t units) {
    return static_cast<std::int64_t>(std::llround(spec.unit_price * static_cast<double>(units)));
  }

  /// What the job's usage record gave back when it settled: every image it did not produce (all of them when it
  /// failed); nothing while it runs.
  static std::int64_t credits_refunded(const JobView& job) {
    if (!is_terminal(job.state)) return 0;
    const auto requested = static_cast<std::size_t>(job.spec.count);
    const std::size_t produced = job.state == JobState::succeeded ? std::min(job.outputs.size(), requested) : 0;
    return credits_for(job.spec, requested - produced);
  }

  HttpResponse status(ProviderCall& call, const std::string& task_id) {
    call.info.job_id = task_id;
    const JobView* job = context_.engine().find(task_id);
    // A task belongs to the key that created it: any other key is told it does not exist.
    if (job == nullptr || job->spec.provider != contract_.id() || job->spec.api_key != call.api_key) {
      return context_.error("task_not_found", {{"task_id", task_id}});
    }
    const json& lifecycle = contract_.lifecycle(to_string(job->state));
    return core::json_response(lifecycle.at("http_status").get<int>(),
                               {{"success", true}, {"data", task(call, *job, lifecycle)}, {"request_id", request_id()}});
  }

  json task(const ProviderCall& call, const JobView& job, const json& lifecycle) const {
    json urls = json::array();
    for (const OutputFile& file : job.outputs) urls.push_back(ProviderContext::file_url(call.origin, file));
    const json primary = urls.empty() ? json(nullptr) : urls.at(0);
    Millis updated = job.submitted_at;
    if (job.started_at) updated = *job.started_at;
    if (job.finished_at) updated = *job.finished_at;
    json data = {{"task_id", job.id},
                 {"model", job.spec.model},
                 {"status", lifecycle.at("wire")},
                 {"output", {{"resultUrls", urls}}},
                 {"primary_url", primary},
                 {"image_url", primary},
                 {"error_message", nullptr},
                 {"credits_used", credits_for(job.spec, static_cast<std::size_t>(job.spec.count))},
                 {"credits_refunded", credits_refunded(job)},
                 {"created_at", context_.iso8601(job.submitted_at)},
                 {"updated_at", context_.iso8601(updated)},
                 {"completed_at", job.finished_at ? json(context_.iso8601(*job.finished_at)) : json(nullptr)}};
    if (job.state == JobState::failed) {
      data.update(contract_.failure_kind(job.failure_kind).at("wire"));  // {"error_message": ...}
      if (!job.failure_message.empty()) data["error_message"] = job.failure_message;
    }
    return data;
  }

  /// The gateway's id of this exchange (contract "request_id").
  std::string request_id() const { return context_.request_id(); }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_bananapro(core::ProviderContext& context) {
  return std::make_unique<Bananapro>(context);
}

}  // namespace nanosim::providers
