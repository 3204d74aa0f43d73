// Shared set-up for the SQLite store tests: a store in a fresh directory and
// builders for valid records.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/store/sqlite_store_internal.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "scriptmesh/store.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

// 2026-11-26T10:00:00Z plus `s` seconds: the fixed origin of every test time.
inline WallTime at(std::int64_t s) {
  return from_unix_seconds(1795687200 + s);
}

class StoreFixture {
 public:
  explicit StoreFixture(store::SqliteTestHooks hooks = {}) : hooks_(std::move(hooks)) { open(); }

  Store& store() { return *store_; }
  std::filesystem::path db_path() const { return dir_ / "nested" / "dir" / "scriptmesh.db"; }
  SqliteStoreOptions options() const {
    SqliteStoreOptions o;
    o.path = db_path();
    return o;
  }

  void open() {
    auto opened = store::open_sqlite_store(options(), hooks_);
    REQUIRE_OK(opened);
    store_ = std::move(opened).value();
  }
  void close() { store_.reset(); }
  void reopen() {
    close();
    open();
  }
  store::SqliteTestHooks& hooks() { return hooks_; }

 private:
  TempDir dir_;
  store::SqliteTestHooks hooks_;
  std::unique_ptr<Store> store_;
};

inline UserRecord make_user(const std::string& id, const std::string& email,
                            UserRole role = UserRole::kMember) {
  UserRecord u;
  u.id = UserId(id);
  u.email = email;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.role = role;
  u.created_at = at(0);
  return u;
}

inline TenantRecord make_tenant(const std::string& id) {
  TenantRecord t;
  t.id = TenantId(id);
  t.name = "Tenant " + id;
  t.plan = Plan::kStarter;
  t.webhook_secret_ciphertext = "gAAAAAB-fernet-" + id;
  t.created_at = at(0);
  return t;
}

// Creates tenant `id` with owner "usr_<id>_owner" <owner@<id>.test>.
inline TenantId seed_tenant(Store& store, const std::string& id) {
  REQUIRE_OK(store.create_tenant(
      make_tenant(id),
      make_user("usr_" + id + "_owner", "owner@" + id + ".test", UserRole::kOwner)));
  return TenantId(id);
}

inline UserId owner_of(const TenantId& tenant) {
  return UserId("usr_" + tenant.str() + "_owner");
}

inline AgentRecord make_agent(const std::string& id) {
  AgentRecord a;
  a.id = AgentId(id);
  a.name = "host-" + id;
  a.tags = {"linux", "prod"};
  a.key_ciphertext = "gAAAAAB-agent-key-" + id;
  a.key_lookup_hash = "lookup-" + id;
  a.manifest = {"backup.sh", "deploy.sh"};
  a.created_at = at(0);
  return a;
}

inline JobRecord make_job(const std::string& id, const std::string& agent,
                          WallTime created = at(0)) {
  JobRecord j;
  j.id = JobId(id);
  j.agent_id = AgentId(agent);
  j.script = "backup.sh";
  j.params = {{"TARGET", "/var/lib"}, {"MODE", "full"}};
  j.timeout_sec = 300;
  j.created_at = created;
  return j;
}

}  // namespace scriptmesh::testing
