#pragma once
// The fault engine: installed scenarios, their per-rule counters and rate-limit windows, and the effects they
// apply. Consulted by the simulator before a provider adapter runs (errors, rate limits, latency, background
// load), when a job is created (fates) and on the adapter's answer (connection and body faults).
//
// Determinism: a rule's counter advances once per request its filters let through, in arrival order; a
// probability or latency draw is a pure function of (seed, scenario, rule, counter).
// Threading: not thread-safe; the simulator calls it under its lock.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nanosim/http_message.hpp"
#include "nanosim/job.hpp"
#include "nanosim/scenario.hpp"
#include "nanosim/simulator.hpp"

namespace nanosim::core {

class ProviderContext;

/// What a trigger can see of a request (known before the adapter runs).
struct RequestFacts {
  std::string provider;
  std::string operation;  // contract operation name, "file", or "" when no operation matched
  std::string model;
  std::optional<std::string> prompt;
  std::string api_key;
  std::string job_id;  // a path parameter other than the model (the job the request is about), if any
  Millis now{0};
  std::vector<std::string> header_scenarios;  // named by X-Nanosim-Scenario
  std::string method;
  std::string path;                             // as the client sent it, without the query string
  const HttpRequest* request = nullptr;         // its headers and query (header triggers, templates)
  std::shared_ptr<const nlohmann::json> body;   // the JSON body, or a form's plain fields; null when neither
};

/// The scenarios' verdict on one request.
struct FaultDecision {
  std::optional<HttpResponse> answer;  // an injected error: the adapter does not run
  Millis latency{0};
  std::string fault;
  Millis trickle_interval{0};
  /// patch_response edits of whatever answer goes out (templates already filled), in rule order.
  struct Patch {
    std::string label;  // "scenario NAME rule RULE"
    AnswerPatch patch;
  };
  std::vector<Patch> patches;
  bool hand_made = false;  // `answer` is made by nanosim (a respond effect, a refused header), not the provider
  std::vector<std::string>* notes = nullptr;  // the request's journal notes (the patches note what they did)

  /// True when after() has something to do to the answer.
  [[nodiscard]] bool alters_answer() const { return !fault.empty() || latency.count() > 0 || !patches.empty(); }
};

class FaultEngine {
 public:
  explicit FaultEngine(std::uint64_t seed) : seed_(seed) {}

  /// Installs (or replaces, counters reset) a scenario.
  void install(Scenario scenario);
  bool remove(const std::string& name);
  [[nodiscard]] std::vector<const Scenario*> installed() const;
  /// True when some scenario is installed: without one (and without a scenario header) no rule can fire, so a
  /// request needs no facts beyond its provider.
  [[nodiscard]] bool any_installed() const;
  /// Every rule's counters and windows back to zero (Simulator::reset); installed scenarios stay.
  void reset_counters();

  /// Before the adapter: evaluates the request's rules (installed, then those its header names).
  /// A header naming an unknown scenario is refused (nanosim's own 400) before any rule counts the request.
  /// `context` is null for file downloads of unknown jobs.
  FaultDecision before(const RequestFacts& facts, ProviderContext* context, std::vector<std::string>& notes);
  /// At job creation (under before()'s request): fate rules may change the fate.
  void decide_fate(const JobSpec& spec, JobFate& fate);
  /// Ends the request without an answer to rewrite (file downloads create no jobs).
  void end_request() {
    facts_ = nullptr;
    context_ = nullptr;
    notes_ = nullptr;
  }
  /// On the answer that goes out (the adapter's or an injected one): patches, then faults and latency; ends the
  /// request.
  void after(const FaultDecision& decision, HttpResponse& response, ExchangeInfo& info, bool real_clock);

 private:
  struct RuleState {
    std::uint64_t matched = 0;
    std::uint64_t fired = 0;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> windows;  // key -> (window index, count)
  };
  struct Active {
    Scenario scenario;
    std::vector<RuleState> rules;
    bool installed = false;
    std::uint64_t order = 0;
  };
  struct Firing {
    Active* active;
    std::size_t index;
  };

  Active* find_or_load(const std::string& name);
  std::vector<Active*> applicable(const RequestFacts& facts, std::vector<std::string>& notes);
  bool fires(Active& active, std::size_t index, const RequestFacts& facts);
  void apply(const Firing& firing, const RequestFacts& facts, FaultDecision& decision);
  void apply_error(const Firing& firing, const RequestFacts& facts, FaultDecision& decision);
  void apply_credits(const Firing& firing, const RequestFacts& facts);
  void apply_rate_limit(const Firing& firing, const RequestFacts& facts, FaultDecision& decision);
  void apply_background(const Firing& firing, const RequestFacts& facts);
  void apply_respond(const Firing& firing, const RequestFacts& facts, FaultDecision& decision);
  /// nanosim's own 400 when the header names a scenario neither installed nor in the catalog.
  std::optional<HttpResponse> refuse_unknown(const RequestFacts& facts) const;
  Millis draw_latency(const Firing& firing) const;
  void note(const Firing& firing, const std::string& text);

  std::uint64_t seed_;
  std::map<std::string, Active> scenarios_;
  std::uint64_t next_order_ = 1;
  // The request being handled (between before() and after()).
  const RequestFacts* facts_ = nullptr;
  ProviderContext* context_ = nullptr;
  std::vector<std::string>* notes_ = nullptr;
};

/// "SCENARIO/RULE" of a journal note a firing rule wrote, nullopt for any other note.
std::optional<std::string> fired_rule(const std::string& note);

}  // namespace nanosim::core
