#include "scriptmesh/secrets.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("secrets: without secrets and without dev mode, start-up is refused naming the setting") {
  testing::TempDir dir;
  OrchestratorConfig config;
  config.data_dir = dir.path().string();
  auto s = load_orchestrator_secrets(config, null_logger());
  CHECK_ERROR_CODE(s, "missing_secret");
  CHECK(s.error().message().find("SCRIPTMESH_FERNET_KEYS") != std::string::npos);

  config.fernet_keys = FernetKey::generate().to_string();
  auto s2 = load_orchestrator_secrets(config, null_logger());
  CHECK_ERROR_CODE(s2, "missing_secret");
  CHECK(s2.error().message().find("SCRIPTMESH_JWT_SECRET") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "secrets"));
}

TEST_CASE("secrets: dev mode generates private files once and reuses them") {
  testing::TempDir dir;
  OrchestratorConfig config;
  config.data_dir = dir.path().string();
  config.dev = true;
  auto first = load_orchestrator_secrets(config, null_logger());
  REQUIRE_OK(first);
  CHECK(mode_of(dir / "secrets") == 0700);
  CHECK(mode_of(dir / "secrets/fernet.keys") == 0600);
  CHECK(mode_of(dir / "secrets/jwt.secret") == 0600);
  CHECK(first->jwt_secret.size() >= 32);

  auto second = load_orchestrator_secrets(config, null_logger());
  REQUIRE_OK(second);
  CHECK(second->jwt_secret == first->jwt_secret);
  WallTime now = system_clock().now();
  auto plain = second->fernet.decrypt(first->fernet.encrypt("kept across restarts", now), now);
  REQUIRE_OK(plain);
  CHECK(*plain == "kept across restarts");
}

TEST_CASE("secrets: explicit values and files, and their validation") {
  testing::TempDir dir;
  OrchestratorConfig config;
  config.data_dir = dir.path().string();
  std::string k1 = FernetKey::generate().to_string();
  std::string k2 = FernetKey::generate().to_string();
  std::ofstream(dir / "keys") << k1 << "\n" << k2 << "\n";
  std::ofstream(dir / "jwt") << std::string(40, 'j') << "\n";
  config.fernet_key_file = (dir / "keys").string();
  config.jwt_secret_file = (dir / "jwt").string();
  auto s = load_orchestrator_secrets(config, null_logger());
  REQUIRE_OK(s);
  CHECK(s->fernet.size() == 2);
  CHECK(s->jwt_secret == std::string(40, 'j'));

  config.jwt_secret = "short";
  CHECK_ERROR_CODE(load_orchestrator_secrets(config, null_logger()), "invalid_config");

  config.jwt_secret = std::string(32, 'x');
  config.fernet_keys = "not-a-key";
  auto bad = load_orchestrator_secrets(config, null_logger());
  CHECK_ERROR_CODE(bad, "invalid_config");
  CHECK(bad.error().message().find("not-a-key") == std::string::npos);  // never echo a secret

  config.fernet_keys.clear();
  config.fernet_key_file = (dir / "absent").string();
  CHECK_ERROR_CODE(load_orchestrator_secrets(config, null_logger()), "secret_file_unreadable");
}

}  // namespace
}  // namespace scriptmesh
