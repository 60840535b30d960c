// Nano series, OpenAI-compatible faces (seed 004: "Apifox 来源也提供 Nano 的 OpenAI 兼容图像接口"):
// POST /v1/images/generations (JSON) and POST /v1/images/edits (multipart/form-data), answered synchronously
// in OpenAI's {created, data:[{url}|{b64_json}]} shape (research/providers.md §4).
#include "../../core/wire.hpp"
#include "family.hpp"
#include "../gemini/inline_image.hpp"

namespace nanosim::providers::nanoseries {
namespace {

constexpr std::string_view openai_invalid_kind = "openai_invalid_request";

/// Runs the request's job to its end and answers with its images, or with the face's error.
HttpResponse images_response(Family& family, ProviderCall& call, const contracts::Operation& op, NanoRequest request,
                             const std::string& response_format) {
  const std::string output_format = request.output_format;
  auto completed = family.complete(call, op, std::move(request), openai_invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&completed)) return std::move(*refused);
  const JobView& job = std::get<JobView>(completed);
  json body = core::openai_images(family.context(), call, job, response_format);
  body["output_format"] = output_format;
  body["size"] = std::to_string(job.spec.width) + "x" + std::to_string(job.spec.height);
  return core::json_response(200, body);
}

/// The multipart parts: as the HTTP skin parsed them, or parsed here (in-process calls carry only the body).
std::optional<std::vector<FormPart>> form_parts(const ProviderCall& call) {
  if (!call.http.form.empty()) return call.http.form;
  return parse_multipart(call.http.header("Content-Type").value_or(""), call.http.body);
}

/// Uploaded reference images, named by their parts ("upload:<filename>"); the bytes are not kept.
std::vector<core::ImageReference> uploaded_images(const std::vector<FormPart>& parts) {
  std::vector<core::ImageReference> refs;
  for (const FormPart& part : parts) {
    if (part.name == "image" || part.name == "image[]") refs.push_back({part.name, "upload:" + part.filename});
  }
  return refs;
}

}  // namespace

HttpResponse openai_generate(Family& family, ProviderCall& call, const contracts::Operation& op) {
  auto checked = family.check_json(call, op, openai_invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
  json& body = std::get<json>(checked);
  NanoRequest request;
  request.model_id = body.at("model").get<std::string>();
  request.prompt = body.at("prompt").get<std::string>();
  request.reference_images = reference_images(body);
  request.aspect_ratio = body.at("aspect_ratio").get<std::string>();
  request.output_format = body.at("output_format").get<std::string>();
  request.count = body.at("n").get<int>();
  const std::string response_format = body.at("response_format").get<std::string>();
  request.wire = std::move(body);
  return images_response(family, call, op, std::move(request), response_format);
}

HttpResponse openai_edit(Family& family, ProviderCall& call, const contracts::Operation& op) {
  ProviderContext& context = family.context();
  if (call.http.body.size() > context.options().max_body_bytes) {
    return context.invalid({"", "maxBodyBytes", "body: too large"}, "payload_too_large");
  }
  const auto parts = form_parts(call);
  if (!parts) {
    return context.invalid({"", "multipart", "body: must be multipart/form-data (image and prompt parts)"},
                           openai_invalid_kind);
  }
  auto checked = family.check_body(call, op, contracts::form_to_json(*parts), openai_invalid_kind);
  if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
  json& form = std::get<json>(checked);
  // The upstream (Gemini) refuses bytes that are no image (gemini/inline_image.hpp); the relay names the part.
  for (const FormPart& part : *parts) {
    if (part.name != "image" && part.name != "image[]") continue;
    if (auto fault = gemini::check_image_bytes(part.content, part.name)) {
      return context.invalid({part.name, fault->kind, fault->message}, openai_invalid_kind);
    }
  }
  NanoRequest request;
  request.model_id = form.at("model").get<std::string>();
  request.prompt = form.at("prompt").get<std::string>();
  request.reference_images = uploaded_images(*parts);
  request.aspect_ratio = form.at("aspect_ratio").get<std::string>();
  request.output_format = form.at("output_format").get<std::string>();
  request.count = std::stoi(form.at("n").get<std::string>());  // the schema allows "1".."4" only
  const std::string response_format = form.at("response_format").get<std::string>();
  request.wire = std::move(form);
  return images_response(family, call, op, std::move(request), response_format);
}

}  // namespace nanosim::providers::nanoseries
