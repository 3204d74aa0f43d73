// Plans and their limits.
//
//   plan     agents      schedules   retention_days
//   starter  3           5           7
//   pro      unlimited   unlimited   90
//
// "Unlimited" is an empty std::optional (null in JSON). Limits are checked
// before a creation (check_can_add_*): a tenant already over a limit (after
// a downgrade from pro) keeps what it has but cannot add more. The check and
// the insert are separate calls, so two creations racing at the very limit
// may both pass; the limits are commercial, not a safety property.
//
// Thread safety: PlanLimiter may be used from any thread concurrently.
#pragma once

#include <cstdint>
#include <optional>

#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

struct PlanLimits {
  std::optional<std::int64_t> agents;     // empty = unlimited
  std::optional<std::int64_t> schedules;  // empty = unlimited
  int retention_days = 7;                 // job history kept, in days
};

// The limits of `plan` (the table above).
PlanLimits plan_limits(Plan plan) noexcept;

// Checks that one more agent or schedule fits in `current` ones under
// `plan`. Error: resource_exhausted "plan_limit_reached" with a message such
// as "the starter plan allows at most 3 agents" (the HTTP layer answers 402).
[[nodiscard]] Result<void> check_plan_allows_agent(Plan plan, std::int64_t current);
[[nodiscard]] Result<void> check_plan_allows_schedule(Plan plan, std::int64_t current);

// The same checks, reading the tenant's plan (and agent count) from the store.
class PlanLimiter {
 public:
  // Borrows `store`, which must outlive the limiter.
  explicit PlanLimiter(Store& store) : store_(store) {}

  // Errors: resource_exhausted "plan_limit_reached"; not_found
  // "tenant_not_found"; the store's errors.
  [[nodiscard]] Result<void> check_can_add_agent(const TenantId& tenant);
  // The store does not count schedules: the caller passes how many the
  // tenant has now. Errors as check_can_add_agent.
  [[nodiscard]] Result<void> check_can_add_schedule(const TenantId& tenant,
                                                    std::int64_t current_schedules);

 private:
  Store& store_;
};

}  // namespace scriptmesh
