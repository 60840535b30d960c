// Nano series (seed 004): the NanoBanana family behind a new-api gateway. The asynchronous image task API
// (POST /v1/images/tasks, GET /v1/images/tasks/{task_id}) in new-api's {code, message, data} envelope.
// Every rule, word and error body comes from contracts/providers/nanoseries.json.
#include <variant>

#include "../core/provider.hpp"
#include "../core/wire.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

/// What every face asks for, in the family's terms, before it becomes a JobSpec.
struct NanoRequest {
  std::string model_id;
  std::string prompt;
  std::vector<std::string> reference_images;
  std::string aspect_ratio;
  std::string output_format;
  int count = 1;
  std::string task_type;  // "text2image" | "image2image"
  bool wants_text = false;
  json wire = json::object();
};

/// The reference images of a task body: image (string or {"url"}), images, or the compatibility image_urls.
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

class Nanoseries final : public core::ProviderAdapter {
 public:
  explicit Nanoseries(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) {
      return context_.error(route.error_kind, {{"method", call.http.method}, {"path", call.http.path}});
    }
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    const auto key = context_.authenticate(call.http);
    if (!key) return context_.error(context_.auth_error(call.http));
    call.api_key = *key;
    call.info.api_key = *key;

    if (op.name == "create_task") return create_task(call, op);
    if (op.name == "get_task") return get_task(call, route.match->params.at("task_id"));
    return context_.error("route_not_found", {{"method", call.http.method}, {"path", call.http.path}});
  }

 private:
  /// The new-api distributor's answer for a model no channel serves or the key may not use; nullopt when usable.
  std::optional<HttpResponse> refuse_model(const ProviderCall& call, const std::string& model_id) {
    if (contract_.model(model_id) == nullptr) return context_.error("model_unavailable", {{"model", model_id}});
    if (!context_.model_enabled(call.api_key, model_id)) return context_.error("model_not_enabled", {{"model", model_id}});
    return std::nullopt;
  }

  /// Parses and checks a JSON body in the order the gateway does: JSON, model access, refused fields, schema.
  /// On success the body has its defaults filled; otherwise the answer is the face's error.
  std::variant<json, HttpResponse> checked_json_body(const ProviderCall& call, const contracts::Operation& op,
                                                      std::string_view invalid_kind) {
    core::JsonBody body = context_.parse_json(call.http);
    if (body.violation) {
      return context_.invalid(*body.violation, body.error_kind == "invalid_request" ? invalid_kind : body.error_kind);
    }
    std::string model_id;
    if (const auto model = body.value.find("model"); model != body.value.end() && model->is_string()) {
      model_id = model->get<std::string>();
      if (auto refused = refuse_model(call, model_id)) return std::move(*refused);
    }
    if (auto refused = contract_.unsupported_parameter(op, call.http, body.value)) return context_.error(*refused);
    if (auto violations = contract_.validate_request(op, body.value, model_id); !violations.empty()) {
      return context_.invalid(violations.front(), invalid_kind);
    }
    contracts::Contract::apply_defaults(*op.request_schema, body.value);
    return std::move(body.value);
  }

  HttpResponse create_task(ProviderCall& call, const contracts::Operation& op) {
    auto checked = checked_json_body(call, op, "invalid_request");
    if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
    json& body = std::get<json>(checked);

    NanoRequest request;
    request.model_id = body.at("model").get<std::string>();
    request.prompt = body.at("prompt").get<std::string>();
    request.reference_images = reference_images(body);
    request.aspect_ratio = body.at("aspect_ratio").get<std::string>();
    request.output_format = body.at("output_format").get<std::string>();
    request.count = body.at("n").get<int>();
    // task_type may be left out: image inputs make it an edit (seed 004, request parameters).
    request.task_type = body.value("task_type", request.reference_images.empty() ? "text2image" : "image2image");
    body["task_type"] = request.task_type;
    request.wire = body;
    auto submitted = submit(call, std::move(request));
    if (auto* refused = std::get_if<HttpResponse>(&submitted)) return std::move(*refused);
    return core::json_response(200, task_envelope(call, *std::get<const JobView*>(submitted)));
  }

  /// Turns a checked request into a job: the model's upstream, size tier (from the id), dimensions and price.
  std::variant<const JobView*, HttpResponse> submit(ProviderCall& call, NanoRequest request) {
    const json& model = *contract_.model(request.model_id);
    const json& capabilities = model.at("capabilities");
    JobSpec spec;
    spec.provider = contract_.id();
    spec.model = request.model_id;
    spec.upstream_model = model.at("upstream").get<std::string>();
    spec.prompt = std::move(request.prompt);
    spec.reference_images = std::move(request.reference_images);
    spec.aspect_ratio = std::move(request.aspect_ratio);
    spec.size_tier = capabilities.at("default_size_tier").get<std::string>();
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
    if (!size) {  // unreachable while the contract's ratios match the size table (a unit test checks it)
      return context_.invalid({"aspect_ratio", "enum", "aspect_ratio: " + spec.aspect_ratio + " is not available for " + spec.model});
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

  HttpResponse get_task(ProviderCall& call, const std::string& task_id) {
    call.info.job_id = task_id;
    const JobView* job = context_.engine().find(task_id);
    // new-api only shows a key its own tasks: another key's task does not exist for it.
    if (job == nullptr || job->spec.provider != contract_.id() || job->spec.api_key != call.api_key) {
      return context_.error("task_not_exist");
    }
    return core::json_response(contract_.lifecycle(to_string(job->state)).at("http_status").get<int>(),
                               task_envelope(call, *job));
  }

  /// {"code":"success","message":"","data":{task_id, status, progress, result_url, metadata, error}}.
  json task_envelope(const ProviderCall& call, const JobView& job) const {
    json urls = json::array();
    for (const OutputFile& file : job.outputs) urls.push_back(ProviderContext::file_url(call.origin, file));
    json data = {{"task_id", job.id},
                 {"status", contract_.lifecycle(to_string(job.state)).at("wire")},
                 {"progress", std::to_string(job.progress_percent) + "%"},
                 {"result_url", urls.empty() ? json(nullptr) : urls.front()},
                 {"metadata",
                  {{"task_type", job.spec.wire_request.value("task_type", "text2image")},
                   {"result_count", urls.size()},
                   {"model", job.spec.model}}},
                 {"error", nullptr}};
    if (!urls.empty()) data["result_urls"] = urls;
    if (job.state == JobState::failed) {
      json error = contract_.failure_kind(job.failure_kind).at("wire").at("error");
      if (!job.failure_message.empty()) error["message"] = job.failure_message;
      data["error"] = error;
    }
    return {{"code", "success"}, {"message", ""}, {"data", data}};
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_nanoseries(core::ProviderContext& context) {
  return std::make_unique<Nanoseries>(context);
}

}  // namespace nanosim::providers
