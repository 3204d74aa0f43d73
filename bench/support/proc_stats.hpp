// What a process costs, read from /proc: resident memory, its high-water
// mark, threads and CPU time. Linux only, like the rest of the benchmarks.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace scriptmesh::bench {

struct ProcStatus {
  std::int64_t rss_kib = 0;  // VmRSS
  std::int64_t hwm_kib = 0;  // VmHWM: the largest VmRSS so far
  int threads = 0;           // Threads
};

// /proc/<pid>/status. Throws BenchError when the process is gone.
ProcStatus read_proc_status(pid_t pid);

// Open file descriptors of the process (entries of /proc/<pid>/fd).
int open_fds(pid_t pid);

// User plus system CPU seconds the process has used (/proc/<pid>/stat).
double cpu_seconds(pid_t pid);

// Samples VmRSS of some processes every `interval` on a thread of its own
// and keeps the largest value seen for each. Sampling catches peaks the
// end-of-run VmHWM cannot attribute to one phase of a run.
class RssSampler {
 public:
  RssSampler(std::vector<pid_t> pids, std::chrono::milliseconds interval);
  ~RssSampler();  // stops
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  void stop();
  // The largest VmRSS seen for pids[i], in KiB.
  std::int64_t peak_kib(std::size_t i) const;

 private:
  void run();

  const std::vector<pid_t> pids_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::vector<std::int64_t> peaks_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace scriptmesh::bench
