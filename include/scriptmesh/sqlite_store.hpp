// The SQLite implementation of Store: one database file in WAL mode.
//
// Writes are serialised through one writer thread that group-commits: every
// write call queued while a transaction is being committed joins the next
// transaction, each inside its own savepoint, so one failing write rolls back
// alone while the others commit. A write call returns once its transaction is
// committed. Reads run on a small pool of read-only connections and never wait
// for the writer.
//
// The schema is versioned (PRAGMA user_version) and migrated forward when the
// store is opened; a file written by a newer ScriptMesh is refused.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>

#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh {

// How hard SQLite syncs the write-ahead log (PRAGMA synchronous).
enum class SqliteSynchronous {
  kOff,     // never fsync: fast, loses recent commits on power loss
  kNormal,  // fsync at checkpoints: survives a process crash, not power loss
  kFull,    // fsync on every commit: a returned write survives power loss
};

struct SqliteStoreOptions {
  // The database file. Its directory is created when missing.
  std::filesystem::path path;
  // Durability of each commit; kFull makes "returned" mean "on disk".
  SqliteSynchronous synchronous = SqliteSynchronous::kFull;
  // Read-only connections serving reads in parallel; at least 1.
  int read_connections = 4;
  // How long a statement waits on a lock held by another process.
  std::chrono::milliseconds busy_timeout{5000};
  // Most write calls committed in one transaction; at least 1.
  std::size_t max_batch_writes = 256;
};

// Opens (creating if needed) and migrates the database, then starts the writer.
// Destroy the returned store only after every call into it has returned; the
// destructor then stops the writer (committing anything still queued) and
// closes the file, folding the write-ahead log back into it, so a cleanly
// closed store is the one database file.
// Errors: invalid_argument "invalid_store_options"; unavailable
// "store_open_failed" (directory or file cannot be created or opened);
// failed_precondition "schema_too_new"; internal "migration_failed".
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options);

}  // namespace scriptmesh
