// Nano series (seed 004): the NanoBanana family behind a new-api gateway. The asynchronous image task API
// (POST /v1/images/tasks, GET /v1/images/tasks/{task_id}) in new-api's {code, message, data} envelope, plus the
// synchronous OpenAI-compatible and Gemini-compatible faces (nanoseries/openai.cpp, nanoseries/gemini.cpp).
// Every rule, word and error body comes from contracts/providers/nanoseries.json.
#include "../core/wire.hpp"
#include "gemini/stream.hpp"
#include "nanoseries/family.hpp"
#include "newapi/models.hpp"

namespace nanosim::providers {
namespace {

using nanoseries::Family;
using nanoseries::NanoRequest;
using core::json;
using core::ProviderCall;
using core::ProviderContext;

class Nanoseries final : public core::ProviderAdapter {
 public:
  explicit Nanoseries(ProviderContext& context)
      : context_(context), contract_(context.contract()), family_(context) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) return route_error(call, route.error_kind);
    const auto& op = *route.match->operation;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;

    if (op.name == "create_task") return create_task(call, op);
    if (op.name == "get_task") return get_task(call, route.match->params.at("task_id"));
    if (op.name == "list_models") return newapi::model_list(context_, call);
    if (op.name == "generate_image") return nanoseries::openai_generate(family_, call, op);
    if (op.name == "edit_image") return nanoseries::openai_edit(family_, call, op);
    if (op.name == "gemini_generate") return nanoseries::gemini_generate(family_, call, op, route.match->params.at("model"));
    if (op.name == "gemini_stream_generate") {  // errors come before the gateway's stream opens (contract)
      HttpResponse answer = nanoseries::gemini_generate(family_, call, op, route.match->params.at("model"));
      return gemini::stream_answer(call, std::move(answer), false);
    }
    return route_error(call, "route_not_found");
  }

 private:
  HttpResponse route_error(const ProviderCall& call, const std::string& kind) {
    return context_.error(kind, {{"method", call.http.method}, {"path", call.path}});
  }

  HttpResponse create_task(ProviderCall& call, const contracts::Operation& op) {
    auto checked = family_.check_json(call, op, "invalid_request");
    if (auto* refused = std::get_if<HttpResponse>(&checked)) return std::move(*refused);
    json& body = std::get<json>(checked);

    NanoRequest request;
    request.model_id = body.at("model").get<std::string>();
    request.prompt = body.at("prompt").get<std::string>();
    request.reference_images = nanoseries::reference_images(body);
    request.aspect_ratio = body.at("aspect_ratio").get<std::string>();
    request.output_format = body.at("output_format").get<std::string>();
    request.count = body.at("n").get<int>();
    // task_type may be left out: image inputs make it an edit (seed 004, request parameters).
    body["task_type"] = body.value("task_type", request.reference_images.empty() ? "text2image" : "image2image");
    request.wire = body;
    auto submitted = family_.submit(call, std::move(request), "invalid_request");
    if (auto* refused = std::get_if<HttpResponse>(&submitted)) return std::move(*refused);
    return core::json_response(200, task_envelope(call, *std::get<const JobView*>(submitted)));
  }

  HttpResponse get_task(ProviderCall& call, const std::string& task_id) {
    call.info.job_id = task_id;
    const JobView* job = context_.engine().find(task_id);
    // new-api only shows a key its own tasks: another key's task does not exist for it. The job behind a
    // synchronous face is no task either: only the task face's jobs carry a task_type (create_task sets it).
    if (job == nullptr || job->spec.provider != contract_.id() || job->spec.api_key != call.api_key ||
        !job->spec.wire_request.contains("task_type")) {
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
  Family family_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_nanoseries(core::ProviderContext& context) {
  return std::make_unique<Nanoseries>(context);
}

}  // namespace nanosim::providers
