// The orchestrator's own secrets: the Fernet keyring that encrypts secrets at
// rest, and the key that signs access tokens.
//
// They come from settings (see orchestrator_config.hpp), never from the
// source. Without them the orchestrator refuses to start, naming the missing
// setting; in dev mode it instead generates them once into
// <data_dir>/secrets/ (directory 0700, files 0600) and reuses them on every
// later start, so data encrypted yesterday still decrypts today.
#pragma once

#include <string>

#include "scriptmesh/fernet.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/orchestrator_config.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh {

struct OrchestratorSecrets {
  FernetKeyring fernet;
  std::string jwt_secret;  // raw HMAC key bytes, at least 32
  // The Entra ID app's client secret; empty while Microsoft sign-in is off.
  std::string sso_microsoft_client_secret;
};

// Errors: failed_precondition/missing_secret naming the setting to provide;
// invalid_argument/invalid_config for a malformed key or a short JWT secret;
// failed_precondition/missing_secret for a Microsoft sign-in client id
// without its client secret;
// unavailable/secret_file_unreadable when a named file cannot be read.
[[nodiscard]] Result<OrchestratorSecrets> load_orchestrator_secrets(
    const OrchestratorConfig& config, Logger& logger);

}  // namespace scriptmesh
