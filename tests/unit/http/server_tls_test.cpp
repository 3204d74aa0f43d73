#include "http/server.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <boost/json.hpp>

#include "http/json_body.hpp"
#include "support/http_test_client.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::http {
namespace {

using namespace std::chrono_literals;
using testing::HttpTestClient;
using testing::HttpTestClientOptions;
using testing::RawConnection;
using testing::TempDir;

Router tls_router() {
  Router router;
  add_health_routes(router);
  Route who;
  who.pattern = "/whoami";
  who.name = "whoami";
  who.handler = [](const Request& req, RequestContext&) {
    return json_response(200, boost::json::object{{"secure", req.secure}});
  };
  router.add(std::move(who));
  return router;
}

struct TlsFixture {
  TlsFixture() {
    testing::write_self_signed_cert(dir / "cert.pem", dir / "key.pem");
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.read_timeout = 300ms;
    options.tls = TlsOptions{(dir / "cert.pem").string(), (dir / "key.pem").string()};
  }

  HttpTestClientOptions client_options(std::uint16_t port) const {
    HttpTestClientOptions c;
    c.port = port;
    c.tls = true;
    c.ca_file = (dir / "cert.pem").string();
    return c;
  }

  TempDir dir;
  ServerOptions options;
};

TEST_CASE("HTTPS: a TLS client is served, keep-alive included, plain HTTP is not") {
  TlsFixture f;
  HttpServer server(f.options, tls_router());
  REQUIRE_OK(server.start());

  HttpTestClient client(f.client_options(server.bound_port()));
  auto first = client.request("GET", "/healthz");
  REQUIRE_OK(first);
  CHECK(first->status == 200);
  auto second = client.request("GET", "/whoami");
  REQUIRE_OK(second);
  CHECK(boost::json::parse(second->body).at("secure") == true);
  CHECK(second->header("X-Request-Id").rfind("req_", 0) == 0);
  CHECK(second->header("Strict-Transport-Security") == "max-age=31536000");
  CHECK(second->header("X-Content-Type-Options") == "nosniff");
  CHECK(client.connections_opened() == 1);

  HttpTestClient plain(server.bound_port());
  auto refused = plain.request("GET", "/healthz");
  CHECK_FALSE(refused.ok());

  // A client that never starts the handshake is dropped at read_timeout.
  RawConnection silent(server.bound_port());
  CHECK(silent.wait_closed(5s));

  // The server still serves TLS clients after all that.
  HttpTestClient again(f.client_options(server.bound_port()));
  auto ok = again.request("GET", "/healthz");
  REQUIRE_OK(ok);
  CHECK(ok->status == 200);
  server.stop();
}

TEST_CASE("HTTPS: unreadable or mismatched certificate files fail start()") {
  TlsFixture f;
  ServerOptions missing = f.options;
  missing.tls->cert_file = (f.dir / "nope.pem").string();
  HttpServer a(missing, tls_router());
  CHECK_ERROR_CODE(a.start(), "invalid_tls_config");

  TempDir other;
  testing::write_self_signed_cert(other / "cert.pem", other / "key.pem");
  ServerOptions mismatched = f.options;
  mismatched.tls->key_file = (other / "key.pem").string();
  HttpServer b(mismatched, tls_router());
  CHECK_ERROR_CODE(b.start(), "invalid_tls_config");
}

}  // namespace
}  // namespace scriptmesh::http
