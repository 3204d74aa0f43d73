// Principal: who is making a request, once their credentials are checked.
//
// Built by the authentication service from an access token, an API key or an
// agent key, and carried with the request to every service call that needs
// to know the tenant, the role and the scopes.
#pragma once

#include <string>
#include <vector>

#include "scriptmesh/ids.hpp"

namespace scriptmesh {

struct Principal {
  TenantId tenant_id;
  UserId user_id;                   // empty when the caller is an agent
  std::string role;                 // "owner" | "admin" | "member"
  std::vector<std::string> scopes;  // API-key scopes; empty for a user's own session
  std::string credential_kind;      // "access_token" | "api_key" | "agent_key"
  std::string credential_id;        // the key's or agent's id, never the secret
};

}  // namespace scriptmesh
