// Fuzz target: the multipart/form-data reader (nanosim::parse_multipart, used for in-process requests and by the
// Nano series' edits entry) and the form's JSON view the contracts validate (contracts::form_to_json).
// Input: the Content-Type value on the first line, the body after it.
// Invariants: no crash or sanitizer report; every part's content lies within the body (no byte is invented).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "nanosim/contracts/contract.hpp"
#include "nanosim/http_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view content_type = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  const auto parts = nanosim::parse_multipart(content_type, body);
  if (!parts) return 0;
  std::size_t total = 0;
  for (const nanosim::FormPart& part : *parts) {
    total += part.content.size();
    if (body.find(part.content) == std::string_view::npos) nanosim::fuzz::broken("a part's content is not in the body");
  }
  if (total > body.size()) nanosim::fuzz::broken("the parts hold more bytes than the body");
  const auto form = nanosim::contracts::form_to_json(*parts);
  (void)form.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
