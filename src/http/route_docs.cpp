#include "scriptmesh/route_docs.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "http/api_routes.hpp"
#include "http/openapi.hpp"
#include "http/route_matrix.hpp"
#include "http/route_table.hpp"
#include "http/router.hpp"
#include "scriptmesh/accounts.hpp"
#include "scriptmesh/api_keys.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/email.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/tenants.hpp"

namespace scriptmesh {
namespace {

namespace fs = std::filesystem;

class DiscardingEmailSender final : public EmailSender {
 public:
  Result<void> send(const EmailMessage&) override { return ok_result(); }
};

TokenConfig unused_tokens() {
  TokenConfig tokens;
  tokens.jwt_secret = "unused: describing routes signs no token";
  return tokens;
}

AccountOptions account_options() {
  AccountOptions options;
  options.tokens = unused_tokens();
  return options;
}

// Removes a directory with everything in it when it goes.
struct RemovedOnExit {
  fs::path dir;
  ~RemovedOnExit() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// The services add_api_routes() binds its handlers to, over a throwaway
// store. Members go in reverse order: the services, then the store (closing
// its file), then the directory.
class ThrowawayServices {
 public:
  ThrowawayServices(fs::path dir, std::unique_ptr<Store> store)
      : dir_{std::move(dir)}, store_(std::move(store)) {}
  ThrowawayServices(const ThrowawayServices&) = delete;
  ThrowawayServices& operator=(const ThrowawayServices&) = delete;

  http::ApiServices& api() { return api_; }

 private:
  RemovedOnExit dir_;
  std::unique_ptr<Store> store_;
  DiscardingEmailSender email_;
  AccountService accounts_{*store_, system_clock(), email_, account_options()};
  AuthService auth_{*store_, system_clock(), unused_tokens()};
  ApiKeyService api_keys_{*store_, system_clock()};
  TenantService tenants_{*store_};
  UserService users_{*store_, system_clock(), email_};
  http::ApiServices api_{accounts_, auth_, api_keys_, tenants_, users_, system_clock()};
};

Result<std::unique_ptr<ThrowawayServices>> open_throwaway_services() {
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  std::string pattern = (tmp / "scriptmesh-routes-XXXXXX").string();
  if (ec || mkdtemp(pattern.data()) == nullptr) {
    return Error::unavailable("tmpdir_failed", "cannot create a temporary directory");
  }
  SqliteStoreOptions options;
  options.path = fs::path(pattern) / "scriptmesh.db";
  options.synchronous = SqliteSynchronous::kOff;
  options.read_connections = 1;
  auto store = open_sqlite_store(options);
  if (!store.ok()) {
    RemovedOnExit cleanup{pattern};
    return store.error();
  }
  return std::make_unique<ThrowawayServices>(fs::path(pattern), std::move(*store));
}

// GET /openapi.json through the router, exactly as the server answers it.
std::string served_document(const http::Router& router) {
  http::Request request;
  request.target = request.path = "/openapi.json";
  http::RequestContext ctx;
  return router.dispatch(request, ctx).body + "\n";
}

}  // namespace

Result<std::string> describe_routes(RouteDocFormat format) {
  auto services = open_throwaway_services();
  SCRIPTMESH_RETURN_IF_ERROR(services);
  http::Router router;
  http::add_orchestrator_routes(router, (*services)->api());
  switch (format) {
    case RouteDocFormat::kOpenApi:
      return served_document(router);
    case RouteDocFormat::kMarkdown:
      return http::routes_markdown(router.routes());
    case RouteDocFormat::kText:
      break;
  }
  return http::routes_text(router.routes());
}

}  // namespace scriptmesh
