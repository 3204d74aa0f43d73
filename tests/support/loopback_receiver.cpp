#include "support/loopback_receiver.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "http/server.hpp"
#include "support/http_test_client.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

// "/", "/{p0}", "/{p0}/{p1}", ...: with one route per method and depth the
// table accepts any path without empty segments.
std::string catch_all_pattern(std::size_t depth) {
  if (depth == 0) return "/";
  std::string pattern;
  for (std::size_t i = 0; i < depth; ++i)
    pattern += "/{p" + std::to_string(i) + "}";
  return pattern;
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequal(key, name)) return value;
  }
  return {};
}

bool ReceivedRequest::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& field) { return iequal(field.first, name); });
}

struct LoopbackReceiver::Impl {
  explicit Impl(LoopbackReceiverOptions o) : options(std::move(o)) {}

  http::Router make_router() {
    http::Router router;
    using M = http::Method;
    for (M method : {M::kGet, M::kHead, M::kPost, M::kPut, M::kPatch, M::kDelete, M::kOptions}) {
      for (std::size_t depth = 0; depth <= kMaxDepth; ++depth) {
        http::Route route;
        route.method = method;
        route.pattern = catch_all_pattern(depth);
        route.name = std::string(http::method_name(method)) + "." + std::to_string(depth);
        route.public_route = true;
        route.handler = [this](const http::Request& request, http::RequestContext&) {
          return handle(request);
        };
        router.add(std::move(route));
      }
    }
    return router;
  }

  http::Response handle(const http::Request& request) {
    ReceivedRequest received{std::string(http::method_name(request.method)),
                             request.target,
                             {},
                             request.body,
                             request.secure};
    for (const auto& [name, value] : request.headers)
      received.headers.emplace_back(name, value);
    std::size_t open = server ? server->active_connections() : 0;

    std::unique_lock lock(mu);
    peak = std::max(peak, open);
    received_requests.push_back(std::move(received));
    arrived.notify_all();
    CannedResponse canned = options.default_response;
    if (!queued.empty()) {
      canned = std::move(queued.front());
      queued.pop_front();
    }
    if (canned.hang) {
      released.wait_for(lock, kMaxHang, [this] { return stopping; });
      return http::empty_response(503);
    }
    lock.unlock();

    http::Response response;
    response.status = canned.status;
    response.content_type = canned.content_type;
    response.body = std::move(canned.body);
    for (auto& [name, value] : canned.headers)
      response.headers.add(name, value);
    return response;
  }

  const LoopbackReceiverOptions options;
  std::optional<TempDir> cert_dir;
  std::unique_ptr<http::HttpServer> server;

  mutable std::mutex mu;
  mutable std::condition_variable arrived;         // a request was recorded
  std::condition_variable released;                // stopping was set
  std::vector<ReceivedRequest> received_requests;  // guarded by mu
  std::deque<CannedResponse> queued;               // guarded by mu
  std::size_t peak = 0;                            // guarded by mu
  bool stopping = false;                           // guarded by mu
};

LoopbackReceiver::LoopbackReceiver(LoopbackReceiverOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  // Room for requests held by `hang` next to ordinary ones.
  server_options.threads = 4;
  server_options.body_limit = impl_->options.body_limit;
  server_options.idle_timeout = impl_->options.idle_timeout;
  server_options.shutdown_grace = std::chrono::milliseconds(2000);
  if (impl_->options.tls) {
    impl_->cert_dir.emplace();
    write_self_signed_cert(*impl_->cert_dir / "cert.pem", *impl_->cert_dir / "key.pem",
                           impl_->options.cert_names);
    server_options.tls = http::TlsOptions{(*impl_->cert_dir / "cert.pem").string(),
                                          (*impl_->cert_dir / "key.pem").string()};
  }
  impl_->server = std::make_unique<http::HttpServer>(server_options, impl_->make_router());
  auto started = impl_->server->start();
  if (!started.ok()) {
    throw std::runtime_error("loopback receiver: " + started.error().to_string());
  }
}

LoopbackReceiver::~LoopbackReceiver() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->released.notify_all();
  impl_->server->stop();
}

std::uint16_t LoopbackReceiver::port() const {
  return impl_->server->bound_port();
}

std::string LoopbackReceiver::url(std::string_view path) const {
  return std::string(impl_->options.tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

std::filesystem::path LoopbackReceiver::cert_file() const {
  return impl_->cert_dir ? *impl_->cert_dir / "cert.pem" : std::filesystem::path();
}

void LoopbackReceiver::respond_next(CannedResponse response, std::size_t times) {
  std::lock_guard lock(impl_->mu);
  for (std::size_t i = 0; i < times; ++i)
    impl_->queued.push_back(response);
}

std::vector<ReceivedRequest> LoopbackReceiver::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received_requests;
}

std::size_t LoopbackReceiver::request_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received_requests.size();
}

bool LoopbackReceiver::wait_for_requests(std::size_t count,
                                         std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->arrived.wait_for(lock, timeout,
                                 [&] { return impl_->received_requests.size() >= count; });
}

std::size_t LoopbackReceiver::peak_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->peak;
}

std::size_t LoopbackReceiver::open_connections() const {
  return impl_->server->active_connections();
}

}  // namespace scriptmesh::testing
