// Rules that start generations (paid on a live provider, so within --budget): the submit's answer, the lifecycle
// words and codes a job walks through, the result, the result files, and a cancel where the provider has one.
#include <algorithm>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

using contracts::Contract;

std::string mime_of(const std::string& format) {
  if (format == "jpeg" || format == "jpg") return "image/jpeg";
  return "image/" + format;
}

/// The main generation, or a skip saying why there is none.
GenerationRun* main_run(Session& s, Outcome& o) {
  if (s.api_key.empty()) {
    o.skip("needs --api-key");
    return nullptr;
  }
  const bool first = s.generations == 0;
  GenerationRun* run = s.main_generation();
  if (run == nullptr) o.skip("the budget allows no more generations");
  else if (first) o.result().generations = 1;
  return run;
}

void submit_rule(Session& s, Outcome& o) {
  GenerationRun* run = main_run(s, o);
  if (run == nullptr) return;
  if (!run->submit || !run->submit->response) return o.fail("the submit got no answer", {}, run->submit);
  if (!o.expect_clean("the submit's answer", check_response(s.contract, run->submit->request, *run->submit->response), *run->submit)) return;
  if (!run->submission) o.fail("the reference client could not read the submit: " + client::to_string(*run->error), {}, run->submit);
}

int rank(client::JobState state) {
  switch (state) {
    case client::JobState::queued: return 0;
    case client::JobState::running: return 1;
    default: return 2;
  }
}

/// Each status answer: the operation's shape, the lifecycle word of its state and its HTTP status, never back.
void lifecycle_rule(Session& s, Outcome& o) {
  GenerationRun* run = main_run(s, o);
  if (run == nullptr) return;
  if (!run->submission) return o.skip("the submit failed (see submit.answer)");
  int previous = 0;
  for (const auto& [ex, status] : run->polls) {
    if (!ex.response) return o.fail("a poll got no answer: " + ex.transport_error, {}, ex);
    if (!o.expect_clean("a status answer", check_response(s.contract, ex.request, *ex.response), ex)) return;
    if (!status) return o.fail("the reference client could not read a status: " + client::to_string(status.error()), {}, ex);
    const std::string state(to_string(status->state));
    const json& entry = s.contract.lifecycle(state);
    const std::string pointer = "/lifecycle/" + state;
    if (entry.contains("http_status") && entry.at("http_status") != ex.response->status) {
      Breach b{"http_status", pointer + "/http_status", "", "a " + state + " job answers HTTP " + entry.at("http_status").dump() +
                                                               ", got " + std::to_string(ex.response->status), entry.value("provenance", json())};
      return o.fail(b.message, {b}, ex);
    }
    if (entry.contains("wire") && entry.at("wire").is_string() &&
        ex.response->body.find('"' + entry.at("wire").get<std::string>() + '"') == std::string::npos) {
      Breach b{"wire", pointer + "/wire", "", "a " + state + " job's status says " + entry.at("wire").dump(), entry.value("provenance", json())};
      return o.fail(b.message, {b}, ex);
    }
    if (rank(status->state) < previous) {
      Breach b{"order", "/lifecycle", "", "the job went back to " + state, nullptr};
      return o.fail(b.message, {b}, ex);
    }
    previous = rank(status->state);
  }
  if (run->final_state != client::JobState::succeeded) {
    return o.fail("the job must end succeeded: " + (run->error ? client::to_string(*run->error) : std::string("it did not")),
                  {}, run->polls.empty() ? run->submit : std::optional<Exchange>(run->polls.back().first));
  }
}

void result_rule(Session& s, Outcome& o) {
  GenerationRun* run = main_run(s, o);
  if (run == nullptr) return;
  if (!run->submission) return o.skip("the submit failed (see submit.answer)");
  for (const Exchange& ex : run->result_exchanges) {
    if (!ex.response) return o.fail("the result request got no answer: " + ex.transport_error, {}, ex);
    if (!o.expect_clean("the result's answer", check_response(s.contract, ex.request, *ex.response), ex)) return;
  }
  const std::optional<Exchange> evidence = run->result_exchanges.empty() ? run->submit : std::optional(run->result_exchanges.back());
  if (!run->result) return o.fail("no result: " + (run->error ? client::to_string(*run->error) : std::string("none read")), {}, evidence);
  if (static_cast<int>(run->result->images.size()) != s.request.count) {
    o.fail("the result must hold " + std::to_string(s.request.count) + " image(s), it holds " +
               std::to_string(run->result->images.size()), {}, evidence);
  }
}

/// Each image: served with a content type of the model's output formats, its bytes of that type, and the
/// dimensions the model's aspect ratio and size tier give.
void files_rule(Session& s, Outcome& o) {
  GenerationRun* run = main_run(s, o);
  if (run == nullptr) return;
  if (!run->result) return o.skip("no result to read files from (see result.answer)");
  const json& model = *s.contract.model(s.request.model);
  const json& caps = model.at("capabilities");
  std::vector<std::string> mimes;
  for (const auto& format : caps.value("output_formats", json::array({"png"}))) mimes.push_back(mime_of(format.get<std::string>()));
  const auto expected = contracts::image_dimensions(model.at("upstream").get<std::string>(), s.request.aspect_ratio, s.size_tier);
  const json provenance = caps.value("provenance", json());
  std::size_t download = 0;
  for (const auto& image : run->result->images) {
    std::string served;
    std::string bytes;
    std::optional<Exchange> ex;
    if (image.inline_bytes) {
      served = image.content_type;
      bytes = *image.inline_bytes;
    } else {
      if (download >= run->downloads.size()) return o.fail("the image has neither a URL nor inline bytes");
      ex = run->downloads[download++];
      if (!ex->response) return o.fail("the file got no answer: " + ex->transport_error, {}, ex);
      if (ex->response->status != 200) return o.fail("the file must be served with HTTP 200, got " + std::to_string(ex->response->status), {}, ex);
      served = ex->response->content_type().substr(0, ex->response->content_type().find(';'));
      bytes = ex->response->body;
    }
    const auto info = read_image_header(bytes);
    std::vector<Breach> breaches;
    const std::string pointer = "/models/" + s.request.model + "/capabilities";
    if (std::find(mimes.begin(), mimes.end(), served) == mimes.end()) {
      breaches.push_back({"content_type", pointer + "/output_formats", "header Content-Type", "served as " + served + ", not one of the model's formats", provenance});
    }
    if (!info || info->mime != served) {
      breaches.push_back({"content_type", pointer + "/output_formats", "", "the bytes are " + (info ? info->mime : std::string("no image")) + ", served as " + served, provenance});
    } else if (expected && (info->width != expected->first || info->height != expected->second)) {
      breaches.push_back({"dimensions", "/shared/image-sizes.json", "", "the image is " + std::to_string(info->width) + "x" + std::to_string(info->height) + ", " +
                          s.request.aspect_ratio + " at " + s.size_tier + " is " + std::to_string(expected->first) + "x" + std::to_string(expected->second),
                          contracts::image_size_table().value("provenance", json())});
    }
    if (info && image.width != 0 && (image.width != info->width || image.height != info->height)) {
      breaches.push_back({"dimensions", pointer, "", "the answer says " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                          ", the file is " + std::to_string(info->width) + "x" + std::to_string(info->height), provenance});
    }
    if (!breaches.empty()) {
      std::string reason = breaches.front().message;
      return o.fail(std::move(reason), std::move(breaches), ex ? ex : run->submit);
    }
  }
}

/// A job cancelled at once reads cancelled (or the cancel says it had already ended).
void cancel_rule(Session& s, Outcome& o) {
  if (s.api_key.empty()) return o.skip("needs --api-key");
  if (!s.take_generation()) return o.skip("the budget allows no more generations");
  o.result().generations = 1;
  std::vector<Exchange> log;
  auto c = s.make_client(s.api_key, log);
  auto submitted = c.submit(s.request);
  if (!submitted) return o.fail("the submit failed: " + client::to_string(submitted.error()), {}, log.empty() ? std::nullopt : std::optional(log.back()));
  log.clear();
  auto cancelled = c.cancel(*submitted);
  if (log.empty() || !log.back().response) return o.fail("the cancel got no answer", {}, log.empty() ? std::nullopt : std::optional(log.back()));
  const Exchange cancel = log.back();
  if (!o.expect_clean("the cancel's answer", check_response(s.contract, cancel.request, *cancel.response), cancel)) return;
  if (!cancelled) return o.fail("the reference client could not read the cancel: " + client::to_string(cancelled.error()), {}, cancel);
  if (*cancelled != client::CancelOutcome::requested) return;  // it ended first: the answer said so, in shape
  log.clear();
  auto status = c.status(*submitted);
  if (log.empty() || !log.back().response) return o.fail("the status after the cancel got no answer");
  const Exchange poll = log.back();
  if (!o.expect_clean("the cancelled job's status", check_response(s.contract, poll.request, *poll.response), poll)) return;
  if (!status || status->state != client::JobState::cancelled) {
    const json& entry = s.contract.lifecycle("cancelled");
    Breach b{"wire", "/lifecycle/cancelled", "", "a cancelled job's status must say " + entry.value("wire", json()).dump(), entry.value("provenance", json())};
    o.fail(b.message, {b}, poll);
  }
}

}  // namespace

std::vector<RuleSpec> generation_rules(const Session& session) {
  const Contract& contract = session.contract;
  std::vector<RuleSpec> out;
  const auto submit = session.submit_request();
  std::string submit_op = "submit";
  json submit_provenance;
  if (submit) {
    if (const auto match = contract.match(submit->method, submit->path)) {
      submit_op = match->operation->name;
      submit_provenance = match->operation->raw.value("provenance", json());
    }
  }
  const bool synchronous = session.protocol->traits().synchronous;
  out.push_back({"submit.answer", "a generation's submit is answered in the operation's documented shape", "generation",
                 "/operations/" + submit_op + "/responses", submit_provenance, submit_rule});
  if (!synchronous) {
    out.push_back({"status.lifecycle", "each status poll says the lifecycle word of the job's state with its HTTP status, and the job ends succeeded",
                   "generation", "/lifecycle", contract.lifecycle("succeeded").value("provenance", json()), lifecycle_rule});
  }
  out.push_back({"result.answer", "the result is in the documented shape and holds the images asked for", "generation",
                 "/operations", submit_provenance, result_rule});
  const json* model = contract.model(session.request.model);
  out.push_back({"file.content", "each image is served with a declared content type and the documented dimensions", "generation",
                 "/models/" + session.request.model + "/capabilities", model->at("capabilities").value("provenance", json()), files_rule});
  if (session.protocol->traits().cancellable) {
    out.push_back({"cancel.cancelled", "a job cancelled at once answers in the documented shape and reads cancelled", "generation",
                   "/lifecycle/cancelled", contract.lifecycle("cancelled").value("provenance", json()), cancel_rule});
  }
  return out;
}

}  // namespace nanosim::conformance
