#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "support/bench_error.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace scriptmesh::bench {
namespace {

using namespace std::chrono_literals;

std::vector<char*> pointers(std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (std::string& item : items)
    out.push_back(item.data());
  out.push_back(nullptr);
  return out;
}

int count_lines_with(const std::string& text, std::string_view needle, std::string& last) {
  int count = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    // A line still being written is counted once it is complete.
    if (end == std::string::npos) break;
    std::string_view line(text.data() + start, end - start);
    if (line.find(needle) != std::string_view::npos) {
      ++count;
      last = std::string(line);
    }
    start = end + 1;
  }
  return count;
}

}  // namespace

Command::Command(std::vector<std::string> argv, std::vector<std::string> env)
    : argv_(std::move(argv)), env_(std::move(env)) {
  if (argv_.empty()) fail("Command needs an argv");
  argv_ptrs_ = pointers(argv_);
  if (!env_.empty()) env_ptrs_ = pointers(env_);
}

pid_t Command::spawn(int in_fd, int out_fd, int err_fd) const {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int rc = posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  pid_t pid = -1;
  if (rc == 0) {
    char* const* envp = env_ptrs_.empty() ? environ : env_ptrs_.data();
    rc = ::posix_spawn(&pid, argv_ptrs_[0], &actions, nullptr, argv_ptrs_.data(), envp);
  }
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) fail("cannot start " + argv_[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid: " + std::string(std::strerror(errno)));
  }
  return status;
}

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& log_file)
    : log_file_(log_file) {
  int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) fail("cannot open " + log_file.string());
  int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) {
    ::close(log);
    fail("cannot open /dev/null");
  }
  try {
    Command command(argv);
    pid_ = command.spawn(null, log, log);
  } catch (...) {
    ::close(log);
    ::close(null);
    throw;
  }
  ::close(log);
  ::close(null);
}

Process::~Process() {
  if (reaped_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string Process::log_text() const {
  return read_file(log_file_);
}

bool Process::reap_nonblocking() {
  if (reaped_) return true;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = status;
  }
  return reaped_;
}

std::string Process::wait_for_log(std::string_view text, int count,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string log = log_text();
    std::string last;
    if (count_lines_with(log, text, last) >= count) return last;
    if (reap_nonblocking()) {
      fail(log_file_.filename().string() + ": the process exited before logging '" +
           std::string(text) + "':\n" + tail_lines(log_text(), 20));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      fail(log_file_.filename().string() + ": no '" + std::string(text) + "' within " +
           std::to_string(timeout.count()) + " ms:\n" + tail_lines(log, 20));
    }
    // Another process writes the log; there is nothing to wait on but time.
    std::this_thread::sleep_for(5ms);
  }
}

std::optional<int> Process::stop(std::chrono::milliseconds grace) {
  if (reaped_ || reap_nonblocking()) return std::nullopt;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!reap_nonblocking()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      status_ = wait_for(pid_);
      reaped_ = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  return status_;
}

std::string tail_lines(const std::string& text, int lines) {
  // Walks back to the start of the last `lines` lines (a final '\n' ends the
  // last line, it does not start another).
  int seen = 0;
  for (std::size_t i = text.size(); i > 0; --i) {
    if (text[i - 1] != '\n' || i == text.size()) continue;
    if (++seen == lines) return text.substr(i);
  }
  return text;
}

}  // namespace scriptmesh::bench
