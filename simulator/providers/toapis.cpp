// ToAPIs (seed 003): a task API. POST /v1/images/generations creates a task (queued); GET
// /v1/images/generations/{task_id} reports queued, in_progress, completed (url, result, expires_at) or failed.
// An image model sent to POST /v1/chat/completions gets new-api's "invalid api type" error (the seed's FAQ).
// Every rule, default, status word and error body comes from contracts/providers/toapis.json.
#include <variant>

#include "../core/provider.hpp"
#include "../core/wire.hpp"
#include "newapi/models.hpp"
#include "toapis/form_body.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;

class Toapis final : public core::ProviderAdapter {
 public:
  explicit Toapis(ProviderContext& context) : context_(context), contract_(context.contract()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) return context_.error(route.error_kind, {{"method", call.http.method}, {"path", call.path}});
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;

    if (op.name == "create_task") return create_task(call, op);
    if (op.name == "get_task") return get_task(call, route.match->params.at("task_id"));
    if (op.name == "list_models") return newapi::model_list(context_, call);
    return chat_completions(call, op);
  }

 private:
  /// The body as JSON when it satisfies the operation's schema; otherwise the documented 400 (or 413). With
  /// `uploads`, a multipart/form-data body is read too (contract request.multipart: toapis/form_body.hpp).
  using CheckedBody = std::variant<json, HttpResponse>;
  CheckedBody checked_body(const ProviderCall& call, const contracts::Operation& op,
                           std::vector<toapis::Upload>* uploads = nullptr) {
    const bool form = uploads != nullptr && op.raw.at("request").contains("multipart") &&
                      call.http.header("Content-Type").value_or("").rfind("multipart/form-data", 0) == 0;
    json value;
    if (form) {
      const auto parts = call.http.form.empty()
                             ? parse_multipart(call.http.header("Content-Type").value_or(""), call.http.body)
                             : std::optional<std::vector<FormPart>>(call.http.form);
      if (!parts) return CheckedBody(std::in_place_index<1>, context_.invalid({"", "multipart", "body: must be valid multipart/form-data"}));
      auto read = toapis::read_form(op, *parts);
      if (auto* refused = std::get_if<contracts::Violation>(&read)) return CheckedBody(std::in_place_index<1>, context_.invalid(*refused));
      auto& body = std::get<toapis::FormBody>(read);
      value = std::move(body.body);
      *uploads = std::move(body.uploads);
    } else {
      core::JsonBody body = context_.parse_json(call.http);
      if (body.violation) return CheckedBody(std::in_place_index<1>, context_.invalid(*body.violation, body.error_kind));
      value = std::move(body.value);
    }
    if (auto violations = context_.validate_request(call, op, value); !violations.empty()) {
      return CheckedBody(std::in_place_index<1>, context_.invalid(violations.front()));
    }
    if (uploads != nullptr && !uploads->empty()) {
      const auto limit = op.request_schema->document().at("properties").at("reference_images").at("maxItems").get<std::size_t>();
      if (value.contains("image_urls") || value.contains("reference_images")) {
        return CheckedBody(std::in_place_index<1>, context_.invalid({"reference_images", "not", "reference_images: uploads cannot be sent with URLs"}));
      }
      if (uploads->size() > limit) {
        return CheckedBody(std::in_place_index<1>, context_.invalid({"reference_images", "maxItems", "reference_images: must have at most " + std::to_string(limit) + " items (got " + std::to_string(uploads->size()) + ")"}));
      }
    }
    return CheckedBody(std::in_place_index<0>, std::move(value));
  }

  HttpResponse create_task(ProviderCall& call, const contracts::Operation& op) {
    std::vector<toapis::Upload> uploads;
    auto checked = checked_body(call, op, &uploads);
    if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
    json body = std::get<json>(std::move(checked));
    contracts::Contract::apply_defaults(*op.request_schema, body);
    const std::string model_id = body.at("model").get<std::string>();
    const json& model = *contract_.model(model_id);  // the schema's enum admits contract models only
    if (!context_.model_enabled(call.api_key, model_id)) return context_.error("model_not_enabled", {{"model", model_id}});

    const auto references =
        core::image_references(body, body.contains("reference_images") ? "reference_images" : "image_urls");
    if (auto refused = context_.check_references(call, references)) return *refused;

    JobSpec spec;
    spec.provider = contract_.id();
    spec.model = model_id;
    spec.upstream_model = model.at("upstream").get<std::string>();
    spec.prompt = body.at("prompt").get<std::string>();
    spec.reference_images = core::reference_values(references);
    for (const toapis::Upload& upload : uploads) {
      spec.reference_images.push_back(upload.field + ": " + upload.note);
      call.notes.push_back(upload.field + ": " + upload.note);
    }
    spec.aspect_ratio = body.at("size").get<std::string>();
    spec.size_tier = core::size_tier(resolution(op, body));
    spec.count = body.at("n").get<int>();
    spec.api_key = call.api_key;
    spec.wire_request = body;
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) {
      return context_.invalid({"size", "enum", "size: " + spec.aspect_ratio + " is not available at resolution " +
                                                   spec.size_tier + " for " + model_id});
    }
    std::tie(spec.width, spec.height) = *size;

    const JobView& job = context_.submit(call, std::move(spec), model);
    return core::json_response(200, task_body(job));
  }

  /// metadata.resolution, or the schema's default for it.
  static json resolution(const contracts::Operation& op, const json& body) {
    const auto metadata = body.find("metadata");
    if (metadata != body.end() && metadata->contains("resolution")) return metadata->at("resolution");
    return op.request_schema->document().at("properties").at("metadata").at("properties").at("resolution").at("default");
  }

  HttpResponse get_task(ProviderCall& call, const std::string& task_id) {
    call.info.job_id = task_id;
    const JobView* job = context_.engine().find(task_id);
    // A task belongs to the key that created it (new-api scopes tasks by user): any other key is told it does not exist.
    if (job == nullptr || job->spec.provider != contract_.id() || job->spec.api_key != call.api_key) {
      return context_.error("task_not_found");
    }
    json body = task_body(*job);
    if (job->state == JobState::succeeded) add_result(call, *job, body);
    if (job->state == JobState::failed) {
      json error = contract_.failure_kind(job->failure_kind).at("wire").at("error");
      if (!job->failure_message.empty()) error["message"] = job->failure_message;
      body["error"] = std::move(error);
    }
    return core::json_response(contract_.lifecycle(to_string(job->state)).value("http_status", 200), body);
  }

  /// The fields every task answer carries: the submit answer is this at status queued.
  json task_body(const JobView& job) const {
    return {{"id", job.id},
            {"object", "generation.task"},
            {"model", job.spec.model},
            {"status", contract_.lifecycle(to_string(job.state)).at("wire")},
            {"progress", job.progress_percent},
            {"created_at", unix_seconds(job.submitted_at)},
            {"metadata", json::object()}};
  }

  void add_result(const ProviderCall& call, const JobView& job, json& body) const {
    json images = json::array();
    for (const OutputFile& file : job.outputs) {
      images.push_back({{"url", ProviderContext::file_url(call.origin, file)},
                        {"width", file.image.width},
                        {"height", file.image.height}});
    }
    body["completed_at"] = unix_seconds(*job.finished_at);
    if (!images.empty()) body["url"] = images.front().at("url");
    body["expires_at"] = unix_seconds(job.files_expire_at.value_or(*job.finished_at));
    body["result"] = {{"type", "image"}, {"data", std::move(images)}};
  }

  std::int64_t unix_seconds(Millis at) const { return context_.unix_ms(at) / 1000; }

  /// The seed's FAQ: image models do not go through the chat endpoint.
  HttpResponse chat_completions(ProviderCall& call, const contracts::Operation& op) {
    auto checked = checked_body(call, op);
    if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
    const std::string model_id = std::get<json>(checked).at("model").get<std::string>();
    if (contract_.model(model_id) != nullptr) {
      if (!context_.model_enabled(call.api_key, model_id)) return context_.error("model_not_enabled", {{"model", model_id}});
      return context_.error("invalid_api_type");
    }
    return context_.error("model_unavailable", {{"model", model_id}});
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_toapis(core::ProviderContext& context) {
  return std::make_unique<Toapis>(context);
}

}  // namespace nanosim::providers
