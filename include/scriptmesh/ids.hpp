// Strong identifier types.
//
// Every id is an opaque string on the wire ("tnt_3f9a..."), but in C++ each
// kind is its own type, so a JobId cannot be passed where a TenantId is
// expected. Every tenant-scoped Store call takes a TenantId: there is no way to
// read a tenant's rows without naming the tenant.
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace scriptmesh {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  const std::string& str() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

  friend bool operator==(const StrongId&, const StrongId&) = default;
  friend auto operator<=>(const StrongId&, const StrongId&) = default;

 private:
  std::string value_;
};

using TenantId = StrongId<struct TenantIdTag>;
using UserId = StrongId<struct UserIdTag>;
using ApiKeyId = StrongId<struct ApiKeyIdTag>;
using AgentId = StrongId<struct AgentIdTag>;
using JobId = StrongId<struct JobIdTag>;
using GroupId = StrongId<struct GroupIdTag>;
using ScheduleId = StrongId<struct ScheduleIdTag>;
using IntegrationId = StrongId<struct IntegrationIdTag>;
using DeliveryId = StrongId<struct DeliveryIdTag>;
using EventId = StrongId<struct EventIdTag>;

// A fresh random id with a readable prefix, e.g. new_id("job") -> "job_<26 chars>".
// 128 bits of randomness from libsodium; safe to expose, never guessable.
std::string new_id(std::string_view prefix);

}  // namespace scriptmesh

template <typename Tag>
struct std::hash<scriptmesh::StrongId<Tag>> {
  std::size_t operator()(const scriptmesh::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
