#include "scriptmesh/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace scriptmesh {

std::string_view process_stream_name(ProcessStream stream) noexcept {
  return stream == ProcessStream::kStdout ? "stdout" : "stderr";
}

namespace {

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::size_t kChunkBytes = 64 * 1024;
// Upper bound on one poll() wait, so a CancelToken is noticed promptly.
constexpr milliseconds kCancelCheckInterval{50};
// Without a pidfd, an exit whose pipes closed first is only seen by polling.
constexpr milliseconds kExitPollInterval{2};

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

Error invalid_spec(std::string message) {
  return Error::invalid_argument("invalid_process_spec", std::move(message));
}

bool has_nul(const std::string& s) {
  return s.find('\0') != std::string::npos;
}

Result<void> validate(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return invalid_spec("argv is empty");
  for (const auto& arg : spec.argv) {
    if (has_nul(arg)) return invalid_spec("an argument of " + spec.argv[0] + " contains NUL");
  }
  if (has_nul(spec.workdir)) return invalid_spec("workdir contains NUL");
  for (const auto& [name, value] : spec.env) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      return invalid_spec("malformed environment variable name");
    }
    if (has_nul(value)) return invalid_spec("environment variable " + name + " contains NUL");
  }
  if (spec.timeout.count() <= 0) return invalid_spec("timeout must be positive");
  if (spec.kill_grace.count() < 0 || spec.drain_timeout.count() < 0) {
    return invalid_spec("kill_grace and drain_timeout must not be negative");
  }
  return ok_result();
}

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Own group (pgid = pid), an empty signal mask and every signal at its
// default: the agent may block or ignore signals (SIGPIPE, SIGTERM) and a
// child would otherwise inherit that.
int configure(SpawnSetup& setup, const ProcessSpec& spec, int out_fd, int err_fd) {
  sigset_t empty;
  sigset_t all;
  sigemptyset(&empty);
  sigfillset(&all);
  const short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  int rc = posix_spawnattr_setflags(&setup.attr, flags);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &empty);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &all);
  auto* actions = &setup.actions;
  if (rc == 0) rc = posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, out_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, err_fd, 2);
  // Whatever else the host process has open (the agent's connection to the
  // orchestrator, spool files, descriptors a library opened without
  // O_CLOEXEC) stays out of the script.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(actions, 3);
  if (rc == 0 && !spec.workdir.empty()) {
    rc = posix_spawn_file_actions_addchdir_np(actions, spec.workdir.c_str());
  }
  return rc;
}

Error spawn_error(const ProcessSpec& spec, int err) {
  std::string message = "cannot start " + spec.argv[0];
  if (!spec.workdir.empty()) message += " in " + spec.workdir;
  message += ": ";
  message += std::strerror(err);
  if (err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE) {
    return Error::unavailable("spawn_failed", std::move(message));
  }
  return Error::failed_precondition("spawn_failed", std::move(message));
}

// Both ends close-on-exec, so a concurrent spawn on another thread never
// inherits them; the dup2 in the child clears the flag on 1 and 2 only.
Result<std::pair<UniqueFd, UniqueFd>> make_pipe(const ProcessSpec& spec) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return spawn_error(spec, errno);
  std::pair<UniqueFd, UniqueFd> ends{UniqueFd(fds[0]), UniqueFd(fds[1])};
  // Only the read end, which is a separate open file description, is
  // non-blocking; the child's write end stays blocking.
  ::fcntl(ends.first.get(), F_SETFL, O_NONBLOCK);
  return ends;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper cannot be linked
// from C++; the raw system call is the same thing. -1 on kernels before 5.3.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// One spawned process and our ends of its pipes. Until reaped, the process
// is a zombie at worst, which keeps its pid, and so its group id, from being
// reused: signalling -pid_ can never reach a stranger.
class Child {
 public:
  Child(pid_t pid, UniqueFd out, UniqueFd err) : pid_(pid), pidfd_(open_pidfd(pid)) {
    pipes_[0] = std::move(out);
    pipes_[1] = std::move(err);
  }
  ~Child() {
    if (!reaped_) {
      signal_group(SIGKILL);
      (void)reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void signal_group(int sig) const { ::kill(-pid_, sig); }
  bool pipes_open() const { return pipes_[0].valid() || pipes_[1].valid(); }
  bool has_pidfd() const { return pidfd_.valid(); }
  void close_pipes() {
    pipes_[0].reset();
    pipes_[1].reset();
  }

  // True once the process has exited; it is not reaped (WNOWAIT).
  bool exited() const {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno != EINTR) return true;
    }
    return info.si_pid == pid_;
  }

  // Waits at most `wait` for output (or, with `watch_exit`, the exit), then
  // hands what arrived to the sink, one read per ready pipe. False when poll()
  // failed.
  bool pump(milliseconds wait, bool watch_exit, OutputSink& sink, std::vector<char>& buffer);

  // Blocks until the process is gone; returns its wait status.
  int reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  void read_one(int index, OutputSink& sink, std::vector<char>& buffer);

  pid_t pid_;
  UniqueFd pidfd_;  // -1 where pidfd_open is unavailable
  UniqueFd pipes_[2];
  bool reaped_ = false;
};

bool Child::pump(milliseconds wait, bool watch_exit, OutputSink& sink, std::vector<char>& buffer) {
  pollfd fds[3];
  int count = 0;
  int index_of[3] = {-1, -1, -1};
  for (int i = 0; i < 2; ++i) {
    if (!pipes_[i].valid()) continue;
    index_of[count] = i;
    fds[count++] = pollfd{pipes_[i].get(), POLLIN, 0};
  }
  if (watch_exit && pidfd_.valid()) fds[count++] = pollfd{pidfd_.get(), POLLIN, 0};
  int ready = ::poll(fds, static_cast<nfds_t>(count), static_cast<int>(wait.count()));
  if (ready < 0) return errno == EINTR;
  for (int k = 0; k < count; ++k) {
    if (index_of[k] >= 0 && fds[k].revents != 0) read_one(index_of[k], sink, buffer);
  }
  return true;
}

void Child::read_one(int index, OutputSink& sink, std::vector<char>& buffer) {
  ssize_t n = ::read(pipes_[index].get(), buffer.data(), buffer.size());
  if (n > 0) {
    auto stream = index == 0 ? ProcessStream::kStdout : ProcessStream::kStderr;
    sink.on_output(stream, std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    pipes_[index].reset();
  }
}

Result<std::unique_ptr<Child>> spawn(const ProcessSpec& spec) {
  auto out = make_pipe(spec);
  if (!out.ok()) return out.error();
  auto err = make_pipe(spec);
  if (!err.ok()) return err.error();
  SpawnSetup setup;
  int rc = configure(setup, spec, out->second.get(), err->second.get());
  if (rc != 0) return spawn_error(spec, rc);

  std::vector<char*> argv;
  for (const auto& arg : spec.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  env_text.reserve(spec.env.size());
  for (const auto& [name, value] : spec.env)
    env_text.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_text)
    envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  rc = ::posix_spawn(&pid, spec.argv[0].c_str(), &setup.actions, &setup.attr, argv.data(),
                     envp.data());
  if (rc != 0) return spawn_error(spec, rc);
  return std::make_unique<Child>(pid, std::move(out->first), std::move(err->first));
}

// The supervision of one run: which signals were sent, which deadlines apply.
class Supervisor {
 public:
  Supervisor(const ProcessSpec& spec, const CancelToken& cancel, SteadyTime start)
      : spec_(spec), cancel_(cancel), timeout_at_(start + spec.timeout) {}

  // Sends SIGTERM or SIGKILL when a deadline or the token says so.
  void enforce(Child& child, SteadyTime now, ProcessOutcome& outcome) {
    if (!term_sent_) {
      if (cancel_.cancelled()) {
        outcome.cancelled = true;
      } else if (now >= timeout_at_) {
        outcome.timed_out = true;
      } else {
        return;
      }
      child.signal_group(SIGTERM);
      term_sent_ = true;
      kill_at_ = now + spec_.kill_grace;
    } else if (!kill_sent_ && now >= kill_at_) {
      child.signal_group(SIGKILL);
      kill_sent_ = true;
    }
  }

  // How long the next wait may last while the process still runs.
  milliseconds running_wait(const Child& child, SteadyTime now) const {
    SteadyTime next = now + kCancelCheckInterval;
    if (!term_sent_) next = std::min(next, timeout_at_);
    if (term_sent_ && !kill_sent_) next = std::min(next, kill_at_);
    if (!child.has_pidfd() && !child.pipes_open()) next = std::min(next, now + kExitPollInterval);
    return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(next - now));
  }

 private:
  const ProcessSpec& spec_;
  const CancelToken& cancel_;
  SteadyTime timeout_at_;
  // A plain time point and a flag rather than std::optional: GCC 12 at -O3
  // reports the optional's payload as maybe-uninitialized (a false positive).
  bool term_sent_ = false;
  SteadyTime kill_at_{};  // meaningful once term_sent_
  bool kill_sent_ = false;
};

void record_status(int status, ProcessOutcome& outcome) {
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
}

Result<ProcessOutcome> supervise(Child& child, const ProcessSpec& spec, OutputSink& sink,
                                 const CancelToken& cancel, SteadyTime start) {
  ProcessOutcome outcome;
  Supervisor supervisor(spec, cancel, start);
  std::vector<char> buffer(kChunkBytes);
  std::optional<SteadyTime> exited_at;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    milliseconds wait{0};
    if (!exited_at) {
      supervisor.enforce(child, now, outcome);
      wait = supervisor.running_wait(child, now);
    } else {
      // Background children may hold the pipes open forever: drain, bounded.
      if (!child.pipes_open() || now >= *exited_at + spec.drain_timeout) break;
      wait = std::chrono::ceil<milliseconds>(*exited_at + spec.drain_timeout - now);
    }
    if (!child.pump(wait, !exited_at, sink, buffer)) {
      return Error::internal("process_wait_failed", std::string("poll: ") + std::strerror(errno));
    }
    if (!exited_at && child.exited()) exited_at = std::chrono::steady_clock::now();
  }
  outcome.duration = std::chrono::duration_cast<milliseconds>(*exited_at - start);
  // No process of the job outlives it, whether or not it still held a pipe.
  child.signal_group(SIGKILL);
  child.close_pipes();
  record_status(child.reap(), outcome);
  return outcome;
}

class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessOutcome> run(const ProcessSpec& spec, OutputSink& sink,
                             const CancelToken& cancel) override {
    SCRIPTMESH_RETURN_IF_ERROR(validate(spec));
    auto start = std::chrono::steady_clock::now();
    auto child = spawn(spec);
    if (!child.ok()) return child.error();
    return supervise(**child, spec, sink, cancel, start);
  }
};

}  // namespace

std::unique_ptr<ProcessRunner> make_posix_process_runner() {
  return std::make_unique<PosixProcessRunner>();
}

}  // namespace scriptmesh
