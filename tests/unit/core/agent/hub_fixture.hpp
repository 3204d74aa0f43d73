// Shared set-up for the agent and job service tests: a real SQLite store in a
// fresh directory (seen by the hub and the services through a FailingStore,
// disarmed unless a test arms it), a fake clock, an event bus with a
// recorder, the hub and both services, and fake agent connections that speak
// the real codec.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/agent/protocol.hpp"
#include "core/store/sqlite_store_internal.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/agents.hpp"
#include "scriptmesh/event_bus.hpp"
#include "scriptmesh/fernet.hpp"
#include "scriptmesh/jobs.hpp"
#include "scriptmesh/log.hpp"
#include "scriptmesh/manifest.hpp"
#include "scriptmesh/principal.hpp"
#include "scriptmesh/sqlite_store.hpp"
#include "support/failing_store.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::testing {

namespace proto = agent_protocol;

// An agent WebSocket as the hub sees it: records every frame and the close.
class FakeConnection final : public AgentConnection {
 public:
  void send(std::string frame) override {
    std::lock_guard lock(mu_);
    if (!closed_) frames_.push_back(std::move(frame));
  }
  void close(std::string_view reason) override {
    std::lock_guard lock(mu_);
    if (!closed_) close_reason_ = std::string(reason);
    closed_ = true;
  }
  void resume() override {
    std::lock_guard lock(mu_);
    ++resumes_;
  }

  // How many times the hub let the connection read on after a hello.
  int resumes() const {
    std::lock_guard lock(mu_);
    return resumes_;
  }

  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::string close_reason() const {
    std::lock_guard lock(mu_);
    return close_reason_;
  }
  // Decodes and removes every frame received so far.
  std::vector<proto::OrchestratorMessage> take() {
    std::vector<std::string> frames;
    {
      std::lock_guard lock(mu_);
      frames.swap(frames_);
    }
    std::vector<proto::OrchestratorMessage> out;
    for (const std::string& f : frames) {
      auto m = proto::decode_orchestrator_message(f);
      REQUIRE_OK(m);
      out.push_back(std::move(m).value());
    }
    return out;
  }
  // Decodes and removes the frames of type T; the others stay.
  template <typename T>
  std::vector<T> take_of() {
    std::vector<std::string> rest;
    std::vector<T> out;
    std::lock_guard lock(mu_);
    for (std::string& f : frames_) {
      auto m = proto::decode_orchestrator_message(f);
      REQUIRE_OK(m);
      if (auto* t = std::get_if<T>(&*m)) {
        out.push_back(std::move(*t));
      } else {
        rest.push_back(std::move(f));
      }
    }
    frames_.swap(rest);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> frames_;  // guarded by mu_
  bool closed_ = false;              // guarded by mu_
  int resumes_ = 0;                  // guarded by mu_
  std::string close_reason_;         // guarded by mu_
};

// Collects every event published on a bus.
class EventRecorder {
 public:
  explicit EventRecorder(EventBus& bus) : bus_(bus) {
    id_ = bus_.subscribe([this](const EventRecord& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
    });
  }
  ~EventRecorder() { bus_.unsubscribe(id_); }

  std::vector<std::string> types() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_)
      out.push_back(e.type);
    return out;
  }
  std::vector<EventRecord> of_type(std::string_view type) const {
    std::lock_guard lock(mu_);
    std::vector<EventRecord> out;
    for (const auto& e : events_) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

 private:
  EventBus& bus_;
  EventBus::SubscriptionId id_ = 0;
  mutable std::mutex mu_;
  std::vector<EventRecord> events_;  // guarded by mu_
};

// A manifest summary with scripts "hello" (NAME required, ^[a-z]+$, 60 s)
// and "noop" (no params).
inline std::string test_manifest_summary() {
  auto m = parse_manifest(R"({"scripts": {
      "hello": {"command": ["/bin/echo"], "params": {"NAME": {"required": true,
                "pattern": "^[a-z]+$"}, "GREETING": {}}, "timeout_sec": 60},
      "noop": {"command": ["/bin/true"]}}})",
                          ManifestCheckOptions{false});
  REQUIRE_OK(m);
  return manifest_summary_json(*m);
}

inline AgentHubOptions test_hub_options() {
  AgentHubOptions o;
  o.heartbeat_sec = 10;
  o.missed_heartbeats = 3;
  o.dispatch_timeout_sec = 300;
  o.lease_timeout_sec = 180;
  o.sweep_interval_ms = 1000;
  return o;
}

// One connected fake agent.
struct TestAgent {
  AgentId id;
  std::string key;
  AgentSessionId session = 0;
  std::shared_ptr<FakeConnection> conn;
};

class HubFixture {
 public:
  // `hooks` steer the store's writer (sqlite_store_internal.hpp), e.g. to
  // hold a transaction open while the hub goes on.
  explicit HubFixture(AgentHubOptions options = test_hub_options(),
                      store::SqliteTestHooks hooks = {})
      : store_(open_store(dir_, std::move(hooks))),
        failing_(*store_),
        keyring_(std::vector<FernetKey>{FernetKey::generate()}),
        logger_(std::getenv("SCRIPTMESH_TEST_LOG") ? make_logfmt_logger(stderr, LogLevel::kDebug)
                                                   : nullptr),
        hub_(failing_, clock_, bus_, logger_ ? *logger_ : null_logger(), options),
        agents_(failing_, clock_, keyring_, &hub_),
        jobs_(failing_, clock_, hub_),
        recorder_(bus_) {
    tenant_ = seed_tenant("tnt_a", "owner@a.test");
  }

  // The real store, never failing: for set-up and checks.
  Store& store() { return *store_; }
  // What the hub and the services use.
  FailingStore& failing() { return failing_; }
  FakeClock& clock() { return clock_; }
  EventBus& bus() { return bus_; }
  AgentHub& hub() { return hub_; }
  AgentService& agents() { return agents_; }
  JobService& jobs() { return jobs_; }
  EventRecorder& events() { return recorder_; }
  const FernetKeyring& keyring() const { return keyring_; }
  const TenantId& tenant() const { return tenant_; }

  // Creates tenant `id` with an owner; returns its id.
  TenantId seed_tenant(const std::string& id, const std::string& email) {
    TenantRecord t;
    t.id = TenantId(id);
    t.name = "Tenant " + id;
    t.created_at = clock_.now();
    UserRecord u;
    u.id = UserId("usr_" + id);
    u.tenant_id = t.id;
    u.email = email;
    u.role = UserRole::kOwner;
    u.verified = true;
    u.created_at = clock_.now();
    REQUIRE_OK(store_->create_tenant(t, u));
    return t.id;
  }

  // A user session of `role` in `tenant` (the fixture's tenant by default).
  Principal principal(std::string role = "owner", const TenantId* tenant = nullptr) const {
    Principal p;
    p.tenant_id = tenant ? *tenant : tenant_;
    p.user_id = UserId("usr_" + p.tenant_id.str());
    p.role = std::move(role);
    p.credential_kind = "access_token";
    return p;
  }
  // An API key of an owner carrying `scopes`.
  Principal api_key(std::vector<std::string> scopes) const {
    Principal p = principal("owner");
    p.credential_kind = "api_key";
    p.credential_id = "key_test";
    p.scopes = std::move(scopes);
    return p;
  }

  void set_plan(Plan plan) { REQUIRE_OK(store_->set_tenant_plan(tenant_, plan)); }

  // Creates an agent (not connected).
  TestAgent create_agent(const std::string& name, std::vector<std::string> tags = {},
                         const TenantId* tenant = nullptr) {
    auto created = agents_.create(principal("owner", tenant), {name, std::move(tags)});
    REQUIRE_OK(created);
    TestAgent a;
    a.id = created->agent.id;
    a.key = created->key;
    return a;
  }

  // Attaches `a` on a fresh fake connection (no hello yet).
  void attach(TestAgent& a) {
    a.conn = std::make_shared<FakeConnection>();
    auto session = hub_.attach(a.key, a.conn);
    REQUIRE_OK(session);
    a.session = *session;
  }

  // Hands `m` to the hub and waits until the store writes it started have
  // committed, so a test reads their effect (and their acks) right after.
  void send(const TestAgent& a, const proto::AgentMessage& m) { send_frame(a, proto::encode(m)); }

  // The same with a frame as the agent wrote it. A hello is handled on a
  // hub thread (received() answers false), which resumes the connection.
  void send_frame(const TestAgent& a, std::string_view frame) {
    const int resumes = a.conn->resumes();
    const bool handled = hub_.received(a.session, frame);
    flush_writes();
    if (!handled) CHECK(a.conn->resumes() == resumes + 1);
  }

  // The hub writes started, output and results, and claims jobs to
  // dispatch, without waiting (Store's asynchronous calls); this returns once
  // all of them and what follows them (acks, dispatches, hooks) are done.
  void flush_writes() { hub_.wait_idle(); }

  // Attaches and says hello; returns the welcome.
  proto::Welcome connect(TestAgent& a, int max_concurrent = 1,
                         std::vector<proto::HeldJob> held = {}) {
    attach(a);
    return hello(a, max_concurrent, std::move(held));
  }

  proto::Welcome hello(TestAgent& a, int max_concurrent = 1,
                       std::vector<proto::HeldJob> held = {}) {
    proto::Hello h;
    h.agent_version = "test";
    h.hostname = "host";
    h.manifest_summary = test_manifest_summary();
    h.max_concurrent = max_concurrent;
    h.jobs = std::move(held);
    send(a, h);
    auto welcomes = a.conn->take_of<proto::Welcome>();
    REQUIRE(welcomes.size() == 1);
    return welcomes.front();
  }

  // Creates and connects an agent in one go.
  TestAgent online_agent(const std::string& name, int max_concurrent = 1,
                         std::vector<std::string> tags = {}) {
    TestAgent a = create_agent(name, std::move(tags));
    connect(a, max_concurrent);
    return a;
  }

  // Triggers `script` on agent `a`; returns the job.
  JobRecord trigger(const TestAgent& a, const std::string& script = "noop",
                    std::map<std::string, std::string> params = {}) {
    TriggerRequest r;
    r.script = script;
    r.agent_id = a.id;
    r.params = std::move(params);
    auto result = jobs_.trigger(principal(), r);
    REQUIRE_OK(result);
    REQUIRE(result->jobs.size() == 1);
    flush_writes();  // a pending job is dispatched by an asynchronous claim
    return result->jobs.front();
  }

  JobRecord job(const JobId& id) {
    auto j = store_->get_job(tenant_, id);
    REQUIRE_OK(j);
    return *j;
  }
  AgentRecord agent_record(const AgentId& id) {
    auto a = store_->get_agent(tenant_, id);
    REQUIRE_OK(a);
    return *a;
  }
  std::vector<std::string> stored_event_types(const std::string& subject) {
    EventFilter f;
    f.subject_id = subject;
    auto events = store_->list_events(tenant_, f);
    REQUIRE_OK(events);
    std::vector<std::string> out;
    for (auto it = events->rbegin(); it != events->rend(); ++it)
      out.push_back(it->type);
    return out;  // oldest first
  }

  // The agent runs `job` to the end: started, one stdout chunk, finished.
  void run_to_end(const TestAgent& a, const JobId& job, int exit_code,
                  const std::string& out = "") {
    send(a, proto::Started{job.str()});
    if (!out.empty()) {
      send(a, proto::Output{job.str(), OutputStream::kStdout, 0, out});
    }
    proto::Finished f;
    f.job_id = job.str();
    f.exit_code = exit_code;
    f.duration_ms = 42;
    f.stdout_bytes = static_cast<std::int64_t>(out.size());
    send(a, f);
  }

 private:
  static std::unique_ptr<Store> open_store(const TempDir& dir, store::SqliteTestHooks hooks) {
    SqliteStoreOptions options;
    options.path = dir / "scriptmesh.db";
    options.synchronous = SqliteSynchronous::kOff;
    options.read_connections = 2;
    auto opened = store::open_sqlite_store(options, hooks);
    REQUIRE_OK(opened);
    return std::move(opened).value();
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  FailingStore failing_;
  FernetKeyring keyring_;
  std::unique_ptr<Logger> logger_;  // set SCRIPTMESH_TEST_LOG=1 to see the hub's log
  EventBus bus_;
  AgentHub hub_;
  AgentService agents_;
  JobService jobs_;
  EventRecorder recorder_;
  TenantId tenant_;
};

// The ids of the dispatches among `messages`.
inline std::vector<std::string> dispatched_ids(const std::vector<proto::Dispatch>& dispatches) {
  std::vector<std::string> out;
  for (const auto& d : dispatches)
    out.push_back(d.job_id);
  return out;
}

}  // namespace scriptmesh::testing
