// Seams of the SQLite store for tests: a different migration list (to stop at
// an older schema version) and a fault injector. No SQLite types appear here,
// so tests include this header without <sqlite3.h>.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "core/store/fault_injector.hpp"
#include "core/store/migrations.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/sqlite_store.hpp"

namespace scriptmesh::store {

struct SqliteTestHooks {
  // Migrations to apply at open; a prefix of builtin_migrations() leaves the
  // file at an older version.
  std::span<const Migration> migrations = builtin_migrations();
  // Consulted by every statement once the store is open (not during
  // migrations); may be null. Must outlive the store.
  FaultInjector* faults = nullptr;
  // Called on the writer thread after BEGIN IMMEDIATE, before the batch's
  // writes run, with the batch's size; may block (holding the database write
  // lock) to let writes pile up in the queue.
  std::function<void(std::size_t batch_size)> transaction_begun;
  // Called after a write joined the queue, with the queue's length, under the
  // writer's queue lock: must neither block nor call the store.
  std::function<void(std::size_t queue_length)> after_enqueue;
};

// open_sqlite_store with test hooks.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options,
                                                               const SqliteTestHooks& hooks);

// The schema version (user_version) of the database file at `path`.
[[nodiscard]] Result<int> read_schema_version(const std::filesystem::path& path);

}  // namespace scriptmesh::store
