#include "family.hpp"

namespace nanosim::providers::nanoseries {

std::vector<std::string> reference_images(const json& body) {
  std::vector<std::string> refs;
  if (const auto image = body.find("image"); image != body.end()) {
    refs.push_back(image->is_string() ? image->get<std::string>() : image->at("url").get<std::string>());
  }
  for (const char* list : {"images", "image_urls"}) {
    if (const auto it = body.find(list); it != body.end()) {
      for (const json& url : *it) refs.push_back(url.get<std::string>());
    }
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
  if (auto violations = contract_.validate_request(op, body, model_id); !violations.empty()) {
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

Submitted Family::submit(ProviderCall& call, NanoRequest request, std::string_view invalid_kind) {
  const json& model = *contract_.model(request.model_id);
  JobSpec spec;
  spec.provider = contract_.id();
  spec.model = request.model_id;
  spec.upstream_model = model.at("upstream").get<std::string>();
  spec.prompt = std::move(request.prompt);
  spec.reference_images = std::move(request.reference_images);
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
    return context_.invalid({"aspect_ratio", "enum",
                             "aspect_ratio: " + spec.aspect_ratio + " is not available for " + spec.model},
                            invalid_kind);
  }
  std::tie(spec.width, spec.height) = *size;

  const JobFate fate = context_.fate_for(spec);
  const Millis run_time = context_.draw_run_time(model, spec.size_tier);
  const auto& id_format = contract_.document().at("ids").at("job");
  const JobView& job = context_.engine().submit(std::move(spec), fate, run_time, context_.dispatch_delay(model),
                                                id_format.at("prefix").get<std::string>(),
                                                id_format.at("length").get<std::size_t>());
  call.info.job_id = job.id;
  return &job;
}

Submitted Family::complete(ProviderCall& call, NanoRequest request, std::string_view invalid_kind) {
  Submitted submitted = submit(call, std::move(request), invalid_kind);
  if (const auto* job = std::get_if<const JobView*>(&submitted)) {
    return context_.engine().complete_now((*job)->id);
  }
  return submitted;
}

HttpResponse Family::failure_error(const contracts::Operation& op, const JobView& job) {
  const json& kind = contract_.failure_kind(job.failure_kind);
  const json by_operation = kind.value("error_by_operation", json::object());
  const std::string error = by_operation.value(op.name, kind.at("error").get<std::string>());
  return context_.error(error, {{"model", job.spec.model}, {"request_id", job.id}});
}

std::string Family::image_bytes(const OutputFile& file) { return images::render(file.image); }

}  // namespace nanosim::providers::nanoseries
