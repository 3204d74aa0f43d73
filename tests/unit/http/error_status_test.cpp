#include "http/error_status.hpp"

#include <doctest/doctest.h>

namespace scriptmesh::http {
namespace {

TEST_CASE("categories map to their statuses") {
  using C = ErrorCategory;
  CHECK(http_status(C::kInvalidArgument, "invalid_field") == 422);
  CHECK(http_status(C::kInvalidArgument, "invalid_cron") == 422);
  CHECK(http_status(C::kInvalidArgument, "script_not_allowed") == 422);
  CHECK(http_status(C::kUnauthenticated, "invalid_token") == 401);
  CHECK(http_status(C::kPermissionDenied, "insufficient_scope") == 403);
  CHECK(http_status(C::kNotFound, "not_found") == 404);
  CHECK(http_status(C::kConflict, "email_taken") == 409);
  CHECK(http_status(C::kFailedPrecondition, "email_not_verified") == 409);
  CHECK(http_status(C::kResourceExhausted, "quota") == 429);
  CHECK(http_status(C::kUnavailable, "store_busy") == 503);
  CHECK(http_status(C::kInternal, "internal") == 500);
}

TEST_CASE("codes with a status of their own win over the category") {
  using C = ErrorCategory;
  CHECK(http_status(C::kInvalidArgument, "invalid_json") == 400);
  CHECK(http_status(C::kInvalidArgument, "invalid_request") == 400);
  CHECK(http_status(C::kInvalidArgument, "invalid_path") == 400);
  CHECK(http_status(C::kInvalidArgument, "unsupported_media_type") == 415);
  CHECK(http_status(C::kResourceExhausted, "plan_limit_reached") == 402);
  CHECK(http_status(C::kFailedPrecondition, "plan_limit_reached") == 402);
  CHECK(http_status(C::kInvalidArgument, "method_not_allowed") == 405);
  CHECK(http_status(C::kUnavailable, "request_timeout") == 408);
  CHECK(http_status(C::kResourceExhausted, "body_too_large") == 413);
  CHECK(http_status(C::kInvalidArgument, "upgrade_required") == 426);
  CHECK(http_status(C::kResourceExhausted, "rate_limited") == 429);
  CHECK(http_status(C::kResourceExhausted, "header_too_large") == 431);
  CHECK(http_status(Error::resource_exhausted("body_too_large", "too big")) == 413);
}

}  // namespace
}  // namespace scriptmesh::http
