#include "support/loopback_receiver.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http/server.hpp"
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
    write_test_certificate(*impl_->cert_dir / "cert.pem", *impl_->cert_dir / "key.pem",
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

void write_test_certificate(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file, const std::string& names) {
  auto fail = [](const char* what) {
    throw std::runtime_error(std::string("test certificate: ") + what);
  };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) fail("key generation");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("scriptmesh test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, names.c_str());
  if (san == nullptr) fail("subjectAltName");
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("sign");

  auto write = [&](const std::filesystem::path& path, auto&& emit) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) fail("open output file");
    bool ok = emit(f) == 1;
    std::fclose(f);
    if (!ok) fail("PEM write");
  };
  write(cert_file, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); });
  write(key_file, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

}  // namespace scriptmesh::testing
