// Result<T> and Error: how every expected failure in ScriptMesh is reported.
//
// A function that can fail for reasons a caller should handle (bad input, a
// missing row, a spent token, a full plan) returns Result<T> instead of
// throwing. Exceptions are kept for bugs and start-up failure.
//
// An Error carries
//   - a coarse category, which tells the caller what to do next and which the
//     HTTP layer maps to a status code in exactly one table;
//   - a stable machine code ("plan_limit_reached", "invalid_token") that
//     clients may switch on and that never changes once shipped;
//   - a human message naming what failed, never a secret or another tenant's id.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace scriptmesh {

// What the caller should do next, coarsely. Keep in sync with the status table
// in src/http and with error_category_name().
enum class ErrorCategory {
  kInvalidArgument,     // the request itself is wrong: fix it, do not retry as is
  kUnauthenticated,     // no, bad or expired credentials
  kPermissionDenied,    // authenticated, but the role or scope is too weak
  kNotFound,            // no such thing, or it belongs to another tenant
  kConflict,            // concurrent change or duplicate: redo the read-modify-write
  kFailedPrecondition,  // state must be fixed first (e.g. e-mail not verified)
  kResourceExhausted,   // a limit was hit: rate limit, plan limit, size limit
  kUnavailable,         // transient: retry the same call later
  kInternal,            // a bug or an unexpected failure below us
};

// Stable lowercase name of a category ("invalid_argument", ...).
std::string_view error_category_name(ErrorCategory category) noexcept;

class [[nodiscard]] Error {
 public:
  Error(ErrorCategory category, std::string code, std::string message)
      : category_(category), code_(std::move(code)), message_(std::move(message)) {}

  ErrorCategory category() const noexcept { return category_; }
  // Stable machine code, snake_case.
  const std::string& code() const noexcept { return code_; }
  // Human-readable; safe to show to the caller that caused it.
  const std::string& message() const noexcept { return message_; }

  // "code: message", for logs and test failure output.
  std::string to_string() const { return code_ + ": " + message_; }

  // Shorthands for the common categories.
  static Error invalid_argument(std::string code, std::string message) {
    return {ErrorCategory::kInvalidArgument, std::move(code), std::move(message)};
  }
  static Error unauthenticated(std::string code, std::string message) {
    return {ErrorCategory::kUnauthenticated, std::move(code), std::move(message)};
  }
  static Error permission_denied(std::string code, std::string message) {
    return {ErrorCategory::kPermissionDenied, std::move(code), std::move(message)};
  }
  static Error not_found(std::string code, std::string message) {
    return {ErrorCategory::kNotFound, std::move(code), std::move(message)};
  }
  static Error conflict(std::string code, std::string message) {
    return {ErrorCategory::kConflict, std::move(code), std::move(message)};
  }
  static Error failed_precondition(std::string code, std::string message) {
    return {ErrorCategory::kFailedPrecondition, std::move(code), std::move(message)};
  }
  static Error resource_exhausted(std::string code, std::string message) {
    return {ErrorCategory::kResourceExhausted, std::move(code), std::move(message)};
  }
  static Error unavailable(std::string code, std::string message) {
    return {ErrorCategory::kUnavailable, std::move(code), std::move(message)};
  }
  static Error internal(std::string code, std::string message) {
    return {ErrorCategory::kInternal, std::move(code), std::move(message)};
  }

 private:
  ErrorCategory category_;
  std::string code_;
  std::string message_;
};

// Either a T or an Error. Accessing the wrong alternative is a bug and asserts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT: implicit

  bool ok() const noexcept { return !has_error_; }
  explicit operator bool() const noexcept { return ok(); }

  const Error& error() const& {
    assert(!ok());
    return error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(error_);
  }

 private:
  Error error_{ErrorCategory::kInternal, "", ""};
  bool has_error_ = false;
};

// A success value for Result<void>.
inline Result<void> ok_result() {
  return {};
}

}  // namespace scriptmesh

// Returns the error of `expr` from the enclosing function when it failed.
#define SCRIPTMESH_RETURN_IF_ERROR(expr)                   \
  do {                                                     \
    auto&& scriptmesh_r_ = (expr);                         \
    if (!scriptmesh_r_.ok()) return scriptmesh_r_.error(); \
  } while (false)
