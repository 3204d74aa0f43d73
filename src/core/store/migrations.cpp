#include "core/store/migrations.hpp"

#include <string>

#include "core/store/sqlite_db.hpp"

namespace scriptmesh::store {
namespace {

Error migration_error(const Migration& m, const Error& cause) {
  return Error::internal("migration_failed", "schema migration " + std::to_string(m.version) +
                                                 " (" + std::string(m.name) +
                                                 ") failed: " + cause.message());
}

Result<void> apply(Connection& conn, const Migration& m) {
  // BEGIN IMMEDIATE takes the write lock up front, so two processes opening
  // the same file cannot both run the step.
  if (Result<void> begin = conn.exec("BEGIN IMMEDIATE"); !begin.ok()) {
    return migration_error(m, begin.error());
  }
  // Another process may have applied this step while we waited for the lock.
  Result<int> current = schema_version(conn);
  Result<void> body = ok_result();
  if (!current.ok()) {
    body = std::move(current).error();
  } else if (*current < m.version) {
    body = conn.exec(std::string(m.sql));
    if (body.ok()) body = conn.exec("PRAGMA user_version = " + std::to_string(m.version));
  }
  if (body.ok()) body = conn.exec("COMMIT");
  if (!body.ok()) {
    if (conn.in_transaction()) (void)conn.exec("ROLLBACK");
    return migration_error(m, body.error());
  }
  return ok_result();
}

}  // namespace

Result<int> schema_version(Connection& conn) {
  Result<Statement> stmt = conn.prepare("PRAGMA user_version");
  if (!stmt.ok()) return std::move(stmt).error();
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return Error::internal("store_error", "PRAGMA user_version returned no row");
  return stmt->int32(0);
}

Result<int> migrate(Connection& conn, std::span<const Migration> migrations) {
  Result<int> current = schema_version(conn);
  if (!current.ok()) return current;
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest) {
    return Error::failed_precondition(
        "schema_too_new", "the database has schema version " + std::to_string(*current) +
                              " but this build knows only up to " + std::to_string(latest) +
                              "; upgrade ScriptMesh");
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    SCRIPTMESH_RETURN_IF_ERROR(apply(conn, m));
  }
  return schema_version(conn);
}

}  // namespace scriptmesh::store
