#include "record.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace nanosim::core {

std::optional<std::uint32_t> Interner::index(std::string_view text) {
  if (const auto found = index_.find(text); found != index_.end()) return found->second;
  if (strings_.size() >= capacity_) return std::nullopt;
  const auto index = static_cast<std::uint32_t>(strings_.size());
  index_.emplace(strings_.emplace_back(text), index);
  return index;
}

void Interner::clear() {
  index_.clear();
  strings_.clear();
}

namespace {

class Writer {
 public:
  // Written into one buffer per thread, then copied out at its exact size: no growth, no shrinking, per job.
  explicit Writer(Interner& interned) : interned_(interned), out_(scratch()) { out_.clear(); }

  void unsigned_number(std::uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void number(std::int64_t value) {  // zigzag: small negatives stay short
    unsigned_number((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63));
  }
  void millis(Millis value) { number(value.count()); }
  void optional_millis(const std::optional<Millis>& value) {
    out_.push_back(value ? '\1' : '\0');
    if (value) millis(*value);
  }
  void real(double value) {
    char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    out_.append(bytes, sizeof value);
  }
  void text(std::string_view value) {
    unsigned_number(value.size());
    out_.append(value);
  }
  void bytes(std::string_view value) { out_.append(value); }
  /// An interned index (odd tag) when the table has room, else the text itself (even tag: its length).
  void repeated_text(std::string_view value) {
    if (const auto index = interned_.index(value)) {
      unsigned_number((std::uint64_t{*index} << 1) | 1);
    } else {
      unsigned_number(std::uint64_t{value.size()} << 1);
      out_.append(value);
    }
  }
  void byte(char value) { out_.push_back(value); }
  [[nodiscard]] std::string take() const { return out_; }

 private:
  static std::string& scratch() {
    thread_local std::string buffer;
    return buffer;
  }
  Interner& interned_;
  std::string& out_;
};

class Reader {
 public:
  Reader(std::string_view in, const Interner& interned) : in_(in), interned_(interned) {}

  std::uint64_t unsigned_number() {
    std::uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(next());
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80u) == 0) return value;
    }
  }
  std::int64_t number() {
    const std::uint64_t raw = unsigned_number();
    return static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
  }
  int small() { return static_cast<int>(number()); }
  Millis millis() { return Millis{number()}; }
  std::optional<Millis> optional_millis() {
    if (next() == '\0') return std::nullopt;
    return millis();
  }
  bool flag() { return next() != '\0'; }
  double real() {
    double value = 0;
    std::memcpy(&value, bytes(sizeof value).data(), sizeof value);
    return value;
  }
  std::string text() { return std::string(bytes(unsigned_number())); }
  char byte() { return next(); }
  std::string repeated_text() {
    const std::uint64_t tag = unsigned_number();
    if ((tag & 1) != 0) return interned_.at(static_cast<std::uint32_t>(tag >> 1));
    return std::string(bytes(tag >> 1));
  }
  std::string_view bytes(std::size_t count) {
    if (count > in_.size() - at_) throw std::logic_error("packed job: truncated");
    const std::string_view out = in_.substr(at_, count);
    at_ += count;
    return out;
  }

 private:
  char next() { return bytes(1)[0]; }
  std::string_view in_;
  std::size_t at_ = 0;
  const Interner& interned_;
};

// The provider's request as a finished job keeps it (compact_wire_request): an object of scalars, written member by
// member (names interned: they repeat from job to job) after the member count plus one. Anything else, which a
// finished job never holds, is written as MessagePack after a count of 0.
enum class WireScalar : char { null, boolean_false, boolean_true, integer, unsigned_integer, real, text };

void write_wire(Writer& out, const nlohmann::json& wire) {
  const bool scalars = wire.is_object() && std::all_of(wire.begin(), wire.end(), [](const nlohmann::json& member) {
                         return member.is_primitive();
                       });
  if (!scalars) {
    out.unsigned_number(0);
    std::string packed;
    nlohmann::json::to_msgpack(wire, packed);
    out.text(packed);
    return;
  }
  out.unsigned_number(wire.size() + 1);
  for (const auto& [name, value] : wire.items()) {
    out.repeated_text(name);
    switch (value.type()) {
      case nlohmann::json::value_t::boolean:
        out.byte(static_cast<char>(value.get<bool>() ? WireScalar::boolean_true : WireScalar::boolean_false));
        break;
      case nlohmann::json::value_t::number_integer:
        out.byte(static_cast<char>(WireScalar::integer));
        out.number(value.get<std::int64_t>());
        break;
      case nlohmann::json::value_t::number_unsigned:
        out.byte(static_cast<char>(WireScalar::unsigned_integer));
        out.unsigned_number(value.get<std::uint64_t>());
        break;
      case nlohmann::json::value_t::number_float:
        out.byte(static_cast<char>(WireScalar::real));
        out.real(value.get<double>());
        break;
      case nlohmann::json::value_t::string:
        out.byte(static_cast<char>(WireScalar::text));
        out.text(value.get_ref<const std::string&>());
        break;
      default: out.byte(static_cast<char>(WireScalar::null)); break;
    }
  }
}

nlohmann::json read_wire(Reader& in) {
  const std::uint64_t count = in.unsigned_number();
  if (count == 0) {
    const std::string_view packed = in.bytes(in.unsigned_number());
    return nlohmann::json::from_msgpack(packed.begin(), packed.end());
  }
  nlohmann::json wire = nlohmann::json::object();
  for (std::uint64_t member = 1; member < count; ++member) {
    nlohmann::json& value = wire[in.repeated_text()];
    switch (static_cast<WireScalar>(in.byte())) {
      case WireScalar::null: break;
      case WireScalar::boolean_false: value = false; break;
      case WireScalar::boolean_true: value = true; break;
      case WireScalar::integer: value = in.number(); break;
      case WireScalar::unsigned_integer: value = in.unsigned_number(); break;
      case WireScalar::real: value = in.real(); break;
      case WireScalar::text: value = in.text(); break;
      default: throw std::logic_error("packed job: unknown scalar");
    }
  }
  return wire;
}

void write_spec(Writer& out, const JobSpec& spec) {
  out.repeated_text(spec.provider);
  out.repeated_text(spec.model);
  out.repeated_text(spec.upstream_model);
  out.text(spec.prompt);
  out.unsigned_number(spec.reference_images.size());
  for (const std::string& reference : spec.reference_images) out.text(reference);
  out.repeated_text(spec.aspect_ratio);
  out.repeated_text(spec.size_tier);
  out.number(spec.width);
  out.number(spec.height);
  out.number(static_cast<int>(spec.format));
  out.number(spec.quality);
  out.number(spec.count);
  out.number(spec.wants_text ? 1 : 0);
  out.repeated_text(spec.api_key);
  out.real(spec.unit_price);
  out.repeated_text(spec.price_unit);
  write_wire(out, spec.wire_request);
}

JobSpec read_spec(Reader& in) {
  JobSpec spec;
  spec.provider = in.repeated_text();
  spec.model = in.repeated_text();
  spec.upstream_model = in.repeated_text();
  spec.prompt = in.text();
  spec.reference_images.resize(in.unsigned_number());
  for (std::string& reference : spec.reference_images) reference = in.text();
  spec.aspect_ratio = in.repeated_text();
  spec.size_tier = in.repeated_text();
  spec.width = in.small();
  spec.height = in.small();
  spec.format = static_cast<images::Format>(in.small());
  spec.quality = in.small();
  spec.count = in.small();
  spec.wants_text = in.small() != 0;
  spec.api_key = in.repeated_text();
  spec.unit_price = in.real();
  spec.price_unit = in.repeated_text();
  spec.wire_request = read_wire(in);
  return spec;
}

void write_fate(Writer& out, const JobFate& fate) {
  out.number(fate.succeeds ? 1 : 0);
  out.repeated_text(fate.failure_kind);
  out.repeated_text(fate.failure_message);
  out.real(fate.fail_at_fraction);
  out.number(fate.results);
  out.millis(fate.queue_stall);
  out.millis(fate.run_time_override);
  out.millis(fate.lost_after);
  out.millis(fate.files_expire_after);
}

JobFate read_fate(Reader& in) {
  JobFate fate;
  fate.succeeds = in.small() != 0;
  fate.failure_kind = in.repeated_text();
  fate.failure_message = in.repeated_text();
  fate.fail_at_fraction = in.real();
  fate.results = in.small();
  fate.queue_stall = in.millis();
  fate.run_time_override = in.millis();
  fate.lost_after = in.millis();
  fate.files_expire_after = in.millis();
  return fate;
}

// An output's token is "<job id>-<index>" as Engine::finish names it; packed as a length of 0 when it is, else as its
// length plus one and its bytes.
std::string derived_token(const std::string& id, std::size_t index) { return id + "-" + std::to_string(index); }

void write_outputs(Writer& out, const JobView& view) {
  out.unsigned_number(view.outputs.size());
  for (std::size_t index = 0; index < view.outputs.size(); ++index) {
    const OutputFile& file = view.outputs[index];
    if (file.token == derived_token(view.id, index)) {
      out.unsigned_number(0);
    } else {
      out.unsigned_number(file.token.size() + 1);  // any other token, the empty one included
      out.bytes(file.token);
    }
    out.number(file.image.width);
    out.number(file.image.height);
    out.number(static_cast<int>(file.image.format));
    out.number(file.image.quality);
    out.unsigned_number(file.image.seed);
  }
}

std::vector<OutputFile> read_outputs(Reader& in, const std::string& id) {
  std::vector<OutputFile> outputs(in.unsigned_number());
  for (std::size_t index = 0; index < outputs.size(); ++index) {
    OutputFile& file = outputs[index];
    const std::uint64_t length = in.unsigned_number();
    file.token = length == 0 ? derived_token(id, index) : std::string(in.bytes(length - 1));
    file.image.width = in.small();
    file.image.height = in.small();
    file.image.format = static_cast<images::Format>(in.small());
    file.image.quality = in.small();
    file.image.seed = in.unsigned_number();
  }
  return outputs;
}

}  // namespace

std::string pack(const JobRecord& job, Interner& interned) {
  Writer out(interned);
  const JobView& view = job.view;
  out.repeated_text(job.pool);
  out.millis(job.ready_at);
  out.millis(job.scheduled_finish);
  out.unsigned_number(view.sequence);
  write_spec(out, view.spec);
  write_fate(out, view.fate);
  out.number(static_cast<int>(view.state));
  out.millis(view.submitted_at);
  out.optional_millis(view.started_at);
  out.optional_millis(view.finished_at);
  out.millis(view.run_time);
  write_outputs(out, view);
  out.optional_millis(view.files_expire_at);
  out.repeated_text(view.failure_kind);
  out.repeated_text(view.failure_message);
  return out.take();
}

JobRecord unpack(std::string_view packed, const std::string& id, const Interner& interned) {
  Reader in(packed, interned);
  JobRecord job;
  JobView& view = job.view;
  view.id = id;
  job.pool = in.repeated_text();
  job.ready_at = in.millis();
  job.scheduled_finish = in.millis();
  view.sequence = in.unsigned_number();
  view.spec = read_spec(in);
  view.fate = read_fate(in);
  view.state = static_cast<JobState>(in.small());
  view.submitted_at = in.millis();
  view.started_at = in.optional_millis();
  view.finished_at = in.optional_millis();
  view.run_time = in.millis();
  view.outputs = read_outputs(in, id);
  view.files_expire_at = in.optional_millis();
  view.failure_kind = in.repeated_text();
  view.failure_message = in.repeated_text();
  return job;
}

}  // namespace nanosim::core
