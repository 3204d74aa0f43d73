// Opening the SQLite store: options, pragmas, migrations, connections.
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/store/migrations.hpp"
#include "core/store/sqlite_store_impl.hpp"
#include "core/store/sqlite_store_internal.hpp"
#include "scriptmesh/sqlite_store.hpp"

namespace scriptmesh {
namespace store {
namespace {

Result<void> validate(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return Error::invalid_argument("invalid_store_options", "the database path is empty");
  }
  if (options.read_connections < 1) {
    return Error::invalid_argument("invalid_store_options", "read_connections must be >= 1");
  }
  if (options.max_batch_writes < 1) {
    return Error::invalid_argument("invalid_store_options", "max_batch_writes must be >= 1");
  }
  if (options.busy_timeout.count() < 0) {
    return Error::invalid_argument("invalid_store_options", "busy_timeout must be >= 0");
  }
  return ok_result();
}

Result<void> create_parent_directory(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.parent_path();
  if (dir.empty()) return ok_result();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error::unavailable("store_open_failed",
                              "cannot create the database directory: " + ec.message());
  }
  return ok_result();
}

const char* synchronous_pragma(SqliteSynchronous mode) {
  switch (mode) {
    case SqliteSynchronous::kOff:
      return "PRAGMA synchronous = OFF";
    case SqliteSynchronous::kNormal:
      return "PRAGMA synchronous = NORMAL";
    case SqliteSynchronous::kFull:
      return "PRAGMA synchronous = FULL";
  }
  return "PRAGMA synchronous = FULL";
}

// WAL is what lets readers run beside the writer; a file system that cannot
// do it (some network mounts) is refused instead of silently serialising.
Result<void> enable_wal(Connection& conn) {
  Result<Statement> stmt = conn.prepare("PRAGMA journal_mode = WAL");
  if (!stmt.ok()) return std::move(stmt).error();
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row || stmt->text(0) != "wal") {
    return Error::unavailable("store_open_failed",
                              "the database file system does not support WAL mode");
  }
  return ok_result();
}

Result<std::unique_ptr<Connection>> open_writer_connection(const SqliteStoreOptions& options,
                                                           const SqliteTestHooks& hooks) {
  Result<std::unique_ptr<Connection>> conn =
      Connection::open(options.path.string(), Connection::Mode::kReadWrite, options.busy_timeout);
  if (!conn.ok()) return conn;
  Connection& c = **conn;
  SCRIPTMESH_RETURN_IF_ERROR(enable_wal(c));
  SCRIPTMESH_RETURN_IF_ERROR(c.exec("PRAGMA foreign_keys = ON"));
  SCRIPTMESH_RETURN_IF_ERROR(c.exec(synchronous_pragma(options.synchronous)));
  Result<int> version = migrate(c, hooks.migrations);
  if (!version.ok()) return std::move(version).error();
  return conn;
}

Result<std::unique_ptr<ReadPool>> open_read_pool(const SqliteStoreOptions& options) {
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    Result<std::unique_ptr<Connection>> conn =
        Connection::open(options.path.string(), Connection::Mode::kReadOnly, options.busy_timeout);
    if (!conn.ok()) return std::move(conn).error();
    readers.push_back(std::move(conn).value());
  }
  return std::make_unique<ReadPool>(std::move(readers));
}

}  // namespace

Result<void> check_tenant(const TenantId& tenant, const TenantId& record_tenant) {
  if (record_tenant.empty() || record_tenant == tenant) return ok_result();
  return Error::invalid_argument("tenant_mismatch",
                                 "the record names a different tenant than the call");
}

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options,
                                                 const SqliteTestHooks& hooks) {
  SCRIPTMESH_RETURN_IF_ERROR(validate(options));
  if (sqlite3_threadsafe() == 0) {
    return Error::internal("store_error", "SQLite was built without thread support");
  }
  SCRIPTMESH_RETURN_IF_ERROR(create_parent_directory(options.path));
  Result<std::unique_ptr<Connection>> writer_conn = open_writer_connection(options, hooks);
  if (!writer_conn.ok()) return std::move(writer_conn).error();
  Result<std::unique_ptr<ReadPool>> readers = open_read_pool(options);
  if (!readers.ok()) return std::move(readers).error();
  // Faults are armed only now: migrations are tested separately.
  (*writer_conn)->set_fault_injector(hooks.faults);
  (*readers)->for_each([&](Connection& c) { c.set_fault_injector(hooks.faults); });
  auto writer = std::make_unique<Writer>(std::move(writer_conn).value(), options.max_batch_writes,
                                         WriterHooks{hooks.transaction_begun, hooks.after_enqueue});
  return std::unique_ptr<Store>(
      std::make_unique<SqliteStore>(std::move(readers).value(), std::move(writer)));
}

Result<int> read_schema_version(const std::filesystem::path& path) {
  Result<std::unique_ptr<Connection>> conn =
      Connection::open(path.string(), Connection::Mode::kReadOnly, std::chrono::seconds(5));
  if (!conn.ok()) return std::move(conn).error();
  return schema_version(**conn);
}

}  // namespace store

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options) {
  return store::open_sqlite_store(options, store::SqliteTestHooks{});
}

}  // namespace scriptmesh
