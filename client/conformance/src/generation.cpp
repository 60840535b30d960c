// Following a generation to its end through the reference client, every exchange kept for the rules.
#include <algorithm>

#include "conformance_internal.hpp"

namespace nanosim::conformance {
namespace {

Exchange last_or_empty(const std::vector<Exchange>& log) {
  if (!log.empty()) return log.back();
  Exchange none;
  none.transport_error = "the reference client sent nothing";
  return none;
}

void poll_to_end(Session& session, client::Client& c, std::vector<Exchange>& log, GenerationRun& run) {
  auto& clock = session.clock();
  const auto deadline = clock.now() + session.options.timeout;
  std::chrono::milliseconds interval{1000};
  while (true) {
    log.clear();
    auto status = c.status(*run.submission);
    const bool ok = static_cast<bool>(status);
    const bool retry = !ok && status.error().retryable();
    std::optional<client::Error> error;
    if (!ok) error = status.error();
    run.polls.emplace_back(last_or_empty(log), std::move(status));
    const auto& polled = run.polls.back().second;
    if (ok && client::is_terminal(polled->state)) {
      run.final_state = polled->state;
      return;
    }
    if (error && !retry) {
      run.error = *error;
      return;
    }
    if (clock.now() >= deadline) {
      client::Error timed_out;
      timed_out.kind = client::ErrorKind::timed_out;
      timed_out.message = "the job did not end within --timeout";
      run.error = timed_out;
      if (c.cancellable()) (void)c.cancel(*run.submission);  // started only to be watched: leave nothing running
      return;
    }
    clock.sleep_for(interval);
    interval = std::min(std::chrono::milliseconds(static_cast<long long>(interval.count() * 1.5)),
                        std::chrono::milliseconds(5000));
  }
}

}  // namespace

GenerationRun Session::generate(const std::string& key, bool download_files) {
  GenerationRun run;
  std::vector<Exchange> log;
  auto c = make_client(key, log);
  auto submitted = c.synchronous() ? c.submit(request, options.timeout) : c.submit(request);
  run.submit = last_or_empty(log);
  if (!submitted) {
    run.error = submitted.error();
    return run;
  }
  run.submission = *submitted;
  if (submitted->completed_result) {
    run.final_state = client::JobState::succeeded;
    run.result = *submitted->completed_result;
  } else {
    poll_to_end(*this, c, log, run);
    if (run.final_state == client::JobState::succeeded) {
      log.clear();
      auto result = c.result(*run.submission);
      run.result_exchanges = log;
      if (result) run.result = *result;
      else run.error = result.error();
    }
  }
  if (download_files && run.result) {
    for (const auto& image : run.result->images) {
      if (!image.url.empty()) run.downloads.push_back(download(image.url));
    }
  }
  return run;
}

GenerationRun* Session::main_generation() {
  if (!main_attempted_) {
    main_attempted_ = true;
    if (take_generation()) main_ = generate(api_key, true);
  }
  return main_ ? &*main_ : nullptr;
}

bool contains_subset(const json& value, const json& pattern) {
  const auto matches = [](const json& candidate, const json& wanted, const auto& self) -> bool {
    if (!wanted.is_object()) return candidate == wanted;
    if (!candidate.is_object()) return false;
    for (const auto& [key, member] : wanted.items()) {
      if (!candidate.contains(key) || !self(candidate.at(key), member, self)) return false;
    }
    return true;
  };
  if (matches(value, pattern, matches)) return true;
  if (value.is_object() || value.is_array()) {
    for (const auto& member : value) {
      if (contains_subset(member, pattern)) return true;
    }
  }
  return false;
}

namespace {

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}
unsigned u8(std::string_view b, std::size_t at) { return static_cast<unsigned char>(b[at]); }
unsigned le16(std::string_view b, std::size_t at) { return u8(b, at) | (u8(b, at + 1) << 8); }
unsigned le24(std::string_view b, std::size_t at) { return le16(b, at) | (u8(b, at + 2) << 16); }

std::optional<ImageInfo> jpeg_header(std::string_view b) {
  for (std::size_t at = 2; at + 9 < b.size();) {
    if (u8(b, at) != 0xFF) return std::nullopt;
    const unsigned marker = u8(b, at + 1);
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xFF) {
      at += marker == 0xFF ? 1 : 2;
      continue;
    }
    const std::size_t length = (u8(b, at + 2) << 8) | u8(b, at + 3);
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      return ImageInfo{"image/jpeg", static_cast<int>((u8(b, at + 7) << 8) | u8(b, at + 8)),
                       static_cast<int>((u8(b, at + 5) << 8) | u8(b, at + 6))};
    }
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageInfo> webp_header(std::string_view b) {
  if (b.size() < 30) return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") return ImageInfo{"image/webp", static_cast<int>(le24(b, 24) + 1), static_cast<int>(le24(b, 27) + 1)};
  if (chunk == "VP8L") {
    const std::uint32_t bits = u8(b, 21) | (u8(b, 22) << 8) | (u8(b, 23) << 16) | (static_cast<std::uint32_t>(u8(b, 24)) << 24);
    return ImageInfo{"image/webp", static_cast<int>((bits & 0x3FFF) + 1), static_cast<int>(((bits >> 14) & 0x3FFF) + 1)};
  }
  if (chunk == "VP8 ") return ImageInfo{"image/webp", static_cast<int>(le16(b, 26) & 0x3FFF), static_cast<int>(le16(b, 28) & 0x3FFF)};
  return std::nullopt;
}

}  // namespace

std::optional<ImageInfo> read_image_header(std::string_view b) {
  if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    return ImageInfo{"image/png", static_cast<int>(be32(b, 16)), static_cast<int>(be32(b, 20))};
  }
  if (b.size() >= 4 && u8(b, 0) == 0xFF && u8(b, 1) == 0xD8) return jpeg_header(b);
  if (b.size() >= 16 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return webp_header(b);
  return std::nullopt;
}

}  // namespace nanosim::conformance
