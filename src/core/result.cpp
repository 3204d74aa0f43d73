#include "scriptmesh/result.hpp"

namespace scriptmesh {

std::string_view error_category_name(ErrorCategory category) noexcept {
  switch (category) {
    case ErrorCategory::kInvalidArgument: return "invalid_argument";
    case ErrorCategory::kUnauthenticated: return "unauthenticated";
    case ErrorCategory::kPermissionDenied: return "permission_denied";
    case ErrorCategory::kNotFound: return "not_found";
    case ErrorCategory::kConflict: return "conflict";
    case ErrorCategory::kFailedPrecondition: return "failed_precondition";
    case ErrorCategory::kResourceExhausted: return "resource_exhausted";
    case ErrorCategory::kUnavailable: return "unavailable";
    case ErrorCategory::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace scriptmesh
