// What IntegrationService's files share: the borrowed parts and the config
// codec (Fernet token <-> checked JSON object).
#pragma once

#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <string>

#include "core/integrations/integration_event.hpp"
#include "core/integrations/integration_type.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/http_client.hpp"
#include "scriptmesh/integrations.hpp"

namespace scriptmesh {

struct IntegrationService::Impl {
  Impl(Store& s, const FernetKeyring& k, Clock& c, HttpClient& h, IntegrationServiceOptions o)
      : store(s), keyring(k), clock(c), http(h), options(std::move(o)) {}

  // The stored config in clear. Errors: internal "integration_config_unreadable".
  [[nodiscard]] Result<boost::json::object> config_of(const IntegrationRecord& r) const;
  std::string seal(const boost::json::object& config) const;
  // The record as the API shows it (config redacted).
  [[nodiscard]] Result<IntegrationView> view_of(const IntegrationRecord& r) const;

  // Formats `event` for `r` and sends it within `timeout`.
  DeliveryOutcome send(const IntegrationRecord& r, const IntegrationEvent& event,
                       const std::string& delivery_id, std::chrono::milliseconds timeout);
  // The stored event as the formats read it, with the agent's name added.
  [[nodiscard]] Result<IntegrationEvent> event_of(const TenantId& tenant, const EventId& id);

  // The record of a test send the caller may make (role, existence).
  [[nodiscard]] Result<IntegrationRecord> test_target(const Principal& caller,
                                                      const IntegrationId& id);
  IntegrationTestResult test_send(const IntegrationRecord& r);

  Store& store;
  const FernetKeyring& keyring;
  Clock& clock;
  HttpClient& http;
  const IntegrationServiceOptions options;

  std::mutex tests_mu;
  std::condition_variable tests_idle;
  int tests_running = 0;  // guarded by tests_mu
};

}  // namespace scriptmesh
