// Small helpers for running one SQL statement inside the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/store/sqlite_db.hpp"
#include "scriptmesh/result.hpp"

namespace scriptmesh::store {

// Optional text columns store "none" as NULL; the records use "".
inline std::optional<std::string_view> nullable(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return std::string_view(text);
}

// 0 changed rows of a tenant-scoped UPDATE/DELETE by id means "no such row
// for this tenant"; another tenant's row, if any, is indistinguishable.
inline Result<void> require_changed(Result<std::int64_t> changed, Error not_found) {
  if (!changed.ok()) return std::move(changed).error();
  if (*changed == 0) return not_found;
  return ok_result();
}

// Runs a statement without rows; returns the number of rows it changed.
template <typename... Args>
Result<std::int64_t> execute(Connection& conn, std::string_view sql, const Args&... args) {
  Result<Statement> stmt = conn.prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(args...);
  SCRIPTMESH_RETURN_IF_ERROR(stmt->run());
  return conn.changes();
}

// True when the query returns at least one row.
template <typename... Args>
Result<bool> exists(Connection& conn, std::string_view sql, const Args&... args) {
  Result<Statement> stmt = conn.prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(args...);
  return stmt->step();
}

// The single int64 the query returns (its first column of its first row).
template <typename... Args>
Result<std::int64_t> query_int64(Connection& conn, std::string_view sql, const Args&... args) {
  Result<Statement> stmt = conn.prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(args...);
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return Error::internal("store_error", "an aggregate query returned no row");
  return stmt->int64(0);
}

// The first row mapped by `read_row`, or `not_found` when there is none.
template <typename Row, typename... Args>
Result<Row> query_one(Connection& conn, std::string_view sql,
                      Result<Row> (*read_row)(const Statement&), const Error& not_found,
                      const Args&... args) {
  Result<Statement> stmt = conn.prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(args...);
  Result<bool> row = stmt->step();
  if (!row.ok()) return std::move(row).error();
  if (!*row) return not_found;
  return read_row(*stmt);
}

// Reads every remaining row of a bound statement.
template <typename Row>
Result<std::vector<Row>> collect(Statement& stmt, Result<Row> (*read_row)(const Statement&)) {
  std::vector<Row> out;
  for (;;) {
    Result<bool> row = stmt.step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    Result<Row> item = read_row(stmt);
    if (!item.ok()) return std::move(item).error();
    out.push_back(std::move(item).value());
  }
}

// Every row mapped by `read_row`.
template <typename Row, typename... Args>
Result<std::vector<Row>> query_all(Connection& conn, std::string_view sql,
                                   Result<Row> (*read_row)(const Statement&), const Args&... args) {
  Result<Statement> stmt = conn.prepare(sql);
  if (!stmt.ok()) return std::move(stmt).error();
  stmt->bind(args...);
  return collect(*stmt, read_row);
}

// A parameter of a statement assembled at run time (list filters).
using SqlValue = std::variant<std::int64_t, std::string>;

inline void bind_values(Statement& stmt, const std::vector<SqlValue>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::visit([&](const auto& v) { stmt.bind_at(static_cast<int>(i) + 1, v); }, values[i]);
  }
}

}  // namespace scriptmesh::store
