// Versioned schema migrations of the SQLite store.
//
// The database's PRAGMA user_version is the number of the last migration
// applied. At open, every later migration runs in order, each in its own
// transaction together with the user_version bump, so a crash leaves the file
// at a whole version. A file whose version is newer than this build knows is
// refused rather than guessed at.
//
// Adding a migration: append a Migration with the next version to the list in
// schema_migrations.cpp. Never edit a shipped one; files in the field already
// ran it. A step that rebuilds a table must say so: foreign keys are enforced
// during migrations.
#pragma once

#include <span>
#include <string_view>

#include "scriptmesh/result.hpp"

namespace scriptmesh::store {

class Connection;

struct Migration {
  int version;            // 1, 2, ... without gaps
  std::string_view name;  // for error messages
  std::string_view sql;   // one or more statements
};

// The migrations this build knows, oldest first.
std::span<const Migration> builtin_migrations() noexcept;

// Brings the database behind `conn` (a read-write connection outside any
// transaction) up to the last of `migrations`; returns the resulting version.
// Errors: failed_precondition "schema_too_new"; internal "migration_failed".
[[nodiscard]] Result<int> migrate(Connection& conn, std::span<const Migration> migrations);

// The user_version of the database behind `conn`.
[[nodiscard]] Result<int> schema_version(Connection& conn);

}  // namespace scriptmesh::store
