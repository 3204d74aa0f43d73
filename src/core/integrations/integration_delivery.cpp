// IntegrationService: sending. The DeliveryWorker's handler for integration
// deliveries, the test send, and the deliveries list.
#include <boost/json.hpp>
#include <thread>
#include <utility>

#include "core/integrations/integration_formats.hpp"
#include "core/integrations/integration_service_impl.hpp"
#include "scriptmesh/auth.hpp"

namespace scriptmesh {
namespace {

constexpr int kMaxDeliveriesPage = 100;
constexpr int kAttemptsShown = 20;
// Bound of one test send: a person is waiting for the answer.
constexpr std::chrono::milliseconds kTestTimeout{10'000};

// Job and schedule events name an agent by id; messages read better with its
// name, which is looked up when the event is sent (a deleted agent has none).
void add_agent_name(Store& store, const TenantId& tenant, boost::json::object& data) {
  if (data.contains("agent_name") || !data.contains("agent_id")) return;
  const boost::json::value& id = data.at("agent_id");
  if (!id.is_string()) return;
  Result<AgentRecord> agent = store.get_agent(tenant, AgentId(std::string(id.get_string())));
  if (agent.ok()) data["agent_name"] = agent->name;
}

// What a tenant is told when a send did not get an HTTP answer. The
// transport's own error (refused, reset, timed out, certificate, the
// address) would tell a tenant which hosts and ports the orchestrator's
// network has open: test sends would make a port scanner. So every such
// failure reads the same; an answer's status code is the receiver's own.
std::string tenant_facing(const std::string& error) {
  for (std::string_view code : {"connect_failed", "tls_failed", "timeout", "io_error"}) {
    if (error.starts_with(code) && error.size() > code.size() && error[code.size()] == ':') {
      return "unreachable: the receiver could not be reached";
    }
  }
  if (error.starts_with("destination_not_allowed:")) {
    return "destination_not_allowed: the URL's host is a loopback, private or link-local address";
  }
  return error;
}

}  // namespace

Result<IntegrationEvent> IntegrationService::Impl::event_of(const TenantId& tenant,
                                                            const EventId& id) {
  Result<EventRecord> stored = store.get_event(tenant, id);
  if (!stored.ok()) return std::move(stored).error();
  IntegrationEvent event;
  event.id = stored->id.str();
  event.type = stored->type;
  event.tenant_id = tenant.str();
  event.created_at = stored->created_at;
  boost::system::error_code ec;
  boost::json::value data = boost::json::parse(stored->data_json, ec);
  if (!ec && data.is_object()) event.data = std::move(data.as_object());
  add_agent_name(store, tenant, event.data);
  return event;
}

DeliveryOutcome IntegrationService::Impl::send(const IntegrationRecord& r,
                                               const IntegrationEvent& event,
                                               const std::string& delivery_id,
                                               std::chrono::milliseconds timeout) {
  Result<IntegrationType> type = parse_integration_type(r.type);
  if (!type.ok()) return DeliveryOutcome::failed(type.error().to_string());
  Result<boost::json::object> config = config_of(r);
  if (!config.ok()) return DeliveryOutcome::failed(config.error().to_string());
  FormatContext ctx;
  ctx.public_base_url = options.public_base_url;
  ctx.host = options.host;
  ctx.delivery_id = delivery_id;
  ctx.now = clock.now();
  Result<std::optional<HttpClientRequest>> request =
      format_integration_request(*type, *config, event, ctx);
  if (!request.ok()) return DeliveryOutcome::failed(request.error().to_string());
  if (!*request) {
    DeliveryOutcome skipped = DeliveryOutcome::succeeded();
    skipped.error = "skipped: " + r.type + " has nothing to send for " + event.type;
    return skipped;
  }
  (*request)->timeout = timeout;
  DeliveryOutcome outcome = delivery_outcome_of(http.send(**request));
  outcome.error = tenant_facing(outcome.error);
  return outcome;
}

DeliveryOutcome IntegrationService::deliver(const DeliveryRecord& delivery,
                                            std::chrono::milliseconds timeout) {
  if (!delivery.integration_id) {
    return DeliveryOutcome::failed("invalid_delivery: names no integration");
  }
  Result<IntegrationRecord> r =
      impl_->store.get_integration(delivery.tenant_id, *delivery.integration_id);
  if (!r.ok()) return DeliveryOutcome::failed(r.error().to_string());
  if (!r->enabled) return DeliveryOutcome::failed("integration_disabled: not sent");
  Result<IntegrationEvent> event = impl_->event_of(delivery.tenant_id, EventId(delivery.payload));
  if (!event.ok()) {
    // A store that cannot answer now may answer later; a purged event never.
    if (event.error().category() == ErrorCategory::kNotFound) {
      return DeliveryOutcome::failed(event.error().to_string());
    }
    return DeliveryOutcome::retry(event.error().to_string());
  }
  return impl_->send(*r, *event, delivery.id.str(), timeout);
}

Result<IntegrationRecord> IntegrationService::Impl::test_target(const Principal& caller,
                                                                const IntegrationId& id) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kAdmin, kScopeIntegrationsWrite));
  return store.get_integration(caller.tenant_id, id);
}

IntegrationTestResult IntegrationService::Impl::test_send(const IntegrationRecord& r) {
  const IntegrationEvent sample = sample_event(r.tenant_id.str(), clock.now());
  const DeliveryOutcome outcome = send(r, sample, new_id("dlv"), kTestTimeout);
  IntegrationTestResult result;
  result.delivered = outcome.kind == DeliveryOutcome::Kind::kSucceeded;
  result.status_code = outcome.status_code;
  result.error = outcome.error;
  return result;
}

Result<IntegrationTestResult> IntegrationService::send_test(const Principal& caller,
                                                            const IntegrationId& id) {
  Result<IntegrationRecord> r = impl_->test_target(caller, id);
  if (!r.ok()) return std::move(r).error();
  return impl_->test_send(*r);
}

void IntegrationService::send_test_async(const Principal& caller, const IntegrationId& id,
                                         std::function<void(Result<IntegrationTestResult>)> done) {
  Result<IntegrationRecord> r = impl_->test_target(caller, id);
  if (!r.ok()) return done(std::move(r).error());
  {
    std::lock_guard lock(impl_->tests_mu);
    if (impl_->tests_running >= kMaxConcurrentTests) {
      return done(Error::resource_exhausted(
          "too_many_tests", "too many test sends are in progress; try again in a few seconds"));
    }
    ++impl_->tests_running;
  }
  // Detached, but counted: the destructor waits for it, so the store and the
  // HTTP client it uses are still there. `impl` keeps the counter alive.
  std::thread([impl = impl_, record = std::move(*r), done = std::move(done)] {
    done(impl->test_send(record));
    std::lock_guard lock(impl->tests_mu);
    if (--impl->tests_running == 0) impl->tests_idle.notify_all();
  }).detach();
}

IntegrationService::~IntegrationService() {
  std::unique_lock lock(impl_->tests_mu);
  impl_->tests_idle.wait(lock, [&] { return impl_->tests_running == 0; });
}

Result<std::vector<IntegrationDelivery>> IntegrationService::deliveries(const Principal& caller,
                                                                        const IntegrationId& id,
                                                                        int limit) {
  SCRIPTMESH_RETURN_IF_ERROR(authorize(caller, UserRole::kMember, kScopeIntegrationsRead));
  if (limit < 1 || limit > kMaxDeliveriesPage) {
    return Error::invalid_argument("invalid_limit", "limit must be between 1 and 100");
  }
  Result<IntegrationRecord> r = impl_->store.get_integration(caller.tenant_id, id);
  if (!r.ok()) return std::move(r).error();
  Result<std::vector<DeliveryRecord>> rows =
      impl_->store.list_deliveries(caller.tenant_id, id, limit);
  if (!rows.ok()) return std::move(rows).error();
  std::vector<IntegrationDelivery> out;
  for (DeliveryRecord& d : *rows) {
    IntegrationDelivery item;
    Result<EventRecord> event = impl_->store.get_event(caller.tenant_id, EventId(d.payload));
    if (event.ok()) item.event_type = event->type;
    Result<std::vector<DeliveryAttemptRecord>> attempts =
        impl_->store.list_delivery_attempts(caller.tenant_id, d.id, kAttemptsShown);
    if (!attempts.ok()) return std::move(attempts).error();
    item.attempts = std::move(*attempts);
    item.delivery = std::move(d);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace scriptmesh
