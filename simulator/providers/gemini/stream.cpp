#include "stream.hpp"

namespace nanosim::providers::gemini {
namespace {

using core::json;

/// The chunks of a 200 answer: each text part alone (no finishReason yet, usage of the prompt only), then the rest.
std::vector<json> chunks_of(const json& answer) {
  const auto candidates = answer.find("candidates");
  if (candidates == answer.end() || candidates->empty() || !candidates->at(0).contains("content")) return {answer};
  const json& candidate = candidates->at(0);
  json head = answer;
  head.erase("candidates");
  json usage = answer.at("usageMetadata");
  json prompt_usage = {{"promptTokenCount", usage.at("promptTokenCount")}, {"totalTokenCount", usage.at("promptTokenCount")}};
  if (usage.contains("promptTokensDetails")) prompt_usage["promptTokensDetails"] = usage.at("promptTokensDetails");
  std::vector<json> out;
  json rest = json::array();
  for (const json& part : candidate.at("content").at("parts")) {
    if (!part.contains("text")) {
      rest.push_back(part);
      continue;
    }
    json chunk = head;
    chunk["usageMetadata"] = prompt_usage;
    chunk["candidates"] = json::array({{{"content", {{"role", "model"}, {"parts", json::array({part})}}}, {"index", 0}}});
    out.push_back(std::move(chunk));
  }
  json last = answer;
  last["candidates"][0]["content"]["parts"] = std::move(rest);
  if (last["candidates"][0]["content"]["parts"].empty() && !out.empty()) last["candidates"][0].erase("content");
  out.push_back(std::move(last));
  return out;
}

HttpResponse stream_of(const core::ProviderCall& call, const std::vector<json>& events, int status) {
  const bool sse = call.http.query_param("alt").value_or("") == "sse";
  HttpResponse response;
  response.status = status;
  if (sse) {
    for (const json& event : events) {
      response.body += "data: " + event.dump(-1, ' ', false, json::error_handler_t::replace) + "\r\n\r\n";
    }
    response.set_header("Content-Type", "text/event-stream");
  } else {
    response.body = json(events).dump(-1, ' ', false, json::error_handler_t::replace);
    response.set_header("Content-Type", "application/json");
  }
  return response;
}

}  // namespace

bool stream_opened(const core::ProviderContext& context, const core::ProviderCall& call) {
  if (call.info.job_id.empty()) return false;
  const JobView* job = context.engine().find(call.info.job_id);
  return job != nullptr && job->started_at.has_value();
}

HttpResponse stream_answer(const core::ProviderCall& call, HttpResponse answer, bool opened) {
  if (answer.fault != ConnectionFault::none) return answer;
  if (answer.status == 200) {
    const json body = json::parse(answer.body, nullptr, false);
    if (body.is_discarded()) return answer;
    return stream_of(call, chunks_of(body), 200);
  }
  if (!opened) return answer;
  const json error = json::parse(answer.body, nullptr, false);
  if (error.is_discarded()) return answer;
  HttpResponse out = stream_of(call, {error}, 200);
  for (const auto& [name, value] : answer.headers) {
    if (name != "Content-Type" && !out.header(name)) out.headers.emplace(name, value);
  }
  return out;
}

}  // namespace nanosim::providers::gemini
