// A thin C++ layer over the SQLite C API, for the store only.
//
// Connection owns one sqlite3 handle and a cache of its prepared statements.
// Statement borrows one of them for a single execution: bind, step, read
// columns; it resets the statement when it goes out of scope.
//
// Thread safety: a Connection (and every Statement borrowed from it) is used
// by one thread at a time; the writer and the read pool guarantee that.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "core/store/fault_injector.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/ids.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::store {

// Times are stored as integer Unix milliseconds.
std::int64_t to_unix_ms(WallTime t) noexcept;
WallTime from_unix_ms(std::int64_t ms) noexcept;

// Bytes to bind as a BLOB rather than TEXT.
struct Blob {
  std::string_view bytes;
};

// The Error for a failed SQLite call with result code `rc`; `context` names
// what was being done.
Error sqlite_error(int rc, sqlite3* db, std::string_view context);

class Connection;

class Statement {
 public:
  // `in_use` is the cache's flag for this statement, cleared when done; null
  // means the statement is owned and finalized (a nested use of a statement
  // that was already borrowed).
  Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use) noexcept;
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds `args` to parameters 1, 2, ... in order.
  template <typename... Args>
  Statement& bind(const Args&... args) {
    [[maybe_unused]] int index = 1;
    (bind_at(index++, args), ...);
    return *this;
  }

  void bind_at(int index, std::string_view text);
  void bind_at(int index, const std::string& text) { bind_at(index, std::string_view(text)); }
  void bind_at(int index, const char* text) { bind_at(index, std::string_view(text)); }
  void bind_at(int index, std::int64_t value);
  void bind_at(int index, int value) { bind_at(index, static_cast<std::int64_t>(value)); }
  void bind_at(int index, bool value) { bind_at(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void bind_at(int index, double value);
  void bind_at(int index, Blob blob);
  void bind_at(int index, WallTime time) { bind_at(index, to_unix_ms(time)); }
  void bind_at(int index, std::nullopt_t) { bind_null(index); }
  template <typename Tag>
  void bind_at(int index, const StrongId<Tag>& id) {
    bind_at(index, std::string_view(id.str()));
  }
  template <typename T>
  void bind_at(int index, const std::optional<T>& value) {
    if (value) {
      bind_at(index, *value);
    } else {
      bind_null(index);
    }
  }
  void bind_null(int index);

  // Advances to the next row: true when a row is ready, false when done.
  [[nodiscard]] Result<bool> step();
  // Runs a statement that returns no rows (or whose rows do not matter).
  [[nodiscard]] Result<void> run();

  // Columns of the current row, 0-based.
  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  int int32(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::string blob(int col) const;
  // The blob without copying; valid until the next step or the reset.
  std::string_view blob_view(int col) const;
  WallTime time(int col) const { return from_unix_ms(int64(col)); }
  std::optional<std::int64_t> optional_int64(int col) const;
  std::optional<int> optional_int32(int col) const;
  std::optional<WallTime> optional_time(int col) const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
  bool started_ = false;
  int bind_rc_ = SQLITE_OK;  // first binding failure, reported by step()
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (creating it in kReadWrite mode).
  static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode,
                                                  std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A prepared statement for `sql`, from the cache when it was prepared before.
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Runs `sql` (one or more statements, no parameters, rows ignored).
  [[nodiscard]] Result<void> exec(const std::string& sql);
  // Runs one statement without parameters through the statement cache: for
  // the writer's BEGIN, SAVEPOINT, RELEASE and COMMIT, which exec() would
  // parse again on every write.
  [[nodiscard]] Result<void> exec_cached(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const noexcept;
  // True inside BEGIN ... COMMIT. SQLite may end a transaction on its own
  // after some errors (e.g. disk full); callers check this after a failure.
  bool in_transaction() const noexcept;

  // From now on, every statement asks `faults` whether to fail (tests only).
  void set_fault_injector(FaultInjector* faults) noexcept { faults_ = faults; }
  // True when the fault injector wants the statement about to run to fail.
  bool inject_fault() noexcept { return faults_ != nullptr && faults_->should_fail(); }

  sqlite3* handle() const noexcept { return db_; }

 private:
  friend class Statement;
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Node-based, so a Statement may keep a pointer to its entry's flag.
  std::unordered_map<std::string, CachedStatement> cache_;
  FaultInjector* faults_ = nullptr;
};

// The error a test-injected fault reports.
Error injected_fault_error(std::string_view context);

}  // namespace scriptmesh::store
