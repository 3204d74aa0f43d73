// Roles and scopes: the pure half of auth.hpp.
#include <algorithm>

#include "scriptmesh/auth.hpp"

namespace scriptmesh {
namespace {

// Higher is stronger.
int rank(UserRole role) noexcept {
  switch (role) {
    case UserRole::kOwner:
      return 3;
    case UserRole::kAdmin:
      return 2;
    case UserRole::kMember:
      return 1;
  }
  return 0;
}

}  // namespace

bool is_known_scope(std::string_view scope) noexcept {
  return std::find(kAllScopes.begin(), kAllScopes.end(), scope) != kAllScopes.end();
}

std::vector<std::string_view> scopes_allowed_for_role(UserRole role) {
  if (role == UserRole::kMember) {
    return {kScopeJobsRead, kScopeJobsWrite, kScopeAgentsRead, kScopeSchedulesRead};
  }
  return {kAllScopes.begin(), kAllScopes.end()};
}

bool role_at_least(UserRole role, UserRole min) noexcept {
  return rank(role) >= rank(min);
}

bool role_at_least(std::string_view role, UserRole min) noexcept {
  for (UserRole r : {UserRole::kOwner, UserRole::kAdmin, UserRole::kMember}) {
    if (to_string(r) == role) return role_at_least(r, min);
  }
  return false;
}

bool has_scope(const Principal& principal, std::string_view scope) noexcept {
  if (scope.empty() || principal.credential_kind == "access_token") return true;
  return std::any_of(principal.scopes.begin(), principal.scopes.end(),
                     [&](const std::string& s) { return s == scope || s == kScopeAdmin; });
}

Result<void> authorize(const Principal& principal, UserRole min_role, std::string_view scope) {
  if (!role_at_least(principal.role, min_role)) {
    return Error::permission_denied(
        "insufficient_role",
        "this needs the " + std::string(to_string(min_role)) + " role or higher");
  }
  if (!has_scope(principal, scope)) {
    return Error::permission_denied("insufficient_scope",
                                    "this API key lacks the " + std::string(scope) + " scope");
  }
  return ok_result();
}

}  // namespace scriptmesh
