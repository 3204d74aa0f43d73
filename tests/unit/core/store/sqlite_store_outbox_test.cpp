#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

EventRecord make_event(const std::string& id, const std::string& type, WallTime when) {
  EventRecord e;
  e.id = EventId(id);
  e.type = type;
  e.subject_id = "job_1";
  e.data_json = R"({"exit_code":0})";
  e.created_at = when;
  return e;
}

DeliveryRecord make_delivery(const std::string& id, WallTime due) {
  DeliveryRecord d;
  d.id = DeliveryId(id);
  d.kind = "job_webhook";
  d.payload = R"({"url":"https://example.com/hook","body":{}})";
  d.next_attempt_at = due;
  d.created_at = due;
  return d;
}

TEST_CASE("store: events are appended and listed newest first with filters") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().append_event(t, make_event("evt_1", "job.succeeded", at(1))));
  REQUIRE_OK(f.store().append_event(t, make_event("evt_2", "job.failed", at(2))));
  auto same_ms = make_event("evt_3", "job.succeeded", at(2));
  same_ms.subject_id = "job_2";
  same_ms.data_json.clear();
  REQUIRE_OK(f.store().append_event(t, same_ms));
  CHECK_ERROR_CODE(f.store().append_event(TenantId("tnt_missing"), make_event("evt_4", "x", at(1))),
                   "tenant_not_found");

  auto all = f.store().list_events(t, EventFilter{});
  REQUIRE_OK(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].id == EventId("evt_3"));  // same millisecond: later insert first
  CHECK((*all)[0].data_json == "{}");
  CHECK((*all)[1].id == EventId("evt_2"));
  CHECK((*all)[2].data_json == R"({"exit_code":0})");
  CHECK((*all)[2].tenant_id == t);

  EventFilter by_type;
  by_type.type = "job.succeeded";
  auto typed = f.store().list_events(t, by_type);
  REQUIRE_OK(typed);
  CHECK(typed->size() == 2);
  EventFilter by_subject;
  by_subject.subject_id = "job_1";
  by_subject.since = at(2);
  auto subject = f.store().list_events(t, by_subject);
  REQUIRE_OK(subject);
  REQUIRE(subject->size() == 1);
  CHECK(subject->front().id == EventId("evt_2"));
  EventFilter limited;
  limited.limit = 1;
  auto one = f.store().list_events(t, limited);
  REQUIRE_OK(one);
  CHECK(one->size() == 1);
  limited.limit = 0;
  CHECK_ERROR_CODE(f.store().list_events(t, limited), "invalid_limit");
}

TEST_CASE("store: the outbox claims due deliveries once and records results") {
  StoreFixture f;
  const TenantId a = seed_tenant(f.store(), "tnt_a");
  const TenantId b = seed_tenant(f.store(), "tnt_b");
  REQUIRE_OK(f.store().enqueue_delivery(a, make_delivery("dlv_1", at(10))));
  REQUIRE_OK(f.store().enqueue_delivery(b, make_delivery("dlv_2", at(20))));
  REQUIRE_OK(f.store().enqueue_delivery(a, make_delivery("dlv_3", at(100))));
  auto with_integration = make_delivery("dlv_4", at(0));
  with_integration.integration_id = IntegrationId("int_missing");
  CHECK_ERROR_CODE(f.store().enqueue_delivery(a, with_integration), "integration_not_found");

  auto claimed = f.store().claim_due_deliveries(at(50), at(80), 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 2);
  CHECK((*claimed)[0].id == DeliveryId("dlv_1"));
  CHECK((*claimed)[0].tenant_id == a);
  CHECK((*claimed)[0].status == DeliveryStatus::kInFlight);
  CHECK((*claimed)[0].attempts == 1);
  CHECK((*claimed)[0].next_attempt_at == at(80));
  CHECK((*claimed)[1].id == DeliveryId("dlv_2"));
  CHECK((*claimed)[1].tenant_id == b);

  // Leased: a second worker finds nothing until the lease runs out.
  auto again = f.store().claim_due_deliveries(at(60), at(90), 10);
  REQUIRE_OK(again);
  CHECK(again->empty());

  DeliveryResult ok;
  ok.status = DeliveryStatus::kSucceeded;
  ok.status_code = 200;
  REQUIRE_OK(f.store().record_delivery_result(a, DeliveryId("dlv_1"), ok));
  DeliveryResult retry;
  retry.status = DeliveryStatus::kPending;
  retry.status_code = 503;
  retry.error = "service unavailable";
  retry.next_attempt_at = at(70);
  REQUIRE_OK(f.store().record_delivery_result(b, DeliveryId("dlv_2"), retry));
  CHECK_ERROR_CODE(f.store().record_delivery_result(b, DeliveryId("dlv_1"), ok),
                   "delivery_not_found");

  auto retried = f.store().claim_due_deliveries(at(75), at(95), 10);
  REQUIRE_OK(retried);
  REQUIRE(retried->size() == 1);
  CHECK(retried->front().id == DeliveryId("dlv_2"));
  CHECK(retried->front().attempts == 2);
  CHECK(retried->front().last_status_code == 503);
  CHECK(retried->front().last_error == "service unavailable");

  // A worker that died mid-delivery: its lease runs out and the row is claimed again.
  auto after_lease = f.store().claim_due_deliveries(at(96), at(200), 10);
  REQUIRE_OK(after_lease);
  REQUIRE(after_lease->size() == 1);
  CHECK(after_lease->front().id == DeliveryId("dlv_2"));
  CHECK(after_lease->front().attempts == 3);

  auto listed = f.store().list_deliveries(a, std::nullopt, 10);
  REQUIRE_OK(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].id == DeliveryId("dlv_3"));
  CHECK((*listed)[1].status == DeliveryStatus::kSucceeded);
  CHECK((*listed)[1].last_status_code == 200);
  auto by_integration = f.store().list_deliveries(a, IntegrationId("int_1"), 10);
  REQUIRE_OK(by_integration);
  CHECK(by_integration->empty());
  CHECK_ERROR_CODE(f.store().claim_due_deliveries(at(0), at(1), 0), "invalid_limit");
}

}  // namespace
}  // namespace scriptmesh::testing
