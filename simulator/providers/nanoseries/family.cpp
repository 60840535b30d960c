#include "family.hpp"

#include <iterator>

#include "../../core/wire.hpp"

namespace nanosim::providers::nanoseries {

std::vector<core::ImageReference> reference_images(const json& body) {
  std::vector<core::ImageReference> refs;
  for (const char* member : {"image", "images", "image_urls"}) {
    auto found = core::image_references(body, member);
    refs.insert(refs.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return refs;
}

std::optional<HttpResponse> Family::refuse_model(const ProviderCall& call, const std::string& model_id) {
  if (contract_.model(model_id) == nullptr) return context_.error("model_unavailable", {{"model", model_id}});
  if (!context_.model_enabled(call.api_key, model_id)) return context_.error("model_not_enabled", {{"model", model_id}});
  return std::nullopt;
}

Checked Family::check_body(const ProviderCall& call, const contracts::Operation& op, json body,
                           std::string_view invalid_kind, std::string model_id) {
  if (const auto model = body.find("model"); model_id.empty() && model != body.end() && model->is_string()) {
    model_id = model->get<std::string>();
  }
  if (!model_id.empty()) {
    if (auto refused = refuse_model(call, model_id)) return std::move(*refused);
  }
  if (auto refused = contract_.unsupported_parameter(op, call.http, body)) return context_.error(*refused);
  if (auto violations = context_.validate_request(call, op, body, model_id); !violations.empty()) {
    return context_.invalid(violations.front(), invalid_kind);
  }
  contracts::Contract::apply_defaults(*op.request_schema, body);
  return body;
}

Checked Family::check_json(const ProviderCall& call, const contracts::Operation& op, std::string_view invalid_kind) {
  core::JsonBody body = context_.parse_json(call.http);
  if (body.violation) {
    return context_.invalid(*body.violation, body.error_kind == "invalid_request" ? invalid_kind : body.error_kind);
  }
  return check_body(call, op, std::move(body.value), invalid_kind);
}

std::variant<JobSpec, HttpResponse> Family::job_spec(ProviderCall& call, NanoRequest request,
                                                     std::string_view invalid_kind) {
  if (auto refused = context_.check_references(call, request.reference_images, invalid_kind)) {
    return std::move(*refused);
  }
  const json& model = *contract_.model(request.model_id);
  JobSpec spec;
  spec.provider = contract_.id();
  spec.model = request.model_id;
  spec.upstream_model = model.at("upstream").get<std::string>();
  spec.prompt = std::move(request.prompt);
  spec.reference_images = core::reference_values(request.reference_images);
  spec.aspect_ratio = std::move(request.aspect_ratio);
  spec.size_tier = model.at("capabilities").at("default_size_tier").get<std::string>();
  spec.format = images::parse_format(request.output_format).value_or(images::Format::png);
  spec.count = request.count;
  spec.wants_text = request.wants_text;
  spec.api_key = call.api_key;
  if (const auto pricing = model.find("pricing"); pricing != model.end()) {
    spec.unit_price = pricing->value("per_image", 0.0);
    spec.price_unit = pricing->at("unit").get<std::string>();
  }
  spec.wire_request = std::move(request.wire);
  const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
  if (!size) {  // a face whose schema is wider than the model (Gemini's aspectRatio) reaches this
    return context_.invalid({request.aspect_ratio_field, "enum",
                             request.aspect_ratio_field + ": " + spec.aspect_ratio + " is not available for " + spec.model},
                            invalid_kind);
  }
  std::tie(spec.width, spec.height) = *size;
  return spec;
}

Submitted Family::submit(ProviderCall& call, NanoRequest request, std::string_view invalid_kind) {
  const json& model = *contract_.model(request.model_id);
  auto spec = job_spec(call, std::move(request), invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&spec)) return std::move(*refused);
  return &context_.submit(call, std::get<JobSpec>(std::move(spec)), model);
}

Completed Family::complete(ProviderCall& call, const contracts::Operation& op, NanoRequest request,
                           std::string_view invalid_kind) {
  const json& model = *contract_.model(request.model_id);
  auto spec = job_spec(call, std::move(request), invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&spec)) return std::move(*refused);
  core::SyncOutcome done = context_.run_synchronously(call, op, std::get<JobSpec>(std::move(spec)), model);
  const auto* job = std::get_if<JobView>(&done);
  if (job == nullptr || job->state == JobState::succeeded) return done;
  // The error carries a request id of its own, never the internal job's id.
  return context_.error(context_.failure_error(op, job->failure_kind), {{"model", job->spec.model}});
}

}  // namespace nanosim::providers::nanoseries
