#include "core/agent/spool.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::agent {
namespace {

using agent_protocol::Dispatch;
using testing::FakeClock;
using testing::TempDir;
namespace fs = std::filesystem;

Dispatch dispatch_of(const std::string& job_id) {
  Dispatch d;
  d.job_id = job_id;
  d.script = "hello";
  d.params = {{"NAME", "world"}};
  d.timeout_sec = 30;
  return d;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

SpooledResult result_of(const std::string& job_id, WallTime at) {
  SpooledResult r;
  r.finished.job_id = job_id;
  r.finished.exit_code = 3;
  r.finished.duration_ms = 1234;
  r.finished.timed_out = true;
  r.finished_at = at;
  return r;
}

TEST_CASE("spool: a job directory holds its dispatch and output, private to the agent") {
  TempDir tmp;
  FakeClock clock;
  Spool spool((tmp / "spool").string());
  REQUIRE_OK(spool.open(clock.now()));
  CHECK(mode_of(tmp / "spool") == 0700);
  REQUIRE_OK(spool.create_job(dispatch_of("job_1")));
  CHECK_ERROR_CODE(spool.create_job(dispatch_of("job_1")), "spool_job_exists");

  CHECK(mode_of(tmp / "spool" / "job_1") == 0700);
  for (const char* file : {"dispatch.json", "stdout", "stderr"}) {
    CAPTURE(file);
    CHECK(mode_of(tmp / "spool" / "job_1" / file) == 0600);
  }
  auto dispatch = spool.load_dispatch("job_1");
  REQUIRE_OK(dispatch);
  CHECK(dispatch->script == "hello");
  CHECK(dispatch->params.at("NAME") == "world");
  CHECK(dispatch->timeout_sec == 30);
  auto jobs = spool.list_jobs();
  REQUIRE_OK(jobs);
  CHECK(*jobs == std::vector<std::string>{"job_1"});
}

TEST_CASE("spool: output is appended and read back byte-exact by offset") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  REQUIRE_OK(spool.create_job(dispatch_of("job-2")));
  const std::string binary("a\0b\xff\xfe\n", 6);
  REQUIRE_OK(spool.append("job-2", OutputStream::kStdout, binary));
  REQUIRE_OK(spool.append("job-2", OutputStream::kStdout, "tail"));
  REQUIRE_OK(spool.append("job-2", OutputStream::kStderr, "err"));

  auto size = spool.size("job-2", OutputStream::kStdout);
  REQUIRE_OK(size);
  CHECK(*size == 10);
  auto all = spool.read("job-2", OutputStream::kStdout, 0, 100);
  REQUIRE_OK(all);
  CHECK(*all == binary + "tail");
  auto middle = spool.read("job-2", OutputStream::kStdout, 1, 4);
  REQUIRE_OK(middle);
  CHECK(*middle == std::string("\0b\xff\xfe", 4));
  auto past_end = spool.read("job-2", OutputStream::kStdout, 10, 5);
  REQUIRE_OK(past_end);
  CHECK(past_end->empty());
  auto err = spool.read("job-2", OutputStream::kStderr, 0, 100);
  REQUIRE_OK(err);
  CHECK(*err == "err");
  CHECK_ERROR_CODE(spool.append("job_x", OutputStream::kStdout, "x"), "spool_job_not_found");
  CHECK_ERROR_CODE(spool.size("job_x", OutputStream::kStdout), "spool_job_not_found");
}

TEST_CASE("spool: job ids that could escape the directory are refused") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  for (const std::string& bad :
       std::vector<std::string>{"", "..", "../x", "a/b", "a b", "é", std::string(65, 'a')}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_job_id(bad));
    CHECK_ERROR_CODE(spool.create_job(dispatch_of(bad)), "invalid_job_id");
    CHECK_ERROR_CODE(spool.read(bad, OutputStream::kStdout, 0, 1), "invalid_job_id");
  }
  CHECK(is_valid_job_id(std::string(64, 'a')));
  CHECK(is_valid_job_id("job_AZaz09-_"));
}

TEST_CASE("spool: the result is written atomically and carries the file sizes") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  REQUIRE_OK(spool.create_job(dispatch_of("job_3")));
  auto none = spool.load_result("job_3");
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());
  REQUIRE_OK(spool.append("job_3", OutputStream::kStdout, "12345"));
  REQUIRE_OK(spool.append("job_3", OutputStream::kStderr, "12"));

  SpooledResult written = result_of("job_3", clock.now());
  written.finished.stdout_bytes = 999;  // ignored: the files say
  REQUIRE_OK(spool.write_result(written));
  CHECK(mode_of(tmp / "job_3" / "result.json") == 0600);
  CHECK_FALSE(fs::exists(tmp / "job_3" / "result.json.tmp"));
  auto loaded = spool.load_result("job_3");
  REQUIRE_OK(loaded);
  REQUIRE(loaded->has_value());
  const auto& f = (*loaded)->finished;
  CHECK(f.job_id == "job_3");
  CHECK(f.exit_code == 3);
  CHECK_FALSE(f.signal.has_value());
  CHECK(f.duration_ms == 1234);
  CHECK(f.timed_out);
  CHECK_FALSE(f.cancelled);
  CHECK(f.error.empty());
  CHECK(f.stdout_bytes == 5);
  CHECK(f.stderr_bytes == 2);
  CHECK((*loaded)->finished_at == clock.now());

  CHECK_ERROR_CODE(spool.write_result(result_of("job_none", clock.now())), "spool_job_not_found");
  CHECK_ERROR_CODE(spool.load_result("job_none"), "spool_job_not_found");
}

TEST_CASE("spool: remove_job deletes the directory, a missing job is fine") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  REQUIRE_OK(spool.create_job(dispatch_of("job_4")));
  REQUIRE_OK(spool.append("job_4", OutputStream::kStdout, "x"));
  REQUIRE_OK(spool.write_result(result_of("job_4", clock.now())));
  REQUIRE_OK(spool.remove_job("job_4"));
  CHECK_FALSE(fs::exists(tmp / "job_4"));
  REQUIRE_OK(spool.remove_job("job_4"));
  auto jobs = spool.list_jobs();
  REQUIRE_OK(jobs);
  CHECK(jobs->empty());
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

TEST_CASE("spool: a removed job's directory is reused, emptied, for the next job") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  REQUIRE_OK(spool.create_job(dispatch_of("job_old")));
  REQUIRE_OK(spool.append("job_old", OutputStream::kStdout, "old output"));
  REQUIRE_OK(spool.append("job_old", OutputStream::kStderr, "old errors"));
  REQUIRE_OK(spool.write_result(result_of("job_old", clock.now())));
  const ino_t dir_inode = inode_of(tmp / "job_old");
  const ino_t stdout_inode = inode_of(tmp / "job_old" / "stdout");
  REQUIRE_OK(spool.remove_job("job_old"));
  CHECK_FALSE(fs::exists(tmp / "job_old"));

  Dispatch next = dispatch_of("job_new");
  next.script = "other";
  REQUIRE_OK(spool.create_job(next));
  // The same inodes, none of the old job's contents.
  CHECK(inode_of(tmp / "job_new") == dir_inode);
  CHECK(inode_of(tmp / "job_new" / "stdout") == stdout_inode);
  CHECK(mode_of(tmp / "job_new") == 0700);
  auto dispatch = spool.load_dispatch("job_new");
  REQUIRE_OK(dispatch);
  CHECK(dispatch->job_id == "job_new");
  CHECK(dispatch->script == "other");
  for (OutputStream s : {OutputStream::kStdout, OutputStream::kStderr}) {
    auto size = spool.size("job_new", s);
    REQUIRE_OK(size);
    CHECK(*size == 0);
  }
  auto result = spool.load_result("job_new");
  REQUIRE_OK(result);
  CHECK_FALSE(result->has_value());
  auto jobs = spool.list_jobs();
  REQUIRE_OK(jobs);
  CHECK(*jobs == std::vector<std::string>{"job_new"});

  // A job directory that is already there is still refused, spare or not.
  REQUIRE_OK(spool.create_job(dispatch_of("job_other")));
  REQUIRE_OK(spool.remove_job("job_other"));
  CHECK_ERROR_CODE(spool.create_job(dispatch_of("job_new")), "spool_job_exists");
}

TEST_CASE("spool: spare directories do not outlive the agent process") {
  TempDir tmp;
  FakeClock clock;
  {
    Spool spool(tmp.path().string());
    REQUIRE_OK(spool.open(clock.now()));
    REQUIRE_OK(spool.create_job(dispatch_of("job_1")));
    REQUIRE_OK(spool.remove_job("job_1"));
    CHECK_FALSE(fs::is_empty(tmp / ".recycle"));
  }
  Spool restarted(tmp.path().string());
  auto recovered = restarted.open(clock.now());
  REQUIRE_OK(recovered);
  CHECK(recovered->empty());  // a spare is no lost job
  CHECK(fs::is_empty(tmp / ".recycle"));
  REQUIRE_OK(restarted.create_job(dispatch_of("job_2")));
  auto jobs = restarted.list_jobs();
  REQUIRE_OK(jobs);
  CHECK(*jobs == std::vector<std::string>{"job_2"});
}

TEST_CASE("spool: open() gives a job lost mid-run the result agent_restarted") {
  TempDir tmp;
  FakeClock clock;
  {
    Spool before(tmp.path().string());
    REQUIRE_OK(before.open(clock.now()));
    REQUIRE_OK(before.create_job(dispatch_of("job_lost")));
    REQUIRE_OK(before.append("job_lost", OutputStream::kStdout, "partial"));
    REQUIRE_OK(before.create_job(dispatch_of("job_done")));
    REQUIRE_OK(before.write_result(result_of("job_done", clock.now())));
  }
  // A directory made just before a crash, without its files; and clutter
  // that is not a job.
  fs::create_directory(tmp / "job_bare");
  std::ofstream(tmp / "notes.txt") << "not a job";
  fs::create_directory(tmp / "not a job");

  clock.advance(std::chrono::hours(1));
  Spool after(tmp.path().string());
  auto recovered = after.open(clock.now());
  REQUIRE_OK(recovered);
  CHECK(*recovered == std::vector<std::string>{"job_bare", "job_lost"});
  auto jobs = after.list_jobs();
  REQUIRE_OK(jobs);
  CHECK(*jobs == std::vector<std::string>{"job_bare", "job_done", "job_lost"});

  auto lost = after.load_result("job_lost");
  REQUIRE_OK(lost);
  REQUIRE(lost->has_value());
  CHECK((*lost)->finished.error == "agent_restarted");
  CHECK_FALSE((*lost)->finished.exit_code.has_value());
  CHECK_FALSE((*lost)->finished.signal.has_value());
  CHECK((*lost)->finished.stdout_bytes == 7);
  CHECK((*lost)->finished_at == clock.now());
  auto bare = after.load_result("job_bare");
  REQUIRE_OK(bare);
  REQUIRE(bare->has_value());
  CHECK((*bare)->finished.stdout_bytes == 0);
  auto done = after.load_result("job_done");
  REQUIRE_OK(done);
  REQUIRE(done->has_value());
  CHECK((*done)->finished.exit_code == 3);
  CHECK((*done)->finished.error.empty());
}

TEST_CASE("spool: a corrupt result is refused, and recovered as a lost job") {
  TempDir tmp;
  FakeClock clock;
  Spool spool(tmp.path().string());
  REQUIRE_OK(spool.open(clock.now()));
  REQUIRE_OK(spool.create_job(dispatch_of("job_5")));
  std::ofstream(tmp / "job_5" / "result.json") << "{\"job_id\": 5";
  CHECK_ERROR_CODE(spool.load_result("job_5"), "spool_corrupt");
  auto recovered = Spool(tmp.path().string()).open(clock.now());
  REQUIRE_OK(recovered);
  CHECK(*recovered == std::vector<std::string>{"job_5"});
  auto loaded = spool.load_result("job_5");
  REQUIRE_OK(loaded);
  CHECK((*loaded)->finished.error == "agent_restarted");
}

TEST_CASE("spool: open() fails with spool_io_failed when the directory cannot be made") {
  TempDir tmp;
  FakeClock clock;
  std::ofstream(tmp / "file") << "x";
  CHECK_ERROR_CODE(Spool((tmp / "file").string()).open(clock.now()), "spool_io_failed");
  CHECK_ERROR_CODE(Spool((tmp / "file" / "spool").string()).open(clock.now()), "spool_io_failed");
}

}  // namespace
}  // namespace scriptmesh::agent
