// The checks of a trigger that need no agent: script name, target, params,
// timeout, webhook URL and idempotency key (the rules in scriptmesh/jobs.hpp).
// The agent-specific checks (manifest) are JobService's.
#pragma once

#include <string_view>

#include "scriptmesh/jobs.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::jobs {

// Errors: invalid_argument "invalid_script", "invalid_target", "invalid_tags",
// "invalid_param" (naming the parameter), "invalid_timeout",
// "invalid_webhook_url", "invalid_idempotency_key". `allow_private_destinations`
// as for check_webhook_url().
[[nodiscard]] Result<void> validate_trigger(const TriggerRequest& request,
                                            bool allow_private_destinations);

// Errors: invalid_argument "invalid_idempotency_key". Checked on its own
// first, since a replay is answered before anything else is looked at.
[[nodiscard]] Result<void> validate_idempotency_key(std::string_view key);

// Errors: invalid_argument "invalid_webhook_url".
[[nodiscard]] Result<void> validate_webhook_url(std::string_view url,
                                                bool allow_private_destinations);

}  // namespace scriptmesh::jobs
