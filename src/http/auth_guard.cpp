#include "http/auth_guard.hpp"

#include <string>

#include "http/rate_limit_guard.hpp"
#include "scriptmesh/auth.hpp"

namespace scriptmesh::http {
namespace {

constexpr std::size_t kMaxCredentialBytes = 4096;
constexpr std::string_view kRealm = R"(Bearer realm="scriptmesh")";

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

Error missing_credentials() {
  return Error::unauthenticated("missing_credentials",
                                "this route needs an Authorization: Bearer credential");
}

std::string failure_key(const Request& request) {
  return "auth_failure|" + client_address_key(request.client_address);
}

}  // namespace

Result<std::string_view> bearer_credential(std::string_view value) {
  while (!value.empty() && is_space(value.front()))
    value.remove_prefix(1);
  while (!value.empty() && is_space(value.back()))
    value.remove_suffix(1);
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() || !iequals(value.substr(0, kScheme.size()), kScheme) ||
      !is_space(value[kScheme.size()])) {
    return missing_credentials();
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && is_space(value.front()))
    value.remove_prefix(1);
  if (value.empty() || value.size() > kMaxCredentialBytes) return missing_credentials();
  for (char c : value) {
    if (is_space(c) || static_cast<unsigned char>(c) < 0x21 || c == 0x7f) {
      return missing_credentials();
    }
  }
  return value;
}

Result<void> authorize_route(const Route& route, const Principal& principal) {
  UserRole min_role = UserRole::kMember;
  if (!route.min_role.empty()) {
    auto parsed = parse_user_role(route.min_role);
    // A bad role name in the route table is a bug; refuse rather than open up.
    if (!parsed.ok()) return Error::internal("internal", "internal error");
    min_role = *parsed;
  }
  return authorize(principal, min_role, route.scope);
}

Guard make_auth_guard(Authenticator authenticate, AuthGuardOptions options) {
  return [authenticate = std::move(authenticate), options](const Request& request,
                                                           RequestContext& ctx) -> Result<void> {
    if (ctx.route == nullptr || ctx.route->public_route) return ok_result();
    auto header = request.header("Authorization");
    if (!header) {
      ctx.response_headers.set("WWW-Authenticate", std::string(kRealm));
      return missing_credentials();
    }
    auto credential = bearer_credential(*header);
    Result<Principal> principal =
        credential.ok() ? authenticate(*credential) : Result<Principal>(credential.error());
    if (!principal.ok()) {
      if (principal.error().category() != ErrorCategory::kUnauthenticated) {
        return principal.error();  // the store is down: not the caller's fault
      }
      // An expired access token is a genuine one gone stale (a client about
      // to refresh), not a guess; only the others count against the address.
      // Only refusals are throttled: a valid credential is never refused
      // for what others sent from the same address.
      if (options.failure_limiter != nullptr && principal.error().code() != "token_expired") {
        RateDecision d =
            options.failure_limiter->acquire(failure_key(request), options.failure_limit);
        if (!d.allowed) return rate_limited(d, ctx);
      }
      ctx.response_headers.set("WWW-Authenticate",
                               std::string(kRealm) + R"(, error="invalid_token")");
      return principal.error();
    }
    ctx.principal = std::move(*principal);
    auto allowed = authorize_route(*ctx.route, *ctx.principal);
    if (!allowed.ok() && allowed.error().code() == "insufficient_scope") {
      ctx.response_headers.set("WWW-Authenticate", std::string(kRealm) +
                                                       R"(, error="insufficient_scope", scope=")" +
                                                       ctx.route->scope + "\"");
    }
    return allowed;
  };
}

Guard make_auth_guard(AuthService& auth, AuthGuardOptions options) {
  return make_auth_guard(
      [&auth](std::string_view credential) { return auth.authenticate(credential); }, options);
}

}  // namespace scriptmesh::http
