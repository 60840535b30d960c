#include "nanosim/client/transport.hpp"
#include "url.hpp"

namespace nanosim::client {

namespace {

Error transport_error(const HttpRequest& request, std::string_view what) {
  Error error;
  error.kind = ErrorKind::transport;
  error.message = request.method + " " + request.path + ": " + std::string(what);
  return error;
}

}  // namespace

InProcessTransport::InProcessTransport(Handler handler, std::string base_url)
    : handler_(std::move(handler)), base_url_(std::move(base_url)) {
  if (const auto split = detail::split_url(base_url_)) {
    path_prefix_ = split->path;
    if (split->absolute()) host_ = split->origin().substr(split->scheme.size() + 3);
  }
}

Result<HttpResponse> InProcessTransport::send(const HttpRequest& request) {
  HttpRequest forwarded = request;
  forwarded.path = path_prefix_ + request.path;
  if (!host_.empty() && !forwarded.header("Host")) forwarded.headers.emplace("Host", host_);
  HttpResponse response;
  try {
    response = handler_(forwarded);
  } catch (const std::exception& e) {  // a throwing handler is a server that dropped the connection
    return transport_error(forwarded, std::string("handler threw: ") + e.what());
  }
  switch (response.fault) {
    case ConnectionFault::reset_before_response:
      return transport_error(forwarded, "connection reset before the response");
    case ConnectionFault::close_mid_body:
      return transport_error(forwarded, "connection closed in the middle of the body");
    case ConnectionFault::none:
    case ConnectionFault::slow_body:
      break;
  }
  response.fault = ConnectionFault::none;
  return response;
}

}  // namespace nanosim::client
