#include "core/jobs/job_input.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/agent/agent_input.hpp"
#include "core/agent/manifest_rules.hpp"
#include "scriptmesh/job_webhooks.hpp"
#include "scriptmesh/manifest.hpp"

namespace scriptmesh::jobs {
namespace {

using manifest_detail::quoted;

Error invalid_param(std::string_view name, const std::string& what) {
  return Error::invalid_argument("invalid_param", "parameter " + quoted(name) + ": " + what);
}

Result<void> validate_target(const TriggerRequest& r) {
  if (r.agent_id.has_value() == r.tags.has_value()) {
    return Error::invalid_argument("invalid_target", "give exactly one of agent_id and tags");
  }
  if (r.agent_id) {
    if (r.agent_id->empty()) return Error::invalid_argument("invalid_target", "agent_id is empty");
    return ok_result();
  }
  if (r.tags->empty() || r.tags->size() > kMaxTriggerTags) {
    return Error::invalid_argument(
        "invalid_tags", "tags must name 1.." + std::to_string(kMaxTriggerTags) + " tags");
  }
  Result<std::vector<std::string>> tags = agents::validate_tags(*r.tags);
  if (!tags.ok()) return std::move(tags).error();
  return ok_result();
}

Result<void> validate_params(const std::map<std::string, std::string>& params) {
  if (params.size() > kMaxTriggerParams) {
    return Error::invalid_argument("invalid_param", "at most " + std::to_string(kMaxTriggerParams) +
                                                        " parameters are allowed");
  }
  for (const auto& [name, value] : params) {
    if (auto problem = manifest_detail::variable_name_problem(name); !problem.empty()) {
      return invalid_param(name, problem);
    }
    if (auto problem = manifest_detail::variable_value_problem(value); !problem.empty()) {
      return invalid_param(name, problem);
    }
  }
  return ok_result();
}

}  // namespace

Result<void> validate_idempotency_key(std::string_view key) {
  const bool printable = std::all_of(key.begin(), key.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (key.size() > kMaxIdempotencyKeyChars || !printable) {
    return Error::invalid_argument("invalid_idempotency_key",
                                   "the idempotency key must be at most " +
                                       std::to_string(kMaxIdempotencyKeyChars) +
                                       " printable ASCII characters");
  }
  return ok_result();
}

Result<void> validate_webhook_url(std::string_view url, bool allow_private_destinations) {
  if (url.empty()) return ok_result();
  // One rule for every webhook URL: the one the delivery is later sent to.
  return check_webhook_url(url, allow_private_destinations);
}

Result<void> validate_trigger(const TriggerRequest& r, bool allow_private_destinations) {
  if (!is_valid_script_name(r.script)) {
    return Error::invalid_argument("invalid_script",
                                   "script " + quoted(r.script) + " is not a valid script name");
  }
  SCRIPTMESH_RETURN_IF_ERROR(validate_target(r));
  SCRIPTMESH_RETURN_IF_ERROR(validate_params(r.params));
  if (r.timeout_sec && (*r.timeout_sec < 1 || *r.timeout_sec > kMaxJobTimeoutSec)) {
    return Error::invalid_argument("invalid_timeout", "timeout_sec must be between 1 and " +
                                                          std::to_string(kMaxJobTimeoutSec));
  }
  SCRIPTMESH_RETURN_IF_ERROR(validate_webhook_url(r.webhook_url, allow_private_destinations));
  return validate_idempotency_key(r.idempotency_key);
}

}  // namespace scriptmesh::jobs
