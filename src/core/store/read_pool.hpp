// A fixed set of read-only connections shared by reading threads.
//
// In WAL mode readers see the last committed state and never wait for the
// writer, so reads scale with the pool while writes stay serialised. A reader
// that finds every connection busy waits for one to come back.
//
// Thread safety: acquire() may be called from any thread; a Lease (and its
// connection) belongs to the thread that holds it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/store/sqlite_db.hpp"

namespace scriptmesh::store {

class ReadPool {
 public:
  // A borrowed connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    ~Lease() { pool_->give_back(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& connection() { return *conn_; }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  explicit ReadPool(std::vector<std::unique_ptr<Connection>> connections)
      : idle_(std::move(connections)) {}

  // Calls `fn` on every connection; only while no lease is out (set-up).
  template <typename Fn>
  void for_each(Fn&& fn) {
    std::lock_guard lock(mu_);
    for (auto& conn : idle_)
      fn(*conn);
  }

  // Blocks until a connection is free.
  Lease acquire() {
    std::unique_lock lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty(); });
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(conn));
  }

 private:
  void give_back(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(conn));
    }
    returned_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
};

}  // namespace scriptmesh::store
