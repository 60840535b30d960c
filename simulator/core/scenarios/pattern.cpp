// Pattern: the one pattern mechanism of scenario triggers, on RE2 (linear-time matching, no recursion on input).
#include <re2/re2.h>

#include "nanosim/scenario.hpp"

namespace nanosim {

struct Pattern::Impl {
  explicit Impl(const std::string& source, const RE2::Options& options) : re(source, options) {}
  RE2 re;
};

namespace {
RE2::Options pattern_options() {
  RE2::Options options;  // UTF-8, leftmost-first, as RE2 documents
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);  // bounds the compiled program: a pattern too large is refused at load
  return options;
}
}  // namespace

Pattern Pattern::compile(const std::string& source, const std::string& field) {
  auto impl = std::make_shared<const Impl>(source, pattern_options());
  if (!impl->re.ok()) throw ScenarioError(field + ": is not a valid pattern (" + impl->re.error() + ")");
  Pattern pattern;
  pattern.impl_ = std::move(impl);
  return pattern;
}

const std::string& Pattern::source() const {
  static const std::string none;
  return impl_ ? impl_->re.pattern() : none;
}

bool Pattern::search(std::string_view text) const {
  return impl_ != nullptr && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), impl_->re);
}

}  // namespace nanosim
