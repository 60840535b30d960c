#include "nanosim/server.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <strings.h>
#include <thread>

namespace nanosim {
namespace {

bool same_name(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

HttpRequest to_request(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  for (const auto& [name, value] : in.params) out.query.emplace(name, value);
  for (const auto& [name, value] : in.headers) out.headers.emplace(name, value);
  out.body = in.body;
  for (const auto& [name, file] : in.files) {
    out.form.push_back(FormPart{file.name, file.filename, file.content_type, file.content});
  }
  return out;
}

/// Reads a request's body through cpp-httplib's content reader: the raw bytes, and for multipart/form-data the
/// parts too. Unlike the plain handlers this applies no 8 KB limit to x-www-form-urlencoded bodies (curl -d sends
/// JSON with that type) and parses nothing: the provider decides what a body means. False: the body could not be
/// read (the connection is gone or the multipart framing is broken).
bool read_body(const httplib::Request& in, const httplib::ContentReader& reader, HttpRequest& out) {
  if (in.is_multipart_form_data()) {
    return reader(
        [&out](const httplib::MultipartFormData& part) {
          out.form.push_back(FormPart{part.name, part.filename, part.content_type, {}});
          return true;
        },
        [&out](const char* data, std::size_t length) {
          if (!out.form.empty()) out.form.back().content.append(data, length);
          return true;
        });
  }
  return reader([&out](const char* data, std::size_t length) {
    out.body.append(data, length);
    return true;
  });
}

void write_response(const HttpResponse& in, httplib::Response& out, bool head) {
  out.status = in.status;
  std::string content_type = "application/octet-stream";
  for (const auto& [name, value] : in.headers) {
    if (same_name(name, "Content-Type")) {
      content_type = value;
    } else if (!same_name(name, "Content-Length")) {
      out.set_header(name, value);
    }
  }
  if (in.fault == ConnectionFault::close_mid_body || in.fault == ConnectionFault::reset_before_response) {
    // Announce the whole body, send half of it (nothing for a reset), then drop the connection.
    const std::size_t sent = in.fault == ConnectionFault::close_mid_body ? in.body.size() / 2 : 0;
    // An empty body still announces one byte: a zero-length body would be sent whole, as a complete answer.
    auto body = std::make_shared<std::string>(in.body.empty() ? std::string(" ") : in.body);
    out.set_content_provider(body->size(), content_type,
                             [body, sent](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset < sent) sink.write(body->data() + offset, sent - offset);
                               return offset < sent;  // false closes the connection
                             });
    return;
  }
  if (head && in.body.empty()) {
    // A HEAD answer announces the length a GET would send; cpp-httplib sends no body for HEAD and would
    // otherwise count the empty one (Content-Length: 0).
    const auto length = in.header("Content-Length");
    std::size_t announced = 0;
    try {
      announced = length ? static_cast<std::size_t>(std::stoull(*length)) : 0;
    } catch (const std::exception&) {
    }
    if (announced > 0) {
      out.set_content_provider(announced, content_type, [](std::size_t, std::size_t, httplib::DataSink&) {
        return false;
      });
      return;
    }
  }
  if (in.fault == ConnectionFault::slow_body && in.trickle_interval_ms > 0) {
    auto body = std::make_shared<std::string>(in.body);
    const int interval = in.trickle_interval_ms;
    out.set_content_provider(body->size(), content_type,
                             [body, interval](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               std::this_thread::sleep_for(std::chrono::milliseconds(interval));
                               const std::size_t chunk = std::min<std::size_t>(64, body->size() - offset);
                               sink.write(body->data() + offset, chunk);
                               return true;
                             });
    return;
  }
  out.set_content(in.body, content_type);
}

/// Sleeps `duration`, or less once the simulator's waits are interrupted (a bounded shutdown).
void sleep_unless_stopping(const Simulator& simulator, std::chrono::microseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!simulator.waits_interrupted()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
}

}  // namespace

struct Server::Impl {
  Impl(Simulator& sim, ServerConfig cfg) : simulator(sim), config(std::move(cfg)) {}
  Simulator& simulator;
  ServerConfig config;
  httplib::Server http;
  std::thread thread;
  int port = -1;
};

Server::Server(Simulator& simulator, ServerConfig config) : impl_(std::make_unique<Impl>(simulator, std::move(config))) {
  auto& http = impl_->http;
  const int threads = impl_->config.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second server bind a port that is already serving
  // and silently share its connections. Only SO_REUSEADDR (quick restarts after TIME_WAIT): a taken port is an error.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  http.set_keep_alive_timeout(impl_->config.keep_alive_timeout_seconds);
  http.set_payload_max_length(simulator.options().max_body_bytes + 1);
  const auto respond = [this](const HttpRequest& message, const httplib::Request& request, httplib::Response& response) {
    const auto started = std::chrono::steady_clock::now();
    AccessRecord record;
    const HttpResponse answer = impl_->simulator.handle(message, record.info);
    if (answer.delay_ms > 0) {  // scenario latency: waited here, outside the simulator's lock
      const double scale = std::max(impl_->simulator.clock().time_scale(), 1e-3);
      sleep_unless_stopping(impl_->simulator, std::chrono::microseconds(
                                                  static_cast<std::int64_t>(answer.delay_ms * 1000.0 / scale)));
    }
    write_response(answer, response, request.method == "HEAD");
    if (!impl_->config.access_log) return;
    record.method = request.method;
    record.path = request.target.empty() ? request.path : request.target;
    record.status = answer.status;
    record.real_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    impl_->config.access_log(record);
  };
  const auto handler = [respond](const httplib::Request& request, httplib::Response& response) {
    respond(to_request(request), request, response);
  };
  // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3), but cpp-httplib 0.11
  // answers such a POST/PUT (curl -X PUT …/cancel) with an empty 400 before routing: answer it here instead.
  http.set_pre_routing_handler([handler](const httplib::Request& request, httplib::Response& response) {
    if (request.has_header("Content-Length") || request.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    handler(request, response);
    return httplib::Server::HandlerResponse::Handled;
  });
  const auto with_body = [respond](const httplib::Request& request, httplib::Response& response,
                                const httplib::ContentReader& reader) {
    HttpRequest message = to_request(request);
    if (!read_body(request, reader, message)) {
      // Broken multipart framing: the provider answers a request without its parts (its own 400, naming a field).
      message.form.clear();
      message.body.clear();
    }
    respond(message, request, response);
  };
  http.Get(".*", handler);
  http.Post(".*", with_body);
  http.Put(".*", with_body);
  http.Patch(".*", with_body);
  http.Delete(".*", with_body);
  http.Options(".*", handler);
}

Server::~Server() { stop(); }

void Server::start() {
  if (impl_->thread.joinable()) return;
  impl_->port = impl_->config.port == 0 ? impl_->http.bind_to_any_port(impl_->config.host)
                                         : (impl_->http.bind_to_port(impl_->config.host, impl_->config.port)
                                                ? impl_->config.port
                                                : -1);
  if (impl_->port < 0) {
    throw std::runtime_error("cannot bind " + impl_->config.host + ":" + std::to_string(impl_->config.port) +
                             " (address in use, or not an address of this machine)");
  }
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl_->http.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw std::runtime_error("the HTTP server did not start within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void Server::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->http.stop();
  impl_->thread.join();
}

void Server::wait() {
  while (impl_->thread.joinable() && impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool Server::running() const { return impl_->http.is_running(); }
int Server::port() const { return impl_->port; }
std::string Server::base_url() const { return "http://" + impl_->config.host + ":" + std::to_string(impl_->port); }

}  // namespace nanosim
