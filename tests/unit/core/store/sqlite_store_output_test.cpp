#include "scriptmesh/store.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// Every byte value, NUL and 0xFF included, in an order that makes slices easy
// to tell apart.
std::string all_bytes(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>((i * 7 + 255) % 256));
  return out;
}

struct OutputFixture {
  StoreFixture f;
  TenantId t = seed_tenant(f.store(), "tnt_a");
  JobId job{"job_1"};

  OutputFixture() { REQUIRE_OK(f.store().insert_jobs(t, {make_job("job_1", "agt_1")})); }

  std::string read(OutputStream s, std::int64_t offset, std::optional<std::int64_t> limit) {
    auto r = f.store().read_job_output(t, job, s, offset, limit);
    REQUIRE_OK(r);
    return *r;
  }
};

TEST_CASE("store: output chunks round-trip byte-exact and read by offset") {
  OutputFixture o;
  const std::string expected = all_bytes(1000);
  // Uneven chunks, one of them empty, so reads cross boundaries everywhere.
  const std::size_t sizes[] = {1, 0, 255, 256, 3, 485};
  std::size_t pos = 0;
  std::int64_t seq = 0;
  for (std::size_t size : sizes) {
    auto r = o.f.store().append_job_output(o.t, o.job, OutputStream::kStdout, seq++,
                                           std::string_view(expected).substr(pos, size));
    REQUIRE_OK(r);
    CHECK(*r);
    pos += size;
  }
  REQUIRE(pos == expected.size());
  CHECK(expected.find('\0') != std::string::npos);
  CHECK(expected.find('\xff') != std::string::npos);

  CHECK(o.read(OutputStream::kStdout, 0, std::nullopt) == expected);
  CHECK(o.read(OutputStream::kStderr, 0, std::nullopt).empty());
  for (std::int64_t offset : {0, 1, 2, 255, 256, 257, 511, 512, 513, 514, 515, 999}) {
    for (std::int64_t limit : {0, 1, 2, 254, 255, 256, 300, 1000}) {
      CAPTURE(offset);
      CAPTURE(limit);
      CHECK(o.read(OutputStream::kStdout, offset, limit) == expected.substr(offset, limit));
    }
  }
  CHECK(o.read(OutputStream::kStdout, 1000, std::nullopt).empty());
  CHECK(o.read(OutputStream::kStdout, 5000, 10).empty());
  CHECK(o.read(OutputStream::kStdout, 990, std::numeric_limits<std::int64_t>::max()) ==
        expected.substr(990));

  auto job = o.f.store().get_job(o.t, o.job);
  REQUIRE_OK(job);
  CHECK(job->stdout_bytes == 1000);
  CHECK(job->stderr_bytes == 0);
}

TEST_CASE("store: streams are kept apart and replayed chunks are ignored") {
  OutputFixture o;
  auto put = [&](OutputStream s, std::int64_t seq, std::string_view data) {
    auto r = o.f.store().append_job_output(o.t, o.job, s, seq, data);
    REQUIRE_OK(r);
    return *r;
  };
  CHECK(put(OutputStream::kStdout, 0, std::string("out\0one", 7)));
  CHECK(put(OutputStream::kStderr, 0, "err"));
  CHECK(put(OutputStream::kStdout, 1, "-two"));
  // A reconnecting agent resends what it already delivered.
  CHECK_FALSE(put(OutputStream::kStdout, 0, std::string("out\0one", 7)));
  CHECK_FALSE(put(OutputStream::kStdout, 1, "-two"));
  CHECK(put(OutputStream::kStdout, 2, "\xff"));

  CHECK(o.read(OutputStream::kStdout, 0, std::nullopt) == std::string("out\0one-two\xff", 12));
  CHECK(o.read(OutputStream::kStderr, 0, std::nullopt) == "err");
  auto job = o.f.store().get_job(o.t, o.job);
  REQUIRE_OK(job);
  CHECK(job->stdout_bytes == 12);
  CHECK(job->stderr_bytes == 3);
}

TEST_CASE("store: output calls check the job and the range") {
  OutputFixture o;
  CHECK_ERROR_CODE(
      o.f.store().append_job_output(o.t, JobId("job_9"), OutputStream::kStdout, 0, "x"),
      "job_not_found");
  CHECK_ERROR_CODE(o.f.store().read_job_output(o.t, JobId("job_9"), OutputStream::kStdout, 0, {}),
                   "job_not_found");
  CHECK_ERROR_CODE(o.f.store().read_job_output(o.t, o.job, OutputStream::kStdout, -1, {}),
                   "invalid_range");
  CHECK_ERROR_CODE(o.f.store().read_job_output(o.t, o.job, OutputStream::kStdout, 0, -5),
                   "invalid_range");
}

TEST_CASE("store: a large output survives close and reopen") {
  OutputFixture o;
  const std::string big = all_bytes(3 * 1024 * 1024);
  const std::size_t chunk = 64 * 1024;
  for (std::size_t i = 0; i * chunk < big.size(); ++i) {
    REQUIRE_OK(o.f.store().append_job_output(o.t, o.job, OutputStream::kStdout,
                                             static_cast<std::int64_t>(i),
                                             std::string_view(big).substr(i * chunk, chunk)));
  }
  o.f.reopen();
  CHECK(o.read(OutputStream::kStdout, 0, std::nullopt) == big);
  CHECK(o.read(OutputStream::kStdout, chunk - 3, 6) == big.substr(chunk - 3, 6));
}

}  // namespace
}  // namespace scriptmesh::testing
