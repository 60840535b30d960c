// Format names and the rendered-image cache. Encoding lives in render.cpp, decoding in decode.cpp, inline images in inline.cpp.

#include "nanosim/images.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <utility>

namespace nanosim::images {

std::string_view to_string(Format f) {
  switch (f) {
    case Format::png: return "png";
    case Format::jpeg: return "jpeg";
    case Format::webp: return "webp";
  }
  return "unknown";
}

std::string_view mime_type(Format f) {
  switch (f) {
    case Format::png: return "image/png";
    case Format::jpeg: return "image/jpeg";
    case Format::webp: return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view file_extension(Format f) {
  switch (f) {
    case Format::png: return "png";
    case Format::jpeg: return "jpg";
    case Format::webp: return "webp";
  }
  return "bin";
}

std::optional<Format> parse_format(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.starts_with("image/")) lower.erase(0, 6);
  if (lower == "png") return Format::png;
  if (lower == "jpeg" || lower == "jpg") return Format::jpeg;
  if (lower == "webp") return Format::webp;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------------
// Cache

std::size_t Cache::SpecHash::operator()(const ImageSpec& s) const noexcept {
  // boost::hash_combine-style mixing of every field that takes part in operator==.
  std::size_t h = std::hash<std::uint64_t>{}(s.seed);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(std::hash<int>{}(s.width));
  mix(std::hash<int>{}(s.height));
  mix(std::hash<int>{}(static_cast<int>(s.format)));
  mix(std::hash<int>{}(s.quality));
  return h;
}

Cache::Cache(std::size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

// Threading: the lock is held only to look up and to insert; render() runs unlocked, so two threads missing on the
// same spec at once may both render it. Rendering is deterministic, so both results are identical; the first one
// inserted wins and the second caller gets that same pointer.
std::shared_ptr<const std::string> Cache::get(const ImageSpec& spec) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(spec); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }

  auto rendered = std::make_shared<const std::string>(render(spec));  // may throw; the cache is left unchanged

  std::lock_guard lock(mutex_);
  if (auto it = index_.find(spec); it != index_.end()) {  // another thread rendered it meanwhile
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  const std::size_t bytes = rendered->size();
  if (bytes > capacity_bytes_) return rendered;  // too big to keep: returned, never cached
  while (size_bytes_ + bytes > capacity_bytes_ && !lru_.empty()) {
    size_bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(spec, rendered);
  try {
    index_.emplace(spec, lru_.begin());
  } catch (...) {  // keep lru_ and index_ in step even when the map cannot grow
    lru_.pop_front();
    throw;
  }
  size_bytes_ += bytes;
  return rendered;
}

std::size_t Cache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return size_bytes_;
}

void Cache::clear() {
  std::lock_guard lock(mutex_);
  index_.clear();
  lru_.clear();
  size_bytes_ = 0;
}

}  // namespace nanosim::images
