// Fuzz target: the HTTP skin's own reading of a plain GET (simulator/http/plain_get.hpp) from the bytes a client
// sent, and the answer it writes. Input: the connection's input, verbatim.
// Invariants: no crash or sanitizer report; a request read as a plain GET is one: its head lies within the input,
// it has no body and its path starts with "/"; the answer it gets is one HTTP/1.1 answer ending in its body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "../../simulator/http/plain_get.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nanosim::http::Connection connection;
  connection.input.assign(reinterpret_cast<const char*>(data), size);
  const auto get = nanosim::http::read_plain_get(connection);
  if (!get) return 0;
  if (get->head_bytes > size || get->head_bytes < 4) nanosim::fuzz::broken("the head does not lie within the input");
  if (connection.input.compare(get->head_bytes - 4, 4, "\r\n\r\n") != 0) nanosim::fuzz::broken("the head ends elsewhere");
  if (get->request.method != "GET" || !get->request.body.empty()) nanosim::fuzz::broken("not a GET without a body");
  if (get->request.path.empty() || get->request.path.front() != '/') nanosim::fuzz::broken("a path without its /");
  if (get->request.header("Content-Length") || get->request.header("Transfer-Encoding")) {
    nanosim::fuzz::broken("a request with a body framing read as a plain GET");
  }
  nanosim::HttpResponse answer;
  answer.status = 404;
  answer.body = get->request.path;
  for (const auto& [name, value] : get->request.headers) answer.headers.emplace(name, value);
  std::string out;
  nanosim::http::write_plain_answer(answer, get->close, 60, 1'000'000, out);
  if (out.rfind("HTTP/1.1 404 ", 0) != 0) nanosim::fuzz::broken("the answer does not start with its status line");
  if (out.size() < answer.body.size() || out.compare(out.size() - answer.body.size(), answer.body.size(), answer.body) != 0) {
    nanosim::fuzz::broken("the answer does not end with its body");
  }
  const std::size_t head_end = out.find("\r\n\r\n");
  if (head_end == std::string::npos || out.size() - head_end - 4 != answer.body.size()) {
    nanosim::fuzz::broken("the answer's head runs into its body (a header with CR or LF was written)");
  }
  return 0;
}
