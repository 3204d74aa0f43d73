#include "support/proc_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/bench_error.hpp"

namespace scriptmesh::bench {

ProcStatus read_proc_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) fail("process " + std::to_string(pid) + " is gone");
  ProcStatus out;
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> out.rss_kib;
    } else if (key == "VmHWM:") {
      in >> out.hwm_kib;
    } else if (key == "Threads:") {
      in >> out.threads;
    }
    in.ignore(1 << 20, '\n');
  }
  return out;
}

int open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) fail("cannot list the descriptors of process " + std::to_string(pid));
  int count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec))
    ++count;
  return count;
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may hold spaces; everything after its closing ')' is
  // space-separated, starting with field 3.
  std::size_t close = text.rfind(')');
  if (close == std::string::npos) fail("process " + std::to_string(pid) + " is gone");
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  long long utime = 0;
  long long stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

RssSampler::RssSampler(std::vector<pid_t> pids, std::chrono::milliseconds interval)
    : pids_(std::move(pids)), interval_(interval), peaks_(pids_.size(), 0) {
  thread_ = std::thread([this] { run(); });
}

RssSampler::~RssSampler() {
  stop();
}

void RssSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::int64_t RssSampler::peak_kib(std::size_t i) const {
  std::lock_guard lock(mu_);
  return peaks_.at(i);
}

void RssSampler::run() {
  while (!stop_) {
    for (std::size_t i = 0; i < pids_.size(); ++i) {
      std::int64_t rss = 0;
      try {
        rss = read_proc_status(pids_[i]).rss_kib;
      } catch (const BenchError&) {
        continue;  // the process ended; the run reports that elsewhere
      }
      std::lock_guard lock(mu_);
      peaks_[i] = std::max(peaks_[i], rss);
    }
    // Sampling is periodic by nature.
    std::this_thread::sleep_for(interval_);
  }
}

}  // namespace scriptmesh::bench
