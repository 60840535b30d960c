// odirouter (seed 000): a fal.ai-style queue. Submit, status (202 while queued/running, 200 when COMPLETED),
// response (202 until done), cancel. Every rule and body shape comes from contracts/providers/odirouter.json.
#include <cmath>

#include "../core/provider.hpp"
#include "../core/wire.hpp"
#include "nanosim/json_text.hpp"

namespace nanosim::providers {
namespace {

using core::json;
using core::ProviderCall;
using core::ProviderContext;
using nanosim::JsonObjectText;

class Odirouter final : public core::ProviderAdapter {
 public:
  explicit Odirouter(ProviderContext& context)
      : context_(context),
        contract_(context.contract()),
        result_path_(contract_.operation("result").path),
        status_path_(contract_.operation("status").path),
        cancel_path_(contract_.operation("cancel").path),
        result_pending_202_(contract_.operation("result").response_schemas.count(202) != 0),
        retention_(contract_.document().at("files").at("retention_ms").get<std::int64_t>()) {}

  HttpResponse handle(ProviderCall& call) override {
    const auto route = core::route(contract_, call);
    if (!route.match) return context_.error(route.error_kind);
    const auto& op = *route.match->operation;
    const auto& params = route.match->params;
    call.info.operation = op.name;
    if (auto refused = context_.sign_in(call)) return *refused;

    // A key limited to some models (Options::models_per_key) is refused any other, on every queue path.
    if (contract_.model(params.at("model")) != nullptr && !context_.model_enabled(call.api_key, params.at("model"))) {
      return context_.error("model_not_allowed", {{"model", params.at("model")}});
    }
    if (op.name == "submit") return submit(call, op, params.at("model"));
    if (op.name == "status_stream") return context_.error("sse_not_supported");
    call.info.job_id = params.at("request_id");
    const JobView* job = context_.engine().find(params.at("request_id"));
    // A request belongs to the key that submitted it: any other key is told it does not exist.
    const bool known = job != nullptr && job->spec.provider == contract_.id() && job->spec.model == params.at("model") &&
                       job->spec.api_key == call.api_key;
    if (op.name == "cancel") return cancel(known ? job : nullptr);
    if (!known) return context_.error("request_not_found");
    if (op.name == "status") {
      if (auto violations = contract_.validate_query(op, call.http.query); !violations.empty()) {
        const contracts::Violation& first = violations.front();  // a query parameter: loc ["query", field]
        return context_.error("invalid_request", {{"message", first.message}, {"field", first.field},
                                                  {"rule", first.rule}, {"location", "query"}});
      }
      return status_body(call, *job, core::flag(call.http.query_param("logs")));
    }
    return result(call, *job);
  }

 private:
  HttpResponse submit(ProviderCall& call, const contracts::Operation& op, const std::string& model_id) {
    const json* model = contract_.model(model_id);
    if (model == nullptr) return context_.error("app_not_found", {{"model", model_id}});
    core::JsonBody body = context_.parse_json(call.http);
    if (auto refused = contract_.unsupported_parameter(op, call.http, body.value)) return context_.error(*refused);
    if (body.violation) return context_.invalid(*body.violation, body.error_kind);
    if (auto violations = context_.validate_request(call, op, body.value, model_id); !violations.empty()) {
      return context_.invalid(violations.front());
    }
    if (const auto* schema = contract_.model_request_schema(model_id)) contracts::Contract::apply_defaults(*schema, body.value);

    // fal's file_download_error for a reference the queue cannot fetch (here: one of the simulator's own files),
    // its image_load_error for a data: URI that holds no image.
    const auto references = core::image_references(body.value, "image_urls");
    if (auto refused = context_.check_references(call, references, "image_unreachable", "image_load_error")) {
      return *refused;
    }

    JobSpec spec;
    spec.provider = contract_.id();
    spec.model = model_id;
    spec.upstream_model = model->at("upstream").get<std::string>();
    spec.prompt = body.value.at("prompt").get<std::string>();
    spec.reference_images = core::reference_values(references);
    spec.aspect_ratio = body.value.value("aspect_ratio", std::string("1:1"));
    spec.size_tier = core::size_tier(body.value.contains("image_size") ? body.value.at("image_size")
                                                                       : body.value.value("resolution", json("1K")));
    const auto modalities = body.value.value("response_modalities", std::vector<std::string>{"Text", "Image"});
    spec.wants_text = std::find(modalities.begin(), modalities.end(), "Text") != modalities.end();
    spec.api_key = call.api_key;
    spec.wire_request = body.value;
    const auto size = ProviderContext::dimensions(spec.upstream_model, spec.aspect_ratio, spec.size_tier);
    if (!size) {
      return context_.invalid({"image_size", "enum",
                               "image_size: " + spec.size_tier + " is not available at aspect_ratio " + spec.aspect_ratio +
                                   " for " + model_id});
    }
    std::tie(spec.width, spec.height) = *size;

    const JobView& job = context_.submit(call, std::move(spec), *model);
    HttpResponse response = core::json_response(200);
    JsonObjectText out(response.body);
    urls(out, call, job, [&] { out.integer("queue_position", job.queue_position.value_or(0)); });
    out.close();
    return response;
  }

  /// The members every queue answer has: request_id, status and the three URLs (built from the contract's own path
  /// templates), written in key order with `middle`'s members (those that sort between "cancel_url" and
  /// "request_id") in their place.
  template <typename Middle>
  void urls(JsonObjectText& out, const ProviderCall& call, const JobView& job, Middle middle) const {
    const core::PathParams params{{"model", job.spec.model}, {"request_id", job.id}};
    std::string url;
    auto write_url = [&](const char* key, const std::string& path) {
      url.assign(call.base_url);
      core::append_expanded(url, path, params);
      out.string(key, url);
    };
    write_url("cancel_url", cancel_path_);
    middle();
    out.string("request_id", job.id);
    write_url("response_url", result_path_);
    out.value("status", contract_.lifecycle(to_string(job.state)).at("wire"));
    write_url("status_url", status_path_);
  }

  HttpResponse status_body(const ProviderCall& call, const JobView& job, bool with_logs) const {
    HttpResponse response = core::json_response(contract_.lifecycle(to_string(job.state)).at("http_status").get<int>());
    JsonObjectText out(response.body);
    urls(out, call, job, [&] {
      if (job.state == JobState::failed || job.state == JobState::cancelled) {
        const json& wire = contract_.failure_kind(job.failure_kind).at("wire");
        if (job.failure_message.empty()) {
          out.value("error", wire.at("error"));
        } else {
          out.string("error", job.failure_message);
        }
        out.value("error_type", wire.at("error_type"));
      }
      if (job.state != JobState::queued) out.value("logs", with_logs ? logs(job) : json::array());
      // The seconds actually spent running: none (no metrics) for a request cancelled before it started.
      if (is_terminal(job.state) && job.started_at && job.finished_at) {
        const Millis spent = *job.finished_at - *job.started_at;
        out.value("metrics", {{"inference_time", std::round(static_cast<double>(spent.count()) / 10.0) / 100.0}});
      }
      if (job.state == JobState::queued) out.integer("queue_position", job.queue_position.value_or(0));
    });
    out.close();
    return response;
  }

  json logs(const JobView& job) const {
    json out = json::array();
    const auto entry = [&](Millis at, std::string message, const char* level) {
      out.push_back({{"message", std::move(message)}, {"level", level}, {"source", "USER"},
                     {"timestamp", context_.iso8601(at)}});
    };
    if (!job.started_at) return out;
    entry(*job.started_at, "Starting generation with " + job.spec.upstream_model, "INFO");
    if (job.state == JobState::running) entry(context_.engine().now(), "Progress " + std::to_string(job.progress_percent) + "%", "INFO");
    if (job.state == JobState::succeeded) entry(*job.finished_at, "Generation complete", "INFO");
    if (job.state == JobState::failed) entry(*job.finished_at, "Generation failed", "ERROR");
    return out;
  }

  HttpResponse result(const ProviderCall& call, const JobView& job) const {
    if (!is_terminal(job.state)) {
      HttpResponse pending = status_body(call, job, false);
      pending.status = result_pending_202_ ? 202 : pending.status;
      return pending;
    }
    // The result is kept for the contract's retention (files.retention_ms) after the request ends: then it is gone.
    // (A scenario may expire the files sooner; the response still lists their URLs until then.)
    if (job.finished_at && context_.engine().now() >= *job.finished_at + retention_) {
      return context_.error("request_not_found", {{"request_id", job.id}});
    }
    if (job.state != JobState::succeeded) {
      return context_.error(contract_.failure_kind(job.failure_kind).at("error").get<std::string>(),
                            {{"request_id", job.id}});
    }
    HttpResponse response = core::json_response(200);
    JsonObjectText out(response.body);
    if (job.spec.wants_text) out.string("description", core::describe(job.spec));
    JsonObjectText(out.member("metadata")).string("prompt", job.spec.prompt).close();
    std::string& outputs = out.member("outputs");
    outputs += '[';
    for (const OutputFile& file : job.outputs) {
      if (&file != &job.outputs.front()) outputs += ',';
      const std::string_view extension = images::file_extension(file.image.format);
      std::string file_name;
      file_name.reserve(file.token.size() + 1 + extension.size());
      file_name.append(file.token).append(".").append(extension);
      JsonObjectText(outputs)
          .string("content_type", images::mime_type(file.image.format))
          .string("file_name", file_name)
          .integer("height", file.image.height)
          .string("type", "image")
          .string("url", ProviderContext::file_url(call.origin, file))
          .integer("width", file.image.width)
          .close();
    }
    outputs += ']';
    out.string("request_id", job.id);
    out.close();
    return response;
  }

  HttpResponse cancel(const JobView* job) {
    if (job == nullptr) return context_.error("cancel_not_found");
    switch (context_.engine().cancel(job->id)) {
      case core::CancelOutcome::cancelled: return core::json_response(202, {{"status", "CANCELLATION_REQUESTED"}});
      case core::CancelOutcome::already_terminal: return context_.error("cancel_already_completed");
      case core::CancelOutcome::not_found: break;
    }
    return context_.error("cancel_not_found");
  }

  ProviderContext& context_;
  const contracts::Contract& contract_;
  // Contract facts every request reads, looked up once.
  const std::string& result_path_;
  const std::string& status_path_;
  const std::string& cancel_path_;
  const bool result_pending_202_;
  const Millis retention_;
};

}  // namespace

std::unique_ptr<core::ProviderAdapter> make_odirouter(core::ProviderContext& context) {
  return std::make_unique<Odirouter>(context);
}

}  // namespace nanosim::providers
