#include "core/store/migrations.hpp"

#include <doctest/doctest.h>

#include <array>
#include <fstream>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

int latest_version() {
  return store::builtin_migrations().back().version;
}

TEST_CASE("store: migrations are numbered 1, 2, ... without gaps") {
  int expected = 1;
  for (const store::Migration& m : store::builtin_migrations()) {
    CHECK(m.version == expected++);
    CHECK_FALSE(m.name.empty());
    CHECK_FALSE(m.sql.empty());
  }
  CHECK(latest_version() >= 2);
}

TEST_CASE("store: an empty file is migrated to the latest version") {
  StoreFixture f;
  f.close();
  auto version = store::read_schema_version(f.db_path());
  REQUIRE_OK(version);
  CHECK(*version == latest_version());
}

TEST_CASE("store: a file at the previous version is upgraded with its rows intact") {
  StoreFixture f;
  f.close();
  // Start over from a file that only ever saw migration 1.
  std::filesystem::remove(f.db_path());
  f.hooks().migrations = store::builtin_migrations().first(1);
  f.open();
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")}));
  REQUIRE_OK(f.store().append_job_output(t, JobId("job_1"), OutputStream::kStdout, 0, "abc"));
  REQUIRE_OK(f.store().append_job_output(t, JobId("job_1"), OutputStream::kStdout, 1, "def"));
  f.close();
  auto old_version = store::read_schema_version(f.db_path());
  REQUIRE_OK(old_version);
  REQUIRE(*old_version == 1);

  f.hooks().migrations = store::builtin_migrations();
  f.open();
  f.close();
  auto new_version = store::read_schema_version(f.db_path());
  REQUIRE_OK(new_version);
  CHECK(*new_version == latest_version());

  f.open();
  auto tenant = f.store().get_tenant(t);
  REQUIRE_OK(tenant);
  CHECK(tenant->name == "Tenant tnt_a");
  CHECK_OK(f.store().get_user(t, owner_of(t)));
  auto output = f.store().read_job_output(t, JobId("job_1"), OutputStream::kStdout, 2, 3);
  REQUIRE_OK(output);
  CHECK(*output == "cde");
}

TEST_CASE("store: a file newer than this build is refused") {
  StoreFixture f;
  f.close();
  store::SqliteTestHooks older;
  older.migrations = store::builtin_migrations().first(1);
  auto opened = store::open_sqlite_store(f.options(), older);
  CHECK_ERROR_CODE(opened, "schema_too_new");
  CHECK(opened.error().category() == ErrorCategory::kFailedPrecondition);
}

TEST_CASE("store: a failing migration leaves the file at the last good version") {
  StoreFixture f;
  f.close();
  std::vector<store::Migration> broken(store::builtin_migrations().begin(),
                                       store::builtin_migrations().end());
  broken.push_back(
      {latest_version() + 1, "broken", "CREATE TABLE half_done (a INTEGER); THIS IS NOT SQL;"});
  store::SqliteTestHooks hooks;
  hooks.migrations = broken;
  CHECK_ERROR_CODE(store::open_sqlite_store(f.options(), hooks), "migration_failed");
  auto version = store::read_schema_version(f.db_path());
  REQUIRE_OK(version);
  CHECK(*version == latest_version());

  // The half-applied step was rolled back: fixed, it runs cleanly.
  broken.back().sql = "CREATE TABLE half_done (a INTEGER);";
  hooks.migrations = broken;
  auto reopened = store::open_sqlite_store(f.options(), hooks);
  REQUIRE_OK(reopened);
}

TEST_CASE("store: committed data survives close and reopen") {
  StoreFixture f;
  const TenantId t = seed_tenant(f.store(), "tnt_a");
  REQUIRE_OK(f.store().insert_agent(t, make_agent("agt_1")));
  REQUIRE_OK(f.store().set_tenant_plan(t, Plan::kPro));
  f.close();
  // A clean close folds the write-ahead log into the database file.
  CHECK(std::filesystem::exists(f.db_path()));
  CHECK_FALSE(std::filesystem::exists(f.db_path().string() + "-wal"));
  f.open();
  auto tenant = f.store().get_tenant(t);
  REQUIRE_OK(tenant);
  CHECK(tenant->plan == Plan::kPro);
  CHECK_OK(f.store().get_agent(t, AgentId("agt_1")));
  auto by_email = f.store().find_user_by_email("owner@tnt_a.test");
  REQUIRE_OK(by_email);
  CHECK(by_email->tenant_id == t);
}

TEST_CASE("store: open validates options and reports unusable paths") {
  TempDir dir;
  SqliteStoreOptions options;
  CHECK_ERROR_CODE(open_sqlite_store(options), "invalid_store_options");
  options.path = dir / "x.db";
  options.read_connections = 0;
  CHECK_ERROR_CODE(open_sqlite_store(options), "invalid_store_options");
  options.read_connections = 1;
  options.max_batch_writes = 0;
  CHECK_ERROR_CODE(open_sqlite_store(options), "invalid_store_options");

  // A regular file where the data directory should be.
  std::ofstream(dir / "blocker") << "not a directory";
  options.max_batch_writes = 1;
  options.path = dir / "blocker" / "x.db";
  auto blocked = open_sqlite_store(options);
  CHECK_ERROR_CODE(blocked, "store_open_failed");
  CHECK(blocked.error().category() == ErrorCategory::kUnavailable);

  // Not a database at all.
  std::ofstream(dir / "garbage.db") << std::string(4096, 'x');
  options.path = dir / "garbage.db";
  auto garbage = open_sqlite_store(options);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code() == "store_corrupt");
}

TEST_CASE("store: each synchronous mode opens a working store") {
  for (auto mode :
       {SqliteSynchronous::kOff, SqliteSynchronous::kNormal, SqliteSynchronous::kFull}) {
    TempDir dir;
    SqliteStoreOptions options;
    options.path = dir / "db" / "s.db";
    options.synchronous = mode;
    options.read_connections = 1;
    auto opened = open_sqlite_store(options);
    REQUIRE_OK(opened);
    seed_tenant(**opened, "tnt_a");
    CHECK_OK((*opened)->get_tenant(TenantId("tnt_a")));
  }
}

}  // namespace
}  // namespace scriptmesh::testing
