#include "core/store/sqlite_writer.hpp"

#include <exception>
#include <memory>
#include <string>
#include <utility>

namespace scriptmesh::store {

Writer::Writer(std::unique_ptr<Connection> conn, std::size_t max_batch, WriterHooks hooks)
    : conn_(std::move(conn)),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      hooks_(std::move(hooks)),
      thread_([this] { run(); }) {}

Writer::~Writer() {
  shutdown();
}

void Writer::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool Writer::enqueue(Pending* pending) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    queue_.push_back(pending);
    if (hooks_.after_enqueue) hooks_.after_enqueue(queue_.size());
  }
  wake_.notify_one();
  return true;
}

Result<void> Writer::submit(Work work) {
  Pending pending;
  pending.work = std::move(work);
  if (!enqueue(&pending)) {
    return Error::unavailable("store_closed", "the store is shutting down");
  }
  std::unique_lock lock(pending.mu);
  pending.done.wait(lock, [&] { return pending.result.has_value(); });
  return std::move(*pending.result);
}

void Writer::submit_async(Work work, std::function<void(Result<void>)> done) {
  auto pending = std::make_unique<Pending>();
  pending->work = std::move(work);
  pending->callback = std::move(done);
  if (!enqueue(pending.get())) {
    pending->callback(Error::unavailable("store_closed", "the store is shutting down"));
    return;
  }
  (void)pending.release();  // the writer deletes it after the callback
}

StoreStats Writer::stats() const {
  StoreStats s;
  s.write_calls = write_calls_.load();
  s.write_transactions = write_transactions_.load();
  s.failed_writes = failed_writes_.load();
  return s;
}

void Writer::run() {
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stopping still drains: a caller that got into the queue is owed an answer.
      if (queue_.empty()) return;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    std::span<Pending* const> rest(batch);
    while (!rest.empty())
      rest = rest.subspan(run_transaction(rest));
  }
}

std::size_t Writer::run_transaction(std::span<Pending* const> batch) {
  write_transactions_.fetch_add(1);
  std::vector<Result<void>> results;
  Result<void> begin = conn_->exec_cached("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    results.assign(batch.size(), begin);
  } else {
    transaction_broken_ = false;
    if (hooks_.transaction_begun) hooks_.transaction_begun(batch.size());
    results = run_writes(batch);
    Result<void> end = finish_transaction();
    if (!end.ok()) {
      for (Result<void>& r : results) {
        if (r.ok()) r = end.error();
      }
    }
  }
  const std::size_t consumed = results.size();
  complete(batch.first(consumed), results);
  return consumed;
}

std::vector<Result<void>> Writer::run_writes(std::span<Pending* const> batch) {
  std::vector<Result<void>> results;
  results.reserve(batch.size());
  for (Pending* pending : batch) {
    results.push_back(run_one(*pending));
    // Some failures (disk full, I/O errors) make SQLite abandon the whole
    // transaction; the writes already run in it are lost with it, and the
    // rest of the batch goes into a fresh transaction.
    if (transaction_broken_ || !conn_->in_transaction()) break;
  }
  return results;
}

Result<void> Writer::run_one(Pending& pending) {
  SCRIPTMESH_RETURN_IF_ERROR(conn_->exec_cached("SAVEPOINT write"));
  Result<void> result = ok_result();
  try {
    result = pending.work(*conn_);
  } catch (const std::exception& e) {
    result = Error::internal("store_error", std::string("write threw: ") + e.what());
  } catch (...) {
    result = Error::internal("store_error", "write threw a non-standard exception");
  }
  if (result.ok()) {
    Result<void> release = conn_->exec_cached("RELEASE write");
    if (release.ok()) return result;
    result = std::move(release).error();
  }
  if (!conn_->in_transaction()) return result;
  // ROLLBACK TO keeps the savepoint open, so it is released afterwards. If
  // either fails, this write's changes may still be pending: the whole
  // transaction must go.
  if (!conn_->exec("ROLLBACK TO write").ok() || !conn_->exec_cached("RELEASE write").ok()) {
    transaction_broken_ = true;
  }
  return result;
}

Result<void> Writer::finish_transaction() {
  if (transaction_broken_ || !conn_->in_transaction()) {
    roll_back_all();
    return Error::unavailable("transaction_aborted",
                              "the transaction was abandoned after a storage error; retry");
  }
  Result<void> commit = conn_->exec_cached("COMMIT");
  if (!commit.ok()) roll_back_all();
  return commit;
}

void Writer::roll_back_all() {
  // A second try covers a transient failure of the first; after that SQLite
  // is out of resources and the next BEGIN will report it.
  for (int attempt = 0; attempt < 2 && conn_->in_transaction(); ++attempt) {
    (void)conn_->exec("ROLLBACK");
  }
}

void Writer::complete(std::span<Pending* const> batch, std::vector<Result<void>>& results) {
  std::uint64_t failed = 0;
  for (const Result<void>& r : results)
    failed += r.ok() ? 0 : 1;
  write_calls_.fetch_add(batch.size());
  failed_writes_.fetch_add(failed);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Pending& p = *batch[i];
    if (p.callback) {
      std::unique_ptr<Pending> owned(&p);
      p.callback(std::move(results[i]));
      continue;
    }
    std::lock_guard lock(p.mu);
    p.result = std::move(results[i]);
    p.done.notify_one();
  }
}

}  // namespace scriptmesh::store
