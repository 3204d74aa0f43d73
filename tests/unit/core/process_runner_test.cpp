#include "scriptmesh/process_runner.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh {
namespace {

using std::chrono::milliseconds;
using testing::TempDir;

// Keeps each stream whole, and the size of the largest chunk.
class RecordingSink : public OutputSink {
 public:
  void on_output(ProcessStream stream, std::string_view bytes) override {
    CHECK_FALSE(bytes.empty());
    max_chunk = std::max(max_chunk, bytes.size());
    (stream == ProcessStream::kStdout ? out : err).append(bytes);
  }
  std::string out;
  std::string err;
  std::size_t max_chunk = 0;
};

// Writes an executable /bin/sh script into `dir` and returns its path.
std::string write_script(const TempDir& dir, const std::string& name, const std::string& body) {
  auto path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path.string();
}

ProcessSpec spec_for(std::vector<std::string> argv, milliseconds timeout = milliseconds(5000)) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.timeout = timeout;
  spec.kill_grace = milliseconds(200);
  spec.drain_timeout = milliseconds(200);
  return spec;
}

Result<ProcessOutcome> run(const ProcessSpec& spec, RecordingSink& sink) {
  CancelToken cancel;
  return make_posix_process_runner()->run(spec, sink, cancel);
}

// A process that was killed may linger briefly, and then as a zombie if no
// one reaps it; either way it no longer runs.
bool gone_within(pid_t pid, milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (::kill(pid, 0) != 0) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto paren = line.rfind(')');
    if (paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST_CASE("process runner: exit codes are reported") {
  TempDir dir;
  for (int code : {0, 3}) {
    RecordingSink sink;
    auto outcome =
        run(spec_for({write_script(dir, "exit.sh", "exit " + std::to_string(code))}), sink);
    REQUIRE_OK(outcome);
    CHECK(outcome->exit_code == code);
    CHECK(outcome->signal == 0);
    CHECK_FALSE(outcome->timed_out);
    CHECK_FALSE(outcome->cancelled);
    CHECK(outcome->duration < milliseconds(2000));
  }
}

TEST_CASE("process runner: stdout and stderr are separate and byte-exact") {
  TempDir dir;
  auto script = write_script(dir, "bin.sh", R"(printf 'a\000\377b'; printf 'e\000\377' >&2)");
  RecordingSink sink;
  auto outcome = run(spec_for({script}), sink);
  REQUIRE_OK(outcome);
  CHECK(outcome->exit_code == 0);
  CHECK(sink.out == std::string("a\0\xff"
                                "b",
                                4));
  CHECK(sink.err == std::string("e\0\xff", 3));
}

TEST_CASE("process runner: the script inherits no descriptor but stdin, stdout and stderr") {
  // Descriptors the host leaves open across exec, as a socket library that
  // does not set O_CLOEXEC would: a plain socket and a high-numbered dup.
  const int leaked = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(leaked >= 0);
  const int high = ::fcntl(leaked, F_DUPFD, 200);
  REQUIRE(high >= 200);
  RecordingSink sink;
  // ls opens /proc/self/fd itself, as descriptor 3.
  auto outcome = run(spec_for({"/bin/ls", "/proc/self/fd"}), sink);
  ::close(high);
  ::close(leaked);
  REQUIRE_OK(outcome);
  CHECK(outcome->exit_code == 0);
  CHECK(sink.out == "0\n1\n2\n3\n");
}

TEST_CASE("process runner: a large output arrives whole in bounded chunks") {
  constexpr std::size_t kBytes = 8 * 1024 * 1024;
  RecordingSink sink;
  auto outcome = run(spec_for({"/bin/sh", "-c", "head -c 8388608 /dev/zero"}), sink);
  REQUIRE_OK(outcome);
  CHECK(outcome->exit_code == 0);
  CHECK(sink.out.size() == kBytes);
  CHECK(std::all_of(sink.out.begin(), sink.out.end(), [](char c) { return c == '\0'; }));
  CHECK(sink.max_chunk <= 64 * 1024);
}

TEST_CASE("process runner: the environment is exactly the one given") {
  auto spec = spec_for({"/usr/bin/env"});
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"SM_JOB_ID", "j1"}, {"NAME", "two words=x"}};
  RecordingSink sink;
  auto outcome = run(spec, sink);
  REQUIRE_OK(outcome);
  CHECK(sink.out == "PATH=/usr/bin:/bin\nSM_JOB_ID=j1\nNAME=two words=x\n");
}

TEST_CASE("process runner: workdir is honoured and stdin is /dev/null") {
  TempDir dir;
  auto spec = spec_for({"/bin/pwd"});
  spec.workdir = dir.path().string();
  RecordingSink sink;
  auto outcome = run(spec, sink);
  REQUIRE_OK(outcome);
  CHECK(sink.out == std::filesystem::canonical(dir.path()).string() + "\n");

  RecordingSink cat_sink;
  auto cat = run(spec_for({"/bin/cat"}), cat_sink);
  REQUIRE_OK(cat);
  CHECK(cat->exit_code == 0);
  CHECK_FALSE(cat->timed_out);
  CHECK(cat_sink.out.empty());
  CHECK(cat->duration < milliseconds(2000));
}

TEST_CASE("process runner: the child starts with an empty signal mask") {
  RecordingSink sink;
  std::optional<Result<ProcessOutcome>> outcome;
  // The mask is per thread, so blocking here leaves the test process alone.
  std::thread([&] {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    outcome = run(spec_for({"/bin/grep", "^SigBlk", "/proc/self/status"}), sink);
  }).join();
  REQUIRE(outcome.has_value());
  REQUIRE_OK(*outcome);
  CHECK(sink.out == "SigBlk:\t0000000000000000\n");
}

TEST_CASE("process runner: a timeout sends SIGTERM to the group") {
  RecordingSink sink;
  auto outcome = run(spec_for({"/bin/sh", "-c", "sleep 30; echo late"}, milliseconds(200)), sink);
  REQUIRE_OK(outcome);
  CHECK(outcome->timed_out);
  CHECK(outcome->exit_code == -1);
  CHECK(outcome->signal == SIGTERM);
  CHECK(outcome->duration >= milliseconds(200));
  CHECK(outcome->duration < milliseconds(1500));
  CHECK(sink.out.empty());
}

TEST_CASE("process runner: a process that ignores SIGTERM is killed after the grace") {
  TempDir dir;
  auto script = write_script(dir, "stubborn.sh", "trap '' TERM\necho armed\nsleep 30");
  RecordingSink sink;
  auto outcome = run(spec_for({script}, milliseconds(200)), sink);
  REQUIRE_OK(outcome);
  CHECK(sink.out == "armed\n");
  CHECK(outcome->timed_out);
  CHECK(outcome->signal == SIGKILL);
  CHECK(outcome->duration >= milliseconds(400));
  CHECK(outcome->duration < milliseconds(1500));
}

TEST_CASE("process runner: a background grandchild neither blocks the run nor survives it") {
  TempDir dir;
  auto script = write_script(dir, "bg.sh", "sleep 30 &\necho $!\nexit 0");
  RecordingSink sink;
  auto started = std::chrono::steady_clock::now();
  auto outcome = run(spec_for({script}), sink);
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_OK(outcome);
  CHECK(outcome->exit_code == 0);
  CHECK_FALSE(outcome->timed_out);
  CHECK(elapsed < milliseconds(1500));
  pid_t grandchild = std::stoi(sink.out);
  REQUIRE(grandchild > 0);
  CHECK(gone_within(grandchild, milliseconds(1000)));
}

TEST_CASE("process runner: a signal death records the signal") {
  RecordingSink sink;
  auto outcome = run(spec_for({"/bin/sh", "-c", "ulimit -c 0; kill -SEGV $$"}), sink);
  REQUIRE_OK(outcome);
  CHECK(outcome->exit_code == -1);
  CHECK(outcome->signal == SIGSEGV);
  CHECK_FALSE(outcome->timed_out);
}

// Tells another thread once the process has printed something.
class ReadySink : public RecordingSink {
 public:
  void on_output(ProcessStream stream, std::string_view bytes) override {
    RecordingSink::on_output(stream, bytes);
    if (!signalled_) ready.set_value();
    signalled_ = true;
  }
  std::promise<void> ready;

 private:
  bool signalled_ = false;
};

TEST_CASE("process runner: cancel from another thread stops the group") {
  ReadySink sink;
  CancelToken cancel;
  std::thread canceller([&sink, &cancel, ready = sink.ready.get_future()]() mutable {
    ready.wait();
    cancel.cancel();
  });
  auto outcome = make_posix_process_runner()->run(
      spec_for({"/bin/sh", "-c", "echo started; sleep 30"}), sink, cancel);
  canceller.join();
  REQUIRE_OK(outcome);
  CHECK(outcome->cancelled);
  CHECK_FALSE(outcome->timed_out);
  CHECK(outcome->signal == SIGTERM);
  CHECK(outcome->duration < milliseconds(1500));
}

TEST_CASE("process runner: a missing command or workdir is spawn_failed") {
  RecordingSink sink;
  auto missing = run(spec_for({"/nonexistent/scriptmesh-tool", "x"}), sink);
  CHECK_ERROR_CODE(missing, "spawn_failed");
  CHECK(missing.error().category() == ErrorCategory::kFailedPrecondition);
  CHECK(missing.error().message().find("/nonexistent/scriptmesh-tool") != std::string::npos);

  auto spec = spec_for({"/bin/true"});
  spec.workdir = "/nonexistent/dir";
  auto bad_dir = run(spec, sink);
  CHECK_ERROR_CODE(bad_dir, "spawn_failed");
  CHECK(bad_dir.error().message().find("/nonexistent/dir") != std::string::npos);

  TempDir dir;
  auto plain = dir / "not-executable";
  std::ofstream(plain) << "#!/bin/sh\n";
  auto denied = run(spec_for({plain.string()}), sink);
  CHECK_ERROR_CODE(denied, "spawn_failed");
}

TEST_CASE("process runner: a malformed spec is invalid_process_spec") {
  RecordingSink sink;
  std::vector<ProcessSpec> bad(5, spec_for({"/bin/true"}));
  bad[0].argv.clear();
  bad[1].argv.push_back(std::string("a\0b", 3));
  bad[2].env.emplace_back("A=B", "x");
  bad[3].env.emplace_back("", "x");
  bad[4].timeout = milliseconds(0);
  for (const auto& spec : bad) {
    auto outcome = run(spec, sink);
    CHECK_ERROR_CODE(outcome, "invalid_process_spec");
  }
}

TEST_CASE("process runner: runs from several threads at once stay apart") {
  auto runner = make_posix_process_runner();
  std::vector<Result<ProcessOutcome>> outcomes(4, Error::internal("not_run", ""));
  std::vector<RecordingSink> sinks(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      CancelToken cancel;
      std::string script = "i=0; while [ $i -lt 200 ]; do echo " + std::to_string(i) +
                           "; i=$((i+1)); done; exit " + std::to_string(10 + i);
      outcomes[i] = runner->run(spec_for({"/bin/sh", "-c", script}), sinks[i], cancel);
    });
  }
  for (auto& t : threads)
    t.join();
  for (int i = 0; i < 4; ++i) {
    REQUIRE_OK(outcomes[i]);
    CHECK(outcomes[i]->exit_code == 10 + i);
    std::string expected;
    for (int k = 0; k < 200; ++k)
      expected += std::to_string(i) + "\n";
    CHECK(sinks[i].out == expected);
  }
}

}  // namespace
}  // namespace scriptmesh
