#include "nanosim/server.hpp"

#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "connections.hpp"
#include "framing.hpp"
#include "plain_get.hpp"
#include "socket_stream.hpp"

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

bool is_admin_path(const std::string& path) {
  return path.rfind("/__nanosim/", 0) == 0 && path.rfind("/__nanosim/files/", 0) != 0;
}

bool same_secret(const std::string& given, const std::string& expected) {
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i % std::max<std::size_t>(1, expected.size())]);
  }
  return difference == 0;
}

/// The admin API's gate: open on loopback without a token; with a token, only "Authorization: Bearer <token>";
/// on another address without a token, off. Nullopt: the request may pass.
std::optional<HttpResponse> admin_gate(const ServerConfig& config, const httplib::Request& request) {
  if (!is_admin_path(request.path)) return std::nullopt;
  HttpResponse refusal;
  refusal.set_header("Content-Type", "application/json");
  if (config.admin_token.empty()) {
    if (is_loopback_host(config.host)) return std::nullopt;
    refusal.status = 403;
    refusal.body = R"j({"error":{"code":"admin_disabled","message":"The admin API is off: nanosim serves on an address )j"
                   R"j(other machines can reach and was started without --admin-token (or NANOSIM_ADMIN_TOKEN)"}})j";
    return refusal;
  }
  const std::string given = request.get_header_value("Authorization");
  if (given.rfind("Bearer ", 0) == 0 && same_secret(given.substr(7), config.admin_token)) return std::nullopt;
  refusal.status = 401;
  refusal.set_header("WWW-Authenticate", R"(Bearer realm="nanosim admin")");
  refusal.body = R"j({"error":{"code":"admin_unauthorized","message":"The admin API needs Authorization: Bearer )j"
                 R"j(<admin token> (the token nanosim serve was given with --admin-token or NANOSIM_ADMIN_TOKEN)"}})j";
  return refusal;
}

/// cpp-httplib's server with its connection loop replaced: an accepted socket goes to the ConnectionPool (the
/// accept thread never blocks on a client), and the pool's workers run cpp-httplib's own request parsing and
/// routing (process_request) once a request head is complete.
class SkinServer final : public httplib::Server {
 public:
  std::function<void(int)> adopt;
  [[nodiscard]] int listening_socket() const { return static_cast<int>(svr_sock_.load()); }
  bool serve_request(httplib::Stream& stream, bool& close_after) {
    return process_request(stream, false, close_after, nullptr);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    adopt(static_cast<int>(sock));
    return true;
  }
};

/// The accept loop's task queue: runs the hand-off to the pool on the accept thread itself.
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

/// What a handler learnt about the connection it answers on (the worker thread's current request).
struct RequestNote {
  bool close_after = false;  // the body was left unread: answer, then close
};
thread_local RequestNote* current_note = nullptr;

/// An answer made before cpp-httplib read the request (a plain GET whose answer it must write itself: a connection
/// fault or a trickled body), handed to the handler that runs for it.
struct Answered {
  HttpResponse answer;
  AccessRecord record;
  std::chrono::steady_clock::time_point started;
};
thread_local Answered* made_answer = nullptr;

/// The Keep-Alive header's max (cpp-httplib announces it; the pool itself never counts requests).
constexpr std::size_t keep_alive_max = 1'000'000;

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
  SkinServer http;
  std::unique_ptr<http::ConnectionPool> pool;
  std::thread thread;
  int port = -1;

  http::AfterRequest serve(http::Connection& connection);
  /// The forwarder's or the simulator's answer, after the latency a scenario added.
  Answered answer(const HttpRequest& message);
  void log(Answered& answered, const std::string& method, const std::string& target);
};

Answered Server::Impl::answer(const HttpRequest& message) {
  Answered answered;
  answered.started = std::chrono::steady_clock::now();
  std::optional<HttpResponse> forwarded = config.forward ? config.forward(message) : std::nullopt;
  answered.answer = forwarded ? std::move(*forwarded) : simulator.handle(message, answered.record.info);
  if (answered.answer.delay_ms > 0) {  // scenario latency: waited here, outside the simulator's lock
    const double scale = std::max(simulator.clock().time_scale(), 1e-3);
    sleep_unless_stopping(simulator, std::chrono::microseconds(
                                         static_cast<std::int64_t>(answered.answer.delay_ms * 1000.0 / scale)));
  }
  return answered;
}

void Server::Impl::log(Answered& answered, const std::string& method, const std::string& target) {
  if (!config.access_log) return;
  AccessRecord& record = answered.record;
  record.method = method;
  record.path = target;
  record.status = answered.answer.status;
  record.real_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - answered.started).count();
  config.access_log(record);
}

http::AfterRequest Server::Impl::serve(http::Connection& connection) {
  if (auto refused = http::refuse_head(connection, pool->settings().max_head_bytes)) {
    const HttpResponse answer = simulator.handle(*refused);
    http::write_raw(connection.fd, answer);
    return http::AfterRequest::linger;
  }
  http::SocketStream stream(connection, std::chrono::milliseconds(config.io_timeout_ms));
  std::optional<Answered> made;
  if (auto get = http::read_plain_get(connection)) {
    // cpp-httplib adds the addresses after the request's own headers.
    std::string ip;
    int number = -1;
    stream.get_remote_ip_and_port(ip, number);
    get->request.headers.emplace("REMOTE_ADDR", ip);
    get->request.headers.emplace("REMOTE_PORT", std::to_string(number));
    stream.get_local_ip_and_port(ip, number);
    get->request.headers.emplace("LOCAL_ADDR", ip);
    get->request.headers.emplace("LOCAL_PORT", std::to_string(number));
    made = answer(get->request);
    if (http::plain_answer(made->answer)) {
      thread_local std::string out;
      http::write_plain_answer(made->answer, get->close, config.keep_alive_timeout_seconds, keep_alive_max, out);
      connection.input.erase(0, get->head_bytes);
      log(*made, get->request.method, get->target);  // before the client has its answer, as cpp-httplib's path does
      stream.write(out.data(), out.size());
      const bool sent = stream.flush();
      return !sent || get->close ? http::AfterRequest::close : http::AfterRequest::keep_alive;
    }
    made_answer = &*made;  // cpp-httplib reads the request again and writes this answer
  }
  RequestNote note;
  current_note = &note;
  bool close_after = false;
  const bool answered = http.serve_request(stream, close_after);
  current_note = nullptr;
  made_answer = nullptr;
  stream.consume_read();
  if (!stream.flush() || !answered || close_after) return http::AfterRequest::close;
  return note.close_after ? http::AfterRequest::linger : http::AfterRequest::keep_alive;
}

Server::Server(Simulator& simulator, ServerConfig config) : impl_(std::make_unique<Impl>(simulator, std::move(config))) {
  auto& http = impl_->http;
  http.new_task_queue = [] { return new InlineQueue; };
  http.adopt = [this](int fd) { impl_->pool->adopt(fd); };
  http.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second server bind a port that is already serving
  // and silently share its connections. Only SO_REUSEADDR (quick restarts after TIME_WAIT): a taken port is an error.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  http.set_keep_alive_max_count(keep_alive_max);
  http.set_keep_alive_timeout(impl_->config.keep_alive_timeout_seconds);
  http.set_payload_max_length(simulator.options().max_body_bytes + 1);
  const auto respond = [this](const HttpRequest& message, const httplib::Request& request, httplib::Response& response) {
    Answered answered;
    if (made_answer != nullptr) {
      answered = std::move(*made_answer);
      made_answer = nullptr;
    } else {
      answered = impl_->answer(message);
    }
    write_response(answered.answer, response, request.method == "HEAD");
    impl_->log(answered, request.method, request.target.empty() ? request.path : request.target);
  };
  const auto handler = [respond](const httplib::Request& request, httplib::Response& response) {
    respond(to_request(request), request, response);
  };
  const std::size_t max_body = simulator.options().max_body_bytes;
  const ServerConfig& served = impl_->config;
  http.set_pre_routing_handler([handler, respond, max_body, &served](const httplib::Request& request,
                                                                     httplib::Response& response) {
    if (auto refusal = admin_gate(served, request)) {
      if (request.has_header("Content-Length") || request.has_header("Transfer-Encoding")) {
        if (current_note) current_note->close_after = true;  // its body stays unread
      }
      write_response(*refusal, response, request.method == "HEAD");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A body whose framing is wrong or too large is never read: the provider answers its error, then the
    // connection closes (its unread bytes cannot be told from a next request).
    if (auto violation = http::framing_violation(request, max_body)) {
      HttpRequest message = to_request(request);
      message.framing = std::move(violation);
      if (current_note) current_note->close_after = true;
      respond(message, request, response);
      response.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3), but cpp-httplib 0.11
    // answers such a POST/PUT (curl -X PUT …/cancel) with an empty 400 before routing: answer it here instead.
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
  const ServerConfig& config = impl_->config;
  http::ConnectionSettings settings;
  settings.head_timeout = std::chrono::milliseconds(config.head_timeout_ms);
  settings.idle_timeout = std::chrono::seconds(config.keep_alive_timeout_seconds);
  settings.max_head_bytes = config.max_head_bytes;
  settings.max_connections = config.max_connections;
  settings.max_threads = static_cast<std::size_t>(std::max(1, config.threads));
  // Four workers (measured on 2 cores: as many as the cores served a status poll ~25% slower); the pool grows when
  // long calls hold them.
  settings.min_threads = std::min<std::size_t>(4, settings.max_threads);
  impl_->pool = std::make_unique<http::ConnectionPool>(
      settings, [this](http::Connection& connection) { return impl_->serve(connection); });
  impl_->port = impl_->config.port == 0 ? impl_->http.bind_to_any_port(impl_->config.host)
                                         : (impl_->http.bind_to_port(impl_->config.host, impl_->config.port)
                                                ? impl_->config.port
                                                : -1);
  if (impl_->port < 0) {
    throw std::runtime_error("cannot bind " + impl_->config.host + ":" + std::to_string(impl_->config.port) +
                             " (address in use, or not an address of this machine)");
  }
  // cpp-httplib listens with a backlog of 5 (compiled in): a burst of connections overflows it and the kernel
  // drops SYNs (clients retry after 1, 3, 7 s). listen() again on the bound socket raises it.
  ::listen(impl_->http.listening_socket(), config.backlog);
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
  impl_->pool->stop();
}

void Server::wait() {
  while (impl_->thread.joinable() && impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string Server::exposure_warning() const {
  const ServerConfig& config = impl_->config;
  if (is_loopback_host(config.host)) return {};
  std::string out = "warning: nanosim serves on " + config.host + ":" + std::to_string(impl_->port) +
                    ", an address other machines can reach: anyone who reaches it can call every provider endpoint "
                    "and read every result file. ";
  out += config.admin_token.empty()
             ? "The admin API (/__nanosim/: reset, clock, scenarios, journal, jobs, credits) is OFF: start with "
               "--admin-token TOKEN (or NANOSIM_ADMIN_TOKEN) to use it with Authorization: Bearer TOKEN."
             : "The admin API (/__nanosim/) answers only Authorization: Bearer <admin token>.";
  return out;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  std::string address = host;
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
  return false;
}

bool Server::running() const { return impl_->http.is_running(); }
int Server::port() const { return impl_->port; }
std::string Server::base_url() const { return "http://" + impl_->config.host + ":" + std::to_string(impl_->port); }

}  // namespace nanosim
