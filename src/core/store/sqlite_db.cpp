#include "core/store/sqlite_db.hpp"

#include <string>
#include <utility>

namespace scriptmesh::store {

std::int64_t to_unix_ms(WallTime t) noexcept {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime from_unix_ms(std::int64_t ms) noexcept {
  return WallTime(std::chrono::milliseconds(ms));
}

Error sqlite_error(int rc, sqlite3* db, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::unavailable("store_busy", std::move(message));
    case SQLITE_CONSTRAINT:
      return Error::conflict("constraint_violation", std::move(message));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return Error::unavailable("store_unavailable", std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::internal("store_corrupt", std::move(message));
    default:
      return Error::internal("store_error", std::move(message));
  }
}

Error injected_fault_error(std::string_view context) {
  return Error::unavailable("store_io_error", "injected fault: " + std::string(context));
}

// --- Statement ---------------------------------------------------------------

Statement::Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use) noexcept
    : conn_(&conn), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      started_(other.started_),
      bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  // A cached statement goes back clean: no open read cursor, no bound values
  // keeping copies of large blobs alive.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

void Statement::bind_at(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_at(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_at(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_at(int index, Blob blob) {
  // A null data pointer would bind SQL NULL, so an empty blob is bound as a
  // zero-length blob explicitly.
  const int rc = blob.bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                                    : sqlite3_bind_blob64(stmt_, index, blob.bytes.data(),
                                                          blob.bytes.size(), SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Result<bool> Statement::step() {
  if (bind_rc_ != SQLITE_OK) return sqlite_error(bind_rc_, conn_->handle(), "bind");
  if (!started_) {
    started_ = true;
    if (conn_->inject_fault()) return injected_fault_error(sqlite3_sql(stmt_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, conn_->handle(), "step");
}

Result<void> Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return ok_result();
  }
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::int64_t Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

int Statement::int32(int col) const {
  return sqlite3_column_int(stmt_, col);
}

double Statement::real(int col) const {
  return sqlite3_column_double(stmt_, col);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::string Statement::blob(int col) const {
  return std::string(blob_view(col));
}

std::string_view Statement::blob_view(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};  // NULL and zero-length blobs both come back null
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::int64_t> Statement::optional_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::optional<int> Statement::optional_int32(int col) const {
  if (is_null(col)) return std::nullopt;
  return int32(col);
}

std::optional<WallTime> Statement::optional_time(int col) const {
  if (is_null(col)) return std::nullopt;
  return time(col);
}

// --- Connection --------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode,
                                                     std::chrono::milliseconds busy_timeout) {
  // NOMUTEX: each connection is confined to one thread at a time by its owner
  // (the writer thread or a read-pool lease), so SQLite's own mutex is waste.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = Error::unavailable("store_open_failed",
                                     std::string("cannot open the database: ") +
                                         (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_)
    sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(*this, it->second.stmt, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  const unsigned flags = it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
  if (it != cache_.end()) return Statement(*this, stmt, nullptr);
  auto [inserted, _] = cache_.emplace(std::string(sql), CachedStatement{stmt, true});
  return Statement(*this, stmt, &inserted->second.in_use);
}

Result<void> Connection::exec(const std::string& sql) {
  if (inject_fault()) return injected_fault_error(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_result();
  std::string context = "exec";
  if (message != nullptr) {
    context += " (";
    context += message;
    context += ")";
    sqlite3_free(message);
  }
  return sqlite_error(rc, nullptr, context);
}

Result<void> Connection::exec_cached(std::string_view sql) {
  Result<Statement> stmt = prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  return stmt->run();
}

std::int64_t Connection::changes() const noexcept {
  return sqlite3_changes64(db_);
}

bool Connection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace scriptmesh::store
