#include "scriptmesh/secrets.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scriptmesh/random.hpp"

namespace scriptmesh {
namespace {

constexpr std::size_t kMinJwtSecretBytes = 32;

Result<std::string> read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::unavailable("secret_file_unreadable", "cannot read secret file " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// Writes `content` to a new file readable by the owner only. O_EXCL: two
// orchestrators starting at once cannot both write different secrets.
Result<void> write_private_file(const std::filesystem::path& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error::unavailable("secret_file_unwritable",
                              "cannot create " + path.string() + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = (::fsync(fd) == 0) && ok;
  ::close(fd);
  if (!ok) return Error::unavailable("secret_file_unwritable", "cannot write " + path.string());
  return {};
}

// In dev mode: the secret stored at <data_dir>/secrets/<name>, made by
// `generate` the first time.
Result<std::string> dev_secret(const OrchestratorConfig& config, const char* name,
                               std::string (*generate)(), Logger& logger) {
  std::filesystem::path dir = std::filesystem::path(config.data_dir) / "secrets";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::unavailable("secret_file_unwritable", "cannot create " + dir.string());
  ::chmod(dir.c_str(), 0700);
  std::filesystem::path path = dir / name;
  if (!std::filesystem::exists(path)) {
    SCRIPTMESH_RETURN_IF_ERROR(write_private_file(path, generate() + "\n"));
    logger.warn("dev mode: generated a secret; do not use dev mode in production",
                {{"file", path.string()}});
  }
  return read_secret_file(path.string());
}

std::string generate_fernet_key() {
  return FernetKey::generate().to_string();
}
std::string generate_jwt_secret() {
  return random_token(48);
}

Error missing(std::string_view env, std::string_view file_env) {
  return Error::failed_precondition(
      "missing_secret", std::string(env) + " (or " + std::string(file_env) +
                            ") must be set; run with --dev to generate development secrets");
}

Result<std::string> resolve(const std::string& value, const std::string& file,
                            const OrchestratorConfig& config, const char* dev_name,
                            std::string (*generate)(), Logger& logger, std::string_view env,
                            std::string_view file_env) {
  if (!value.empty()) return value;
  if (!file.empty()) return read_secret_file(file);
  if (config.dev) return dev_secret(config, dev_name, generate, logger);
  return missing(env, file_env);
}

}  // namespace

Result<OrchestratorSecrets> load_orchestrator_secrets(const OrchestratorConfig& config,
                                                      Logger& logger) {
  auto keys_text =
      resolve(config.fernet_keys, config.fernet_key_file, config, "fernet.keys",
              generate_fernet_key, logger, "SCRIPTMESH_FERNET_KEYS", "SCRIPTMESH_FERNET_KEY_FILE");
  SCRIPTMESH_RETURN_IF_ERROR(keys_text);
  std::string joined = *keys_text;
  for (char& c : joined) {
    if (c == '\n') c = ',';
  }
  auto ring = FernetKeyring::parse(joined);
  if (!ring.ok()) {
    return Error::invalid_argument("invalid_config", "Fernet keys: " + ring.error().message());
  }
  auto jwt =
      resolve(config.jwt_secret, config.jwt_secret_file, config, "jwt.secret", generate_jwt_secret,
              logger, "SCRIPTMESH_JWT_SECRET", "SCRIPTMESH_JWT_SECRET_FILE");
  SCRIPTMESH_RETURN_IF_ERROR(jwt);
  if (jwt->size() < kMinJwtSecretBytes) {
    return Error::invalid_argument("invalid_config",
                                   "SCRIPTMESH_JWT_SECRET must be at least 32 bytes");
  }
  OrchestratorSecrets secrets{std::move(*ring), std::move(*jwt), {}};
  if (!config.sso_microsoft_client_id.empty()) {
    if (!config.sso_microsoft_client_secret.empty()) {
      secrets.sso_microsoft_client_secret = config.sso_microsoft_client_secret;
    } else if (!config.sso_microsoft_client_secret_file.empty()) {
      auto secret = read_secret_file(config.sso_microsoft_client_secret_file);
      SCRIPTMESH_RETURN_IF_ERROR(secret);
      secrets.sso_microsoft_client_secret = std::move(*secret);
    }
    if (secrets.sso_microsoft_client_secret.empty()) {
      return Error::failed_precondition(
          "missing_secret",
          "SCRIPTMESH_SSO_MICROSOFT_CLIENT_SECRET (or SCRIPTMESH_SSO_MICROSOFT_CLIENT_SECRET_FILE) "
          "must be set with SCRIPTMESH_SSO_MICROSOFT_CLIENT_ID");
    }
  }
  return secrets;
}

}  // namespace scriptmesh
