// Test-only fault injection for the SQLite store: makes the Nth statement fail.
//
// Every statement execution on a store's connections (each first step of a
// prepared statement, each exec of BEGIN/SAVEPOINT/COMMIT/...) asks the
// injector first; the one numbered `fail_at` fails as if SQLite had reported
// an I/O error, without running. Tests loop `fail_at` over 1..N so each error
// branch of a write runs once.
//
// Thread safety: all members are atomic.
#pragma once

#include <atomic>
#include <cstdint>

namespace scriptmesh::store {

class FaultInjector {
 public:
  // Arms the injector: counting restarts at 0 and statement number `n`
  // (1-based) will fail. 0 disarms.
  void fail_at(std::int64_t n) noexcept {
    count_.store(0);
    fail_at_.store(n);
  }
  // Statements counted since the last fail_at().
  std::int64_t count() const noexcept { return count_.load(); }
  // True once the armed statement has failed.
  bool tripped() const noexcept {
    const std::int64_t n = fail_at_.load();
    return n > 0 && count_.load() >= n;
  }

  // Called before each statement runs; true means "fail this one".
  bool should_fail() noexcept {
    const std::int64_t n = count_.fetch_add(1) + 1;
    return n == fail_at_.load();
  }

 private:
  std::atomic<std::int64_t> fail_at_{0};
  std::atomic<std::int64_t> count_{0};
};

}  // namespace scriptmesh::store
