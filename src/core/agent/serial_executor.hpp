// SerialExecutor: one thread that runs posted tasks in the order posted.
//
// The agent hub records results with asynchronous store writes, whose
// completions run on the store's own thread and must not wait for the
// store. What may (the on_job_final hook queues webhooks, a failure drops
// the agent's session) is posted here instead.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace scriptmesh {

class SerialExecutor {
 public:
  SerialExecutor();
  // Runs every task already posted, then joins the thread.
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Thread-safe; never blocks on a running task. A task must not throw.
  void post(std::function<void()> task);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace scriptmesh
