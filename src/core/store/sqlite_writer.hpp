// The store's single writer thread, which group-commits.
//
// Callers submit a write (a function over the writer's connection) and block.
// The thread takes every write queued so far (up to a batch limit), runs them
// inside one BEGIN IMMEDIATE ... COMMIT, each in its own SAVEPOINT: a write
// that fails is rolled back to its savepoint alone and reports its error,
// while the others commit. Each caller wakes once the COMMIT is durable and
// gets its own write's Result. One fsync thus serves many writers.
//
// Thread safety: submit() may be called from any thread; the connection is
// touched only by the writer thread once it has started.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/store/sqlite_db.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::store {

// Observation points for tests that need to steer batching.
struct WriterHooks {
  // Called on the writer thread after BEGIN IMMEDIATE, before the batch's
  // writes run, with the batch's size; may block (holding the write lock).
  std::function<void(std::size_t batch_size)> transaction_begun;
  // Called on the submitting thread, under the queue lock, after a write was
  // queued, with the queue's length; must neither block nor call the store.
  std::function<void(std::size_t queue_length)> after_enqueue;
};

class Writer {
 public:
  using Work = std::function<Result<void>(Connection&)>;

  // Starts the thread; `conn` must be a read-write connection outside any
  // transaction.
  Writer(std::unique_ptr<Connection> conn, std::size_t max_batch, WriterHooks hooks = {});
  // shutdown(), then closes the connection.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Runs `work` in the next transaction and returns its Result once that
  // transaction has committed (or failed). Errors besides work's own:
  // unavailable "store_closed" after shutdown began, the COMMIT's error, and
  // unavailable "transaction_aborted" when another write's failure made SQLite
  // abandon the whole transaction.
  [[nodiscard]] Result<void> submit(Work work);

  // As submit(), but returns at once: `done` gets the Result once the
  // transaction has committed (or failed), called on the writer thread. It
  // must be quick and must not write to the store (the writer would wait for
  // itself). Writes submitted from one thread commit in submission order,
  // whichever of the two calls submitted them.
  void submit_async(Work work, std::function<void(Result<void>)> done);

  // Commits everything already queued, then stops the thread. Later submits
  // answer "store_closed". Idempotent; the connection stays open.
  void shutdown();

  // write_calls, write_transactions, failed_writes.
  StoreStats stats() const;

 private:
  // One submitted write, on its caller's stack. The writer publishes the
  // result under `mu` and notifies while still holding it, so the caller
  // cannot return (and destroy this) before the writer is done with it.
  // An asynchronous one is owned by the queue and deleted once `callback`
  // ran.
  struct Pending {
    Work work;
    std::mutex mu;
    std::condition_variable done;
    std::optional<Result<void>> result;          // guarded by mu
    std::function<void(Result<void>)> callback;  // set: asynchronous
  };
  // Queues `pending`; false once shutdown began.
  bool enqueue(Pending* pending);

  void run();
  // Runs a prefix of `batch` in one transaction and hands out the results;
  // returns how many writes it consumed.
  std::size_t run_transaction(std::span<Pending* const> batch);
  // Runs writes inside the open transaction until one breaks it.
  std::vector<Result<void>> run_writes(std::span<Pending* const> batch);
  // Runs one write inside its savepoint.
  Result<void> run_one(Pending& pending);
  // Commits, or rolls back if the transaction is broken; the outcome.
  Result<void> finish_transaction();
  // Ends the current transaction without committing anything.
  void roll_back_all();
  // Publishes results to their callers and wakes them.
  void complete(std::span<Pending* const> batch, std::vector<Result<void>>& results);

  std::unique_ptr<Connection> conn_;  // writer thread only, while it runs
  const std::size_t max_batch_;
  const WriterHooks hooks_;

  std::mutex mu_;
  std::condition_variable wake_;  // the writer waits for work here
  std::deque<Pending*> queue_;    // guarded by mu_; each owned by its blocked caller
  bool stopping_ = false;         // guarded by mu_

  // Set by run_one when a savepoint could not be unwound; writer thread only.
  bool transaction_broken_ = false;

  std::atomic<std::uint64_t> write_calls_{0};
  std::atomic<std::uint64_t> write_transactions_{0};
  std::atomic<std::uint64_t> failed_writes_{0};

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace scriptmesh::store
