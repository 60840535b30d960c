// QuickJson: a JSON text read with RapidJSON for a yes-or-no check (Schema::accepts), when every parser reads it
// alike. RapidJSON 1.1 (Debian's) computes `nullptr + n` on a stack's first push (fixed upstream after 1.1.0), which
// UBSan's pointer-overflow check stops: sanitized builds leave that one check out here and in schema.cpp, which
// validates what was read (contracts/CMakeLists.txt).
#include "quick_json_impl.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "nanosim/json_limits.hpp"

namespace nanosim::contracts {
namespace {

/// No member name twice in one object, at any depth, and no array or object nesting deeper than a body may
/// (JsonLimits: the root is level 1). An object of more members than are worth comparing pairwise counts as a
/// repeat: the text takes the full path.
bool distinct_names(const rapidjson::Value& value, int level) {
  constexpr rapidjson::SizeType max_members = 64;
  if (!value.IsArray() && !value.IsObject()) return true;
  if (level > JsonLimits{}.max_depth) return false;
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (!distinct_names(item, level + 1)) return false;
    }
    return true;
  }
  if (value.MemberCount() > max_members) return false;
  for (auto member = value.MemberBegin(); member != value.MemberEnd(); ++member) {
    for (auto earlier = value.MemberBegin(); earlier != member; ++earlier) {
      if (earlier->name == member->name) return false;
    }
    if (!distinct_names(member->value, level + 1)) return false;
  }
  return true;
}

/// No byte above 0x7F: eight at a time.
bool is_ascii(std::string_view text) {
  std::size_t at = 0;
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + at, 8);
    if (word & 0x8080808080808080ULL) return false;
  }
  for (; at < text.size(); ++at) {
    if (static_cast<unsigned char>(text[at]) > 0x7F) return false;
  }
  return true;
}
}  // namespace

QuickJson::QuickJson(std::string_view text)
    : impl_(Impl::spare() ? std::move(Impl::spare()) : std::make_unique<Impl>()) {
  impl_->usable = false;
  if (text.find("\\u") != std::string_view::npos) return;
  auto& document = impl_->reading.emplace(*impl_).document;
  // Iterative: no recursion however deep the text nests. UTF-8 checked as nlohmann does, unless it is all ASCII.
  constexpr unsigned base = rapidjson::kParseIterativeFlag;
  if (is_ascii(text)) {
    document.Parse<base>(text.data(), text.size());
  } else {
    document.Parse<base | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  }
  impl_->usable = !document.HasParseError() && distinct_names(document, 1);
}

QuickJson::~QuickJson() {
  impl_->reading.reset();
  if (!Impl::spare()) Impl::spare() = std::move(impl_);
}

bool QuickJson::usable() const { return impl_->usable; }

}  // namespace nanosim::contracts
