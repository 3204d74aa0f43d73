// The one table that turns an Error into an HTTP status. Nothing else in
// ScriptMesh picks a status for an error.
//
// A code with a status of its own wins; otherwise the category decides.
//
//   code                  status   why
//   invalid_json           400     the body is not a JSON object
//   invalid_request        400     the request itself could not be read
//   invalid_path           400     a path with "." or ".." segments (web app)
//   unsupported_media_type 415     a cookie-authenticated call without a
//                                  JSON Content-Type (CSRF defence)
//   plan_limit_reached     402     the tenant's plan is full (docs/roles.md)
//   method_not_allowed     405     known path, other method (sent with Allow)
//   request_timeout        408     the request did not arrive in time
//   body_too_large         413
//   upgrade_required       426     a WebSocket-only path asked without Upgrade
//   rate_limited           429     sent with Retry-After
//   header_too_large       431
//   not_implemented        501     a transfer coding the server does not know
//
//   category              status
//   invalid_argument       422     valid request, unacceptable content
//                                  ("invalid_field", "invalid_cron",
//                                  "script_not_allowed", ...)
//   unauthenticated        401
//   permission_denied      403
//   not_found              404     also another tenant's resource
//   conflict               409
//   failed_precondition    409     state must change first
//   resource_exhausted     429
//   unavailable            503
//   internal               500
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh::http {

// The status for an error with this category and machine code.
int http_status(ErrorCategory category, std::string_view code) noexcept;

inline int http_status(const Error& error) noexcept {
  return http_status(error.category(), error.code());
}

}  // namespace scriptmesh::http
