#include "core/store/fault_injector.hpp"

#include <doctest/doctest.h>

#include "store_fixture.hpp"

namespace scriptmesh::testing {
namespace {

// Runs `op(n)` with the n-th statement failing, for n = 1, 2, ... until an
// attempt no longer reaches the armed statement. After each attempt
// `check(n, succeeded)` verifies that the call happened completely or not at
// all; `setup(n)` prepares each attempt with faults disarmed.
template <typename Setup, typename Op, typename Check>
void for_each_failure_point(store::FaultInjector& faults, Setup setup, Op op, Check check) {
  int injected = 0;
  for (int n = 1; n <= 100; ++n) {
    CAPTURE(n);
    setup(n);
    faults.fail_at(n);
    auto result = op(n);
    const bool tripped = faults.tripped();
    faults.fail_at(0);
    if (!tripped) {
      REQUIRE_OK(result);
      check(n, true);
      CHECK(injected > 0);
      return;
    }
    ++injected;
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().category() == ErrorCategory::kUnavailable);
    check(n, false);
  }
  FAIL("the operation never completed without reaching the armed statement");
}

const auto no_setup = [](int) {};

struct FaultFixture {
  store::FaultInjector faults;
  StoreFixture f{[this] {
    store::SqliteTestHooks hooks;
    hooks.faults = &faults;
    return hooks;
  }()};
  Store& st = f.store();
  TenantId t = seed_tenant(st, "tnt_a");
};

TEST_CASE("store: an injected failure in create_tenant leaves neither tenant nor owner") {
  FaultFixture x;
  for_each_failure_point(
      x.faults, no_setup,
      [&](int n) {
        const std::string id = "tnt_" + std::to_string(n);
        return x.st.create_tenant(make_tenant(id),
                                  make_user("usr_" + id, id + "@x.test", UserRole::kOwner));
      },
      [&](int n, bool ok) {
        const std::string id = "tnt_" + std::to_string(n);
        CHECK(x.st.get_tenant(TenantId(id)).ok() == ok);
        CHECK(x.st.find_user_by_email(id + "@x.test").ok() == ok);
      });
}

TEST_CASE("store: an injected failure in insert_jobs inserts none of the jobs") {
  FaultFixture x;
  auto ids = [](int n) {
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i)
      out.push_back("job_" + std::to_string(n) + "_" + std::to_string(i));
    return out;
  };
  for_each_failure_point(
      x.faults, no_setup,
      [&](int n) {
        std::vector<JobRecord> jobs;
        for (const auto& id : ids(n))
          jobs.push_back(make_job(id, "agt_1"));
        jobs.back().idempotency_key = "key-" + std::to_string(n);
        return x.st.insert_jobs(x.t, jobs);
      },
      [&](int n, bool ok) {
        for (const auto& id : ids(n))
          CHECK(x.st.get_job(x.t, JobId(id)).ok() == ok);
      });
}

TEST_CASE("store: an injected failure in append_job_output stores neither chunk nor count") {
  FaultFixture x;
  REQUIRE_OK(x.st.insert_jobs(x.t, {make_job("job_1", "agt_1")}));
  std::string expected;
  for_each_failure_point(
      x.faults, no_setup,
      [&](int n) {
        return x.st.append_job_output(x.t, JobId("job_1"), OutputStream::kStderr, n,
                                      std::string("\0chunk", 6) + std::to_string(n));
      },
      [&](int n, bool ok) {
        if (ok) expected += std::string("\0chunk", 6) + std::to_string(n);
        auto out = x.st.read_job_output(x.t, JobId("job_1"), OutputStream::kStderr, 0, {});
        REQUIRE_OK(out);
        CHECK(*out == expected);
        auto job = x.st.get_job(x.t, JobId("job_1"));
        REQUIRE_OK(job);
        CHECK(job->stderr_bytes == static_cast<std::int64_t>(expected.size()));
      });
}

TEST_CASE("store: an injected failure in transition_job keeps the old status") {
  FaultFixture x;
  auto job_id = [](int n) { return JobId("job_cas_" + std::to_string(n)); };
  JobTransition dispatch;
  dispatch.to = JobStatus::kDispatched;
  dispatch.dispatched_at = at(5);
  for_each_failure_point(
      x.faults,
      [&](int n) { REQUIRE_OK(x.st.insert_jobs(x.t, {make_job(job_id(n).str(), "agt_1")})); },
      [&](int n) { return x.st.transition_job(x.t, job_id(n), JobStatus::kPending, dispatch); },
      [&](int n, bool ok) {
        auto job = x.st.get_job(x.t, job_id(n));
        REQUIRE_OK(job);
        CHECK(job->status == (ok ? JobStatus::kDispatched : JobStatus::kPending));
        CHECK(job->dispatched_at.has_value() == ok);
      });
}

TEST_CASE("store: an injected failure in spending a token leaves it unspent") {
  FaultFixture x;
  auto hash = [](int n) { return "hash-" + std::to_string(n); };
  for_each_failure_point(
      x.faults,
      [&](int n) {
        RefreshTokenRecord rt;
        rt.id = "rt_" + std::to_string(n);
        rt.user_id = owner_of(x.t);
        rt.token_hash = hash(n);
        rt.family_id = "fam";
        REQUIRE_OK(x.st.insert_refresh_token(x.t, rt));
      },
      [&](int n) { return x.st.mark_refresh_token_used(x.t, hash(n), at(1)); },
      [&](int n, bool ok) {
        auto token = x.st.find_refresh_token(hash(n));
        REQUIRE_OK(token);
        CHECK(token->used_at.has_value() == ok);
      });
}

TEST_CASE("store: an injected failure in claiming deliveries claims nothing") {
  FaultFixture x;
  for_each_failure_point(
      x.faults,
      [&](int n) {
        if (n > 1) return;  // the same three rows for every attempt
        for (int i = 0; i < 3; ++i) {
          DeliveryRecord d;
          d.id = DeliveryId("dlv_" + std::to_string(n) + "_" + std::to_string(i));
          d.kind = "job_webhook";
          d.payload = "{}";
          d.next_attempt_at = at(0);
          d.created_at = at(0);
          REQUIRE_OK(x.st.enqueue_delivery(x.t, d));
        }
      },
      [&](int) { return x.st.claim_due_deliveries(at(1), at(1000), 1000); },
      [&](int, bool ok) {
        // Until the one successful claim (the last attempt) nothing moves;
        // that one claims every row, each exactly once.
        auto all = x.st.list_deliveries(x.t, std::nullopt, 1000);
        REQUIRE_OK(all);
        for (const auto& d : *all) {
          CHECK(d.status == (ok ? DeliveryStatus::kInFlight : DeliveryStatus::kPending));
          CHECK(d.attempts == (ok ? 1 : 0));
        }
      });
}

TEST_CASE("store: injected failures in reads are reported and leave the pool usable") {
  FaultFixture x;
  REQUIRE_OK(x.st.insert_jobs(x.t, {make_job("job_1", "agt_1")}));
  REQUIRE_OK(x.st.append_job_output(x.t, JobId("job_1"), OutputStream::kStdout, 0, "hello"));
  for_each_failure_point(
      x.faults, no_setup,
      [&](int) { return x.st.read_job_output(x.t, JobId("job_1"), OutputStream::kStdout, 1, 3); },
      [&](int, bool ok) {
        if (!ok) return;
        auto out = x.st.read_job_output(x.t, JobId("job_1"), OutputStream::kStdout, 1, 3);
        REQUIRE_OK(out);
        CHECK(*out == "ell");
      });
  for_each_failure_point(
      x.faults, no_setup, [&](int) { return x.st.list_jobs(x.t, JobFilter{}); }, [&](int, bool) {});
  // Every pooled connection still answers (none was left inside a transaction).
  for (int i = 0; i < 8; ++i)
    CHECK_OK(x.st.list_users(x.t));
  REQUIRE_OK(x.st.insert_jobs(x.t, {make_job("job_after", "agt_1")}));
}

}  // namespace
}  // namespace scriptmesh::testing
