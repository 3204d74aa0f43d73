// Shared set-up for the delivery tests: a real SQLite store in a fresh
// directory (closable and reopenable, for restart tests), a fake clock, a
// Fernet keyring, tenants without a webhook secret yet, and finished jobs
// with output.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "scriptmesh/fernet.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/store.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

// A fixed key, so tests can read back what the code under test encrypted.
inline FernetKey delivery_test_key() {
  auto key = FernetKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  REQUIRE_OK(key);
  return *key;
}

class DeliveryFixture {
 public:
  DeliveryFixture() : keyring_({delivery_test_key()}) { open(); }

  Store& store() { return *store_; }
  FakeClock& clock() { return clock_; }
  const FernetKeyring& keyring() const { return keyring_; }

  void open() {
    SqliteStoreOptions options;
    options.path = dir_ / "scriptmesh.db";
    options.synchronous = SqliteSynchronous::kOff;
    options.read_connections = 2;
    auto opened = open_sqlite_store(options);
    REQUIRE_OK(opened);
    store_ = std::move(opened).value();
  }
  // Closes the database and opens it again, as an orchestrator restart does.
  void reopen() {
    store_.reset();
    open();
  }

  // A tenant on `plan` with an owner, and no webhook secret yet.
  TenantId add_tenant(const std::string& id, Plan plan = Plan::kStarter) {
    TenantRecord t;
    t.id = TenantId(id);
    t.name = "Tenant " + id;
    t.plan = plan;
    t.created_at = clock_.now();
    UserRecord owner;
    owner.id = UserId("usr_" + id);
    owner.email = "owner@" + id + ".test";
    owner.role = UserRole::kOwner;
    owner.verified = true;
    owner.created_at = clock_.now();
    REQUIRE_OK(store_->create_tenant(t, owner));
    return t.id;
  }

  // A succeeded job of `tenant` created at `created`, with its output stored.
  JobRecord add_job(const TenantId& tenant, const std::string& id, WallTime created,
                    const std::string& out = "hello\n", const std::string& err = "",
                    JobStatus status = JobStatus::kSucceeded) {
    JobRecord j;
    j.id = JobId(id);
    j.tenant_id = tenant;
    j.agent_id = AgentId("agt_1");
    j.script = "backup.sh";
    j.status = status;
    j.timeout_sec = 60;
    j.webhook_url = "http://127.0.0.1:9/hook";
    j.created_at = created;
    if (is_final(status)) {
      j.exit_code = 0;
      j.started_at = created + std::chrono::seconds(1);
      j.finished_at = created + std::chrono::seconds(3);
      j.duration_ms = 2000;
    }
    REQUIRE_OK(store_->insert_jobs(tenant, {j}));
    if (!out.empty()) append(tenant, j.id, OutputStream::kStdout, out);
    if (!err.empty()) append(tenant, j.id, OutputStream::kStderr, err);
    auto stored = store_->get_job(tenant, j.id);
    REQUIRE_OK(stored);
    return *stored;
  }

  void append(const TenantId& tenant, const JobId& job, OutputStream stream,
              const std::string& data) {
    auto appended = store_->append_job_output(tenant, job, stream, seq_++, data);
    REQUIRE_OK(appended);
  }

  // The tenant's deliveries, newest first.
  std::vector<DeliveryRecord> deliveries(const TenantId& tenant) {
    auto listed = store_->list_deliveries(tenant, std::nullopt, 1000);
    REQUIRE_OK(listed);
    return *listed;
  }
  DeliveryRecord only_delivery(const TenantId& tenant) {
    auto all = deliveries(tenant);
    REQUIRE(all.size() == 1);
    return all.front();
  }

 private:
  TempDir dir_;
  FakeClock clock_;
  FernetKeyring keyring_;
  std::unique_ptr<Store> store_;
  std::int64_t seq_ = 0;
};

}  // namespace scriptmesh::testing
