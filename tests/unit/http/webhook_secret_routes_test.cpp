// The webhook-secret handlers called directly, with the real service over a
// SQLite store: everything but the route table and the socket.
#include "http/api/webhook_secret_routes.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include "scriptmesh/fernet.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/webhook_signing.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::http {
namespace {

namespace json = boost::json;
using testing::FakeClock;
using testing::TempDir;

class Fixture {
 public:
  Fixture() : keyring_({FernetKey::generate()}) {
    SqliteStoreOptions options;
    options.path = dir_ / "scriptmesh.db";
    options.synchronous = SqliteSynchronous::kOff;
    auto opened = open_sqlite_store(options);
    REQUIRE_OK(opened);
    store_ = std::move(opened).value();
    TenantRecord tenant;
    tenant.id = TenantId("tnt_a");
    tenant.name = "A";
    tenant.created_at = clock_.now();
    UserRecord owner;
    owner.id = UserId("usr_a");
    owner.email = "owner@a.test";
    owner.role = UserRole::kOwner;
    owner.created_at = clock_.now();
    REQUIRE_OK(store_->create_tenant(tenant, owner));
    secrets_ = std::make_unique<TenantWebhookSecrets>(*store_, keyring_, clock_);
  }

  TenantWebhookSecrets& secrets() { return *secrets_; }

  static RequestContext as(const std::string& role) {
    RequestContext ctx;
    ctx.principal = Principal{TenantId("tnt_a"), UserId("usr_a"), role, {}, "access_token", ""};
    return ctx;
  }

 private:
  TempDir dir_;
  FakeClock clock_;
  FernetKeyring keyring_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<TenantWebhookSecrets> secrets_;
};

std::string secret_of(const Response& response) {
  REQUIRE(response.status == 200);
  CHECK(response.headers.get("Cache-Control") == "no-store");
  const json::value body = json::parse(response.body);
  REQUIRE(body.as_object().size() == 1);
  return std::string(body.at("secret").as_string());
}

std::string error_code_of(const Response& response) {
  return std::string(json::parse(response.body).at("error").at("code").as_string());
}

TEST_CASE("webhook secret routes: GET answers the same secret, rotate a new one") {
  Fixture f;
  Request request;
  RequestContext admin = Fixture::as("admin");
  const std::string first = secret_of(api::get_webhook_secret(f.secrets(), request, admin));
  CHECK(first.starts_with("whsec_"));
  CHECK(secret_of(api::get_webhook_secret(f.secrets(), request, admin)) == first);

  RequestContext owner = Fixture::as("owner");
  const std::string rotated = secret_of(api::rotate_webhook_secret(f.secrets(), request, owner));
  CHECK(rotated.starts_with("whsec_"));
  CHECK(rotated != first);
  CHECK(secret_of(api::get_webhook_secret(f.secrets(), request, admin)) == rotated);
}

TEST_CASE("webhook secret routes: members are refused and no caller is unauthenticated") {
  Fixture f;
  Request request;
  RequestContext member = Fixture::as("member");
  Response refused = api::get_webhook_secret(f.secrets(), request, member);
  CHECK(refused.status == 403);
  CHECK(error_code_of(refused) == "insufficient_role");
  refused = api::rotate_webhook_secret(f.secrets(), request, member);
  CHECK(refused.status == 403);
  CHECK(refused.body.find("whsec_") == std::string::npos);

  RequestContext nobody;
  Response anonymous = api::rotate_webhook_secret(f.secrets(), request, nobody);
  CHECK(anonymous.status == 401);
  CHECK(error_code_of(anonymous) == "missing_credentials");
}

}  // namespace
}  // namespace scriptmesh::http
