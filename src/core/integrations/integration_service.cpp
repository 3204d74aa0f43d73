// IntegrationService: create, read, change and delete integrations.
#include "scriptmesh/integrations.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "core/integrations/integration_config.hpp"
#include "core/integrations/integration_service_impl.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/webhook_signing.hpp"

namespace scriptmesh {
namespace {

Result<void> may_write(const Principal& caller) {
  return authorize(caller, UserRole::kAdmin, kScopeIntegrationsWrite);
}

Error invalid(std::string code, std::string message) {
  return Error::invalid_argument(std::move(code), std::move(message));
}

Result<void> check_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxIntegrationNameBytes) {
    return invalid("invalid_name",
                   "name must be 1 to " + std::to_string(kMaxIntegrationNameBytes) + " bytes");
  }
  const bool control = std::any_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) return invalid("invalid_name", "name must not contain control characters");
  return ok_result();
}

Result<void> check_events(const std::vector<std::string>& events) {
  if (events.empty()) return invalid("invalid_events", "events must name at least one event type");
  for (const std::string& e : events) {
    if (std::find(std::begin(kIntegrationEventTypes), std::end(kIntegrationEventTypes), e) ==
        std::end(kIntegrationEventTypes)) {
      return invalid("invalid_events", "unknown event type \"" + e.substr(0, 64) +
                                           "\"; known: job.succeeded, job.failed, agent.offline, "
                                           "agent.online, schedule.missed");
    }
  }
  return ok_result();
}

Result<void> check_values(std::string_view field, const std::vector<std::string>& values) {
  if (values.size() > kMaxIntegrationFilterValues) {
    return invalid("invalid_filters", "filters." + std::string(field) + " holds more than " +
                                          std::to_string(kMaxIntegrationFilterValues) + " values");
  }
  for (const std::string& v : values) {
    if (v.empty() || v.size() > 256) {
      return invalid("invalid_filters",
                     "filters." + std::string(field) + " values must be 1 to 256 bytes");
    }
  }
  return ok_result();
}

Result<void> check_filters(const IntegrationFilters& f) {
  SCRIPTMESH_RETURN_IF_ERROR(check_values("scripts", f.scripts));
  SCRIPTMESH_RETURN_IF_ERROR(check_values("agent_tags", f.agent_tags));
  std::vector<std::string> schedules;
  for (const ScheduleId& id : f.schedule_ids)
    schedules.push_back(id.str());
  return check_values("schedule_ids", schedules);
}

Result<boost::json::value> parse_config(const std::string& json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return invalid("invalid_config", "config: must be a JSON object");
  return v;
}

// PATCH semantics for config: each key given replaces the stored one, a null
// removes it.
boost::json::object merged(boost::json::object stored, const boost::json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      stored.erase(key);
    } else {
      stored[key] = value;
    }
  }
  return stored;
}

}  // namespace

IntegrationService::IntegrationService(Store& store, const FernetKeyring& keyring, Clock& clock,
                                       HttpClient& http, IntegrationServiceOptions options)
    : impl_(std::make_shared<Impl>(store, keyring, clock, http, std::move(options))) {}

Result<IntegrationView> IntegrationService::create(const Principal& caller,
                                                   const IntegrationSpec& spec) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  Result<IntegrationType> type = parse_integration_type(spec.type);
  if (!type.ok()) return std::move(type).error();
  SCRIPTMESH_RETURN_IF_ERROR(check_name(spec.name));
  SCRIPTMESH_RETURN_IF_ERROR(check_events(spec.events));
  SCRIPTMESH_RETURN_IF_ERROR(check_filters(spec.filters));
  Result<boost::json::value> given = parse_config(spec.config_json);
  if (!given.ok()) return std::move(given).error();
  // The signing secret is ours to make, never the caller's to choose.
  if (given->as_object().contains("signing_secret")) {
    return invalid("invalid_config", "config.signing_secret: is generated, not given");
  }
  Result<boost::json::object> config =
      normalize_integration_config(*type, *given, impl_->options.allow_private_destinations);
  if (!config.ok()) return std::move(config).error();
  std::optional<std::string> secret;
  if (*type == IntegrationType::kWebhook) {
    secret = new_webhook_secret();
    (*config)["signing_secret"] = *secret;
  }
  Result<std::vector<IntegrationRecord>> existing =
      impl_->store.list_integrations(caller.tenant_id);
  if (!existing.ok()) return std::move(existing).error();
  if (existing->size() >= kMaxIntegrationsPerTenant) {
    return Error::failed_precondition(
        "integration_limit_reached",
        "a tenant may have at most " + std::to_string(kMaxIntegrationsPerTenant) + " integrations");
  }
  const WallTime now = impl_->clock.now();
  IntegrationRecord r;
  r.id = IntegrationId(new_id("int"));
  r.tenant_id = caller.tenant_id;
  r.type = std::string(to_string(*type));
  r.name = spec.name;
  r.config_ciphertext = impl_->seal(*config);
  r.events = spec.events;
  r.filters = spec.filters;
  r.enabled = spec.enabled;
  r.created_at = now;
  r.updated_at = now;
  SCRIPTMESH_RETURN_IF_ERROR(impl_->store.insert_integration(caller.tenant_id, r));
  Result<IntegrationView> view = impl_->view_of(r);
  if (view.ok()) view->signing_secret = std::move(secret);
  return view;
}

Result<std::vector<IntegrationView>> IntegrationService::list(const Principal& caller) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeIntegrationsRead));
  Result<std::vector<IntegrationRecord>> records = impl_->store.list_integrations(caller.tenant_id);
  if (!records.ok()) return std::move(records).error();
  std::vector<IntegrationView> views;
  for (const IntegrationRecord& r : *records) {
    Result<IntegrationView> view = impl_->view_of(r);
    if (!view.ok()) return std::move(view).error();
    views.push_back(std::move(*view));
  }
  return views;
}

Result<IntegrationView> IntegrationService::get(const Principal& caller, const IntegrationId& id) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeIntegrationsRead));
  Result<IntegrationRecord> r = impl_->store.get_integration(caller.tenant_id, id);
  if (!r.ok()) return std::move(r).error();
  return impl_->view_of(*r);
}

Result<IntegrationView> IntegrationService::update(const Principal& caller, const IntegrationId& id,
                                                   const IntegrationChange& change) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  Result<IntegrationRecord> r = impl_->store.get_integration(caller.tenant_id, id);
  if (!r.ok()) return std::move(r).error();
  Result<IntegrationType> type = parse_integration_type(r->type);
  if (!type.ok()) return std::move(type).error();
  if (change.name) SCRIPTMESH_RETURN_IF_ERROR(check_name(*change.name));
  if (change.events) SCRIPTMESH_RETURN_IF_ERROR(check_events(*change.events));
  if (change.filters) SCRIPTMESH_RETURN_IF_ERROR(check_filters(*change.filters));
  if (change.config_json) {
    Result<boost::json::value> patch = parse_config(*change.config_json);
    if (!patch.ok()) return std::move(patch).error();
    if (patch->as_object().contains("signing_secret")) {
      return invalid("invalid_config", "config.signing_secret: is generated, not given");
    }
    Result<boost::json::object> stored = impl_->config_of(*r);
    if (!stored.ok()) return std::move(stored).error();
    Result<boost::json::object> config = normalize_integration_config(
        *type, merged(*stored, patch->as_object()), impl_->options.allow_private_destinations);
    if (!config.ok()) return std::move(config).error();
    r->config_ciphertext = impl_->seal(*config);
  }
  if (change.name) r->name = *change.name;
  if (change.events) r->events = *change.events;
  if (change.filters) r->filters = *change.filters;
  if (change.enabled) r->enabled = *change.enabled;
  r->updated_at = impl_->clock.now();
  SCRIPTMESH_RETURN_IF_ERROR(impl_->store.update_integration(caller.tenant_id, *r));
  return impl_->view_of(*r);
}

Result<void> IntegrationService::remove(const Principal& caller, const IntegrationId& id) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  return impl_->store.delete_integration(caller.tenant_id, id);
}

Result<boost::json::object> IntegrationService::Impl::config_of(const IntegrationRecord& r) const {
  auto unreadable = [&] {
    return Error::internal(
        "integration_config_unreadable",
        "the stored config of integration " + r.id.str() + " does not decrypt with the keyring");
  };
  Result<std::string> plain = keyring.decrypt(r.config_ciphertext, clock.now());
  if (!plain.ok()) return unreadable();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*plain, ec);
  if (ec || !v.is_object()) return unreadable();
  return std::move(v.as_object());
}

std::string IntegrationService::Impl::seal(const boost::json::object& config) const {
  return keyring.encrypt(boost::json::serialize(config), clock.now());
}

Result<IntegrationView> IntegrationService::Impl::view_of(const IntegrationRecord& r) const {
  Result<IntegrationType> type = parse_integration_type(r.type);
  if (!type.ok()) return std::move(type).error();
  Result<boost::json::object> config = config_of(r);
  if (!config.ok()) return std::move(config).error();
  IntegrationView v;
  v.id = r.id;
  v.type = r.type;
  v.name = r.name;
  v.config_json = boost::json::serialize(redact_integration_config(*type, *config));
  v.events = r.events;
  v.filters = r.filters;
  v.enabled = r.enabled;
  v.created_at = r.created_at;
  v.updated_at = r.updated_at;
  return v;
}

}  // namespace scriptmesh
