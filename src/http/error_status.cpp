#include "http/error_status.hpp"

#include <array>
#include <utility>

namespace scriptmesh::http {
namespace {

// Keep in the order and in step with the table in error_status.hpp.
constexpr std::array<std::pair<std::string_view, int>, 12> kCodeStatus{{
    {"invalid_json", 400},
    {"invalid_request", 400},
    {"invalid_path", 400},
    {"plan_limit_reached", 402},
    {"method_not_allowed", 405},
    {"request_timeout", 408},
    {"body_too_large", 413},
    {"unsupported_media_type", 415},
    {"upgrade_required", 426},
    {"rate_limited", 429},
    {"header_too_large", 431},
    {"not_implemented", 501},
}};

int category_status(ErrorCategory category) noexcept {
  switch (category) {
    case ErrorCategory::kInvalidArgument:
      return 422;
    case ErrorCategory::kUnauthenticated:
      return 401;
    case ErrorCategory::kPermissionDenied:
      return 403;
    case ErrorCategory::kNotFound:
      return 404;
    case ErrorCategory::kConflict:
      return 409;
    case ErrorCategory::kFailedPrecondition:
      return 409;
    case ErrorCategory::kResourceExhausted:
      return 429;
    case ErrorCategory::kUnavailable:
      return 503;
    case ErrorCategory::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace

int http_status(ErrorCategory category, std::string_view code) noexcept {
  for (const auto& [c, status] : kCodeStatus) {
    if (c == code) return status;
  }
  return category_status(category);
}

}  // namespace scriptmesh::http
