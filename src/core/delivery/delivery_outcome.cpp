// How one delivery attempt is classified (see scriptmesh/delivery_worker.hpp).
#include <charconv>

#include "scriptmesh/delivery_worker.hpp"

namespace scriptmesh {
namespace {

// Retry-After values past this many digits are absurd; refusing them keeps
// the parse from overflowing.
constexpr std::size_t kMaxRetryAfterDigits = 9;

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

DeliveryOutcome DeliveryOutcome::succeeded(std::optional<int> status_code) {
  DeliveryOutcome out;
  out.kind = Kind::kSucceeded;
  out.status_code = status_code;
  return out;
}

DeliveryOutcome DeliveryOutcome::retry(std::string error, std::optional<int> status_code,
                                       std::optional<std::chrono::seconds> retry_after) {
  DeliveryOutcome out;
  out.kind = Kind::kRetry;
  out.status_code = status_code;
  out.error = std::move(error);
  out.retry_after = retry_after;
  return out;
}

DeliveryOutcome DeliveryOutcome::failed(std::string error, std::optional<int> status_code) {
  DeliveryOutcome out;
  out.kind = Kind::kFailed;
  out.status_code = status_code;
  out.error = std::move(error);
  return out;
}

std::optional<std::chrono::seconds> parse_retry_after_seconds(std::string_view value) {
  value = trim_spaces(value);
  if (value.empty() || value.size() > kMaxRetryAfterDigits) return std::nullopt;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

DeliveryOutcome delivery_outcome_of(const Result<HttpClientResponse>& response) {
  if (!response.ok()) {
    const Error& e = response.error();
    // Unavailable means the request may not have reached the receiver, or its
    // answer did not reach us: the next attempt may well succeed. Anything
    // else (a bad URL, a response too large to read) will fail the same way.
    if (e.category() == ErrorCategory::kUnavailable) return DeliveryOutcome::retry(e.to_string());
    return DeliveryOutcome::failed(e.to_string());
  }
  const int status = response->status;
  const std::string error = "http_error: the receiver answered HTTP " + std::to_string(status);
  if (status >= 200 && status <= 299) return DeliveryOutcome::succeeded(status);
  if (status == 429 || (status >= 500 && status <= 599)) {
    return DeliveryOutcome::retry(error, status,
                                  parse_retry_after_seconds(response->header("Retry-After")));
  }
  return DeliveryOutcome::failed(error, status);
}

}  // namespace scriptmesh
