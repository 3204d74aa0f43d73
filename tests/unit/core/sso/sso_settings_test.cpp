#include "scriptmesh/orchestrator_config.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "scriptmesh/secrets.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

Result<OrchestratorConfig> load_with(std::map<std::string, std::string> flags) {
  ConfigSources sources;
  sources.env = [](std::string_view) { return std::optional<std::string>(); };
  sources.flags = std::move(flags);
  return load_orchestrator_config(sources);
}

TEST_CASE("sso settings: defaults keep Microsoft sign-in off") {
  auto config = load_with({});
  REQUIRE_OK(config);
  CHECK(config->sso_microsoft_client_id.empty());
  CHECK(config->sso_microsoft_authority == "https://login.microsoftonline.com/organizations");
  CHECK(config->sso_microsoft_allowed_tenants.empty());
  CHECK(config->sso_microsoft_join == "members");
}

TEST_CASE("sso settings: authority, allowed tenants and join are checked") {
  auto config =
      load_with({{"sso_microsoft_authority", "https://login.microsoftonline.com/common/"},
                 {"sso_microsoft_allowed_tenants",
                  " AAAAAAAA-0000-4000-8000-000000000001 ,bbbbbbbb-0000-4000-8000-000000000002"},
                 {"sso_microsoft_join", "invite-only"}});
  REQUIRE_OK(config);
  CHECK(config->sso_microsoft_authority == "https://login.microsoftonline.com/common");
  CHECK(config->sso_microsoft_allowed_tenants ==
        std::vector<std::string>{"aaaaaaaa-0000-4000-8000-000000000001",
                                 "bbbbbbbb-0000-4000-8000-000000000002"});
  CHECK(config->sso_microsoft_join == "invite-only");

  CHECK_ERROR_CODE(load_with({{"sso_microsoft_authority", "http://login.example/common"}}),
                   "invalid_config");
  CHECK_OK(load_with({{"sso_microsoft_authority", "http://127.0.0.1:9/organizations"}}));
  CHECK_ERROR_CODE(load_with({{"sso_microsoft_allowed_tenants", "contoso.example"}}),
                   "invalid_config");
  CHECK_ERROR_CODE(load_with({{"sso_microsoft_join", "anyone"}}), "invalid_config");
}

TEST_CASE("sso settings: a client id needs its secret, given or in a file") {
  testing::TempDir dir;
  OrchestratorConfig config;
  config.data_dir = dir.path().string();
  config.dev = true;
  config.sso_microsoft_client_id = "11111111-2222-3333-4444-555555555555";
  auto missing = load_orchestrator_secrets(config, null_logger());
  CHECK_ERROR_CODE(missing, "missing_secret");
  CHECK(missing.error().message().find("SCRIPTMESH_SSO_MICROSOFT_CLIENT_SECRET") !=
        std::string::npos);

  std::ofstream(dir / "client-secret") << "from-the-file\n";
  config.sso_microsoft_client_secret_file = (dir / "client-secret").string();
  auto from_file = load_orchestrator_secrets(config, null_logger());
  REQUIRE_OK(from_file);
  CHECK(from_file->sso_microsoft_client_secret == "from-the-file");

  config.sso_microsoft_client_secret = "given";
  auto given = load_orchestrator_secrets(config, null_logger());
  REQUIRE_OK(given);
  CHECK(given->sso_microsoft_client_secret == "given");
}

}  // namespace
}  // namespace scriptmesh
