// A finished job out of the hot window is kept packed (simulator/core/jobs/record.hpp): unpacking must give back the
// very job that was packed, whatever it holds — the provider's request with scalars of every JSON type (or, never
// for a finished job but still exact, nested values), strings past the interning table's room, any integer.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "../../simulator/core/jobs/record.hpp"

using nlohmann::json;

namespace {

rc::Gen<json> scalar() {
  return rc::gen::oneOf(
      rc::gen::just(json(nullptr)), rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return json(b); }),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t v) { return json(v); }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t v) { return json(v); }),
      rc::gen::map(rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double v) { return std::isfinite(v); }),
                   [](double v) { return json(v); }),
      rc::gen::map(rc::gen::arbitrary<std::string>(), [](std::string s) { return json(std::move(s)); }));
}

/// What a finished job keeps of the provider's request: top-level scalars; now and then a nested value too.
json wire_request() {
  json request = json::object();
  for (int members = *rc::gen::inRange(0, 6); members > 0; --members) {
    request[*rc::gen::arbitrary<std::string>()] = *scalar();
  }
  if (*rc::gen::inRange(0, 5) == 0) {
    json nested = json::array();
    for (int items = *rc::gen::inRange(0, 3); items > 0; --items) nested.push_back(*scalar());
    request["contents"] = std::move(nested);
  }
  return request;
}

std::optional<nanosim::Millis> maybe_millis() {
  if (!*rc::gen::arbitrary<bool>()) return std::nullopt;
  return nanosim::Millis{*rc::gen::arbitrary<std::int64_t>()};
}

nanosim::core::JobRecord finished_job(const std::string& id) {
  using nanosim::Millis;
  nanosim::core::JobRecord job;
  job.pool = *rc::gen::element<std::string>("odirouter", "gemini", "");
  job.ready_at = Millis{*rc::gen::arbitrary<std::int64_t>()};
  job.scheduled_finish = Millis{*rc::gen::arbitrary<std::int64_t>()};
  nanosim::JobView& view = job.view;
  view.id = id;
  view.sequence = *rc::gen::arbitrary<std::uint64_t>();
  nanosim::JobSpec& spec = view.spec;
  spec.provider = job.pool;
  spec.model = *rc::gen::arbitrary<std::string>();
  spec.upstream_model = *rc::gen::element<std::string>("gemini-3-pro-image-preview", "gemini-2.5-flash-image");
  spec.prompt = *rc::gen::arbitrary<std::string>();
  spec.reference_images = *rc::gen::arbitrary<std::vector<std::string>>();
  spec.aspect_ratio = *rc::gen::arbitrary<std::string>();
  spec.size_tier = *rc::gen::element<std::string>("512", "1K", "2K", "4K");
  spec.width = *rc::gen::arbitrary<int>();
  spec.height = *rc::gen::arbitrary<int>();
  spec.format = *rc::gen::element(nanosim::images::Format::png, nanosim::images::Format::jpeg,
                                  nanosim::images::Format::webp);
  spec.quality = *rc::gen::arbitrary<int>();
  spec.count = *rc::gen::arbitrary<int>();
  spec.wants_text = *rc::gen::arbitrary<bool>();
  spec.api_key = *rc::gen::arbitrary<std::string>();
  spec.unit_price = *rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double v) { return std::isfinite(v); });
  spec.price_unit = *rc::gen::element<std::string>("", "USD", "credits");
  spec.wire_request = wire_request();
  nanosim::JobFate& fate = view.fate;
  fate.succeeds = *rc::gen::arbitrary<bool>();
  fate.failure_kind = *rc::gen::arbitrary<std::string>();
  fate.failure_message = *rc::gen::arbitrary<std::string>();
  fate.fail_at_fraction = *rc::gen::inRange(0, 101) / 100.0;
  fate.results = *rc::gen::arbitrary<int>();
  fate.queue_stall = Millis{*rc::gen::arbitrary<std::int64_t>()};
  fate.lost_after = Millis{*rc::gen::arbitrary<std::int64_t>()};
  view.state = *rc::gen::element(nanosim::JobState::succeeded, nanosim::JobState::failed,
                                 nanosim::JobState::cancelled);
  view.submitted_at = Millis{*rc::gen::arbitrary<std::int64_t>()};
  view.started_at = maybe_millis();
  view.finished_at = maybe_millis();
  view.run_time = Millis{*rc::gen::arbitrary<std::int64_t>()};
  // Queue position and progress are not packed: they are computed whenever a job is read.
  const int outputs = *rc::gen::inRange(0, 4);
  for (int index = 0; index < outputs; ++index) {
    nanosim::OutputFile file;
    // Mostly the engine's own "<id>-<index>" (packed as nothing), sometimes any token, the empty one included.
    file.token = *rc::gen::arbitrary<bool>() ? id + "-" + std::to_string(index) : *rc::gen::arbitrary<std::string>();
    file.image = {*rc::gen::arbitrary<int>(), *rc::gen::arbitrary<int>(), spec.format, *rc::gen::arbitrary<int>(),
                  *rc::gen::arbitrary<std::uint64_t>()};
    view.outputs.push_back(std::move(file));
  }
  view.files_expire_at = maybe_millis();
  view.failure_kind = *rc::gen::arbitrary<std::string>();
  view.failure_message = *rc::gen::arbitrary<std::string>();
  return job;
}

}  // namespace

TEST_CASE("A packed finished job unpacks to the job that was packed", "[property][retention]") {
  rc::prop("unpack(pack(job)) == job", [] {
    // A small interning table fills up: strings past its room are packed whole and must come back all the same.
    nanosim::core::Interner interned(*rc::gen::inRange<std::size_t>(0, 12));
    const std::string id = "req_" + *rc::gen::arbitrary<std::string>();
    std::vector<nanosim::core::JobRecord> jobs;
    for (int count = *rc::gen::inRange(1, 4); count > 0; --count) jobs.push_back(finished_job(id));
    std::vector<std::string> packed;
    for (const auto& job : jobs) packed.push_back(nanosim::core::pack(job, interned));
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const nanosim::core::JobRecord back = nanosim::core::unpack(packed[i], id, interned);
      RC_ASSERT(back.view == jobs[i].view);
      RC_ASSERT(back.pool == jobs[i].pool);
      RC_ASSERT(back.ready_at == jobs[i].ready_at);
      RC_ASSERT(back.scheduled_finish == jobs[i].scheduled_finish);
      // A kept request's scalars keep their JSON type (a count stays signed, a seed unsigned), not only their value.
      const json& request = jobs[i].view.spec.wire_request;
      if (std::all_of(request.begin(), request.end(), [](const json& v) { return v.is_primitive(); })) {
        for (const auto& [name, value] : request.items()) {
          RC_ASSERT(back.view.spec.wire_request.at(name).type() == value.type());
        }
      }
    }
  });
}
