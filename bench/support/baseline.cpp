#include "support/baseline.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "support/bench_error.hpp"
#include "support/process.hpp"

namespace scriptmesh::bench {
namespace {

// The agent gives a script PATH, HOME and LANG (plus its own SM_* values).
Command script_command(const std::filesystem::path& script) {
  return Command({script.string()}, {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", "LANG=C"});
}

void check_exit(const std::filesystem::path& script, int status) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fail(script.string() + " did not exit 0 (wait status " + std::to_string(status) + ")");
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<double> spawn_loop(const std::filesystem::path& script, int count) {
  Command command = script_command(script);
  Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null.get() < 0) fail("cannot open /dev/null");
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    pid_t pid = command.spawn(null.get(), null.get(), null.get());
    int status = wait_for(pid);
    out.push_back(seconds_since(start));
    check_exit(script, status);
  }
  return out;
}

PipeRun spawn_to_pipe(const std::filesystem::path& script) {
  Command command = script_command(script);
  Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null.get() < 0) fail("cannot open /dev/null");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2 failed");
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  PipeRun run;
  auto start = std::chrono::steady_clock::now();
  pid_t pid = command.spawn(null.get(), write_end.get(), null.get());
  write_end.close();
  std::vector<char> buffer(1 << 16);
  for (;;) {
    ssize_t n = ::read(read_end.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    run.bytes += n;
  }
  int status = wait_for(pid);
  run.seconds = seconds_since(start);
  check_exit(script, status);
  return run;
}

}  // namespace scriptmesh::bench
