// Shared pieces of the AgentRuntime tests: a link that records and decodes
// what the runtime sends, acting as the orchestrator's end, and a fixture that
// runs real processes through the posix runner in a temp directory.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "core/agent/agent_runtime.hpp"
#include "core/agent/protocol.hpp"
#include "support/fake_clock.hpp"
#include "support/result_checks.hpp"
#include "support/temp_dir.hpp"

namespace scriptmesh::agent::testing {

namespace proto = agent_protocol;
using scriptmesh::testing::FakeClock;
using scriptmesh::testing::TempDir;

// Real processes take real time; nothing here waits for time to pass, only
// for a process's output, bounded by this.
inline constexpr std::chrono::seconds kWaitLimit{30};

class RecordingLink final : public AgentLink {
 public:
  bool send(std::string frame) override {
    auto decoded = proto::decode_agent_message(frame);
    std::lock_guard lock(mu_);
    if (!decoded.ok()) {
      ++bad_frames_;
    } else {
      if (auto* out = std::get_if<proto::Output>(&*decoded)) {
        output_bytes_ += static_cast<std::int64_t>(out->data.size());
        max_outstanding_ = std::max(max_outstanding_, output_bytes_ - acked_bytes_);
      }
      messages_.push_back(std::move(*decoded));
    }
    cv_.notify_all();
    return up_;
  }

  // Waits until `pred(messages)` holds; false after kWaitLimit. `pred` runs
  // under the link's lock: it must not call the link's other methods.
  template <typename Pred>
  bool wait_until(Pred pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWaitLimit, [&] { return pred(messages_); });
  }

  std::vector<proto::AgentMessage> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  template <typename T>
  std::vector<T> all(const std::string& job_id = "") const {
    std::vector<T> out;
    for (const auto& m : messages()) {
      if (const T* t = std::get_if<T>(&m)) {
        if constexpr (requires { t->job_id; }) {
          if (!job_id.empty() && t->job_id != job_id) continue;
        }
        out.push_back(*t);
      }
    }
    return out;
  }

  // What send() returns from now on (false: the connection is gone).
  void set_up(bool up) {
    std::lock_guard lock(mu_);
    up_ = up;
  }
  // Output bytes the test (as the orchestrator) has acknowledged, counted
  // before the ack reaches the runtime so the outstanding figure never
  // overstates what the runtime believes.
  void note_acked(std::int64_t total) {
    std::lock_guard lock(mu_);
    acked_bytes_ = total;
  }
  std::int64_t output_bytes() const {
    std::lock_guard lock(mu_);
    return output_bytes_;
  }
  std::int64_t max_outstanding() const {
    std::lock_guard lock(mu_);
    return max_outstanding_;
  }
  int bad_frames() const {
    std::lock_guard lock(mu_);
    return bad_frames_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<proto::AgentMessage> messages_;
  bool up_ = true;
  int bad_frames_ = 0;
  std::int64_t output_bytes_ = 0;
  std::int64_t acked_bytes_ = 0;
  std::int64_t max_outstanding_ = 0;
};

inline bool has_finished(const std::vector<proto::AgentMessage>& ms, const std::string& job_id) {
  return std::any_of(ms.begin(), ms.end(), [&](const proto::AgentMessage& m) {
    auto* f = std::get_if<proto::Finished>(&m);
    return f != nullptr && f->job_id == job_id;
  });
}

inline bool has_rejected(const std::vector<proto::AgentMessage>& ms, const std::string& job_id) {
  return std::any_of(ms.begin(), ms.end(), [&](const proto::AgentMessage& m) {
    auto* r = std::get_if<proto::Rejected>(&m);
    return r != nullptr && r->job_id == job_id;
  });
}

// Output bytes in all frames so far (usable inside wait_until's predicate,
// which runs under the link's lock).
inline std::int64_t output_total(const std::vector<proto::AgentMessage>& ms) {
  std::int64_t total = 0;
  for (const auto& m : ms) {
    if (auto* out = std::get_if<proto::Output>(&m))
      total += static_cast<std::int64_t>(out->data.size());
  }
  return total;
}

// A stream as the orchestrator would store it from `base` on: every frame
// must start inside or right at the end of what it has (no gap) and agree
// with bytes it already holds. nullopt on a gap or a disagreement.
inline std::optional<std::string> assemble(const std::vector<proto::AgentMessage>& ms,
                                           const std::string& job_id, OutputStream stream,
                                           std::int64_t base = 0) {
  std::string stored;
  for (const auto& m : ms) {
    auto* out = std::get_if<proto::Output>(&m);
    if (out == nullptr || out->job_id != job_id || out->stream != stream) continue;
    const std::int64_t at = out->offset - base;
    if (at < 0 || at > static_cast<std::int64_t>(stored.size())) return std::nullopt;
    const std::size_t overlap =
        std::min(out->data.size(), stored.size() - static_cast<std::size_t>(at));
    if (stored.compare(static_cast<std::size_t>(at), overlap, out->data, 0, overlap) != 0) {
      return std::nullopt;
    }
    stored.append(out->data, overlap);
  }
  return stored;
}

inline std::string assembled(const RecordingLink& link, const std::string& job_id,
                             OutputStream stream, std::int64_t base = 0) {
  auto bytes = assemble(link.messages(), job_id, stream, base);
  REQUIRE_MESSAGE(bytes.has_value(), "output frames with a gap or disagreeing bytes");
  return *bytes;
}

// Polls for a file the runtime or a script creates; bounded by kWaitLimit.
inline bool wait_for_file(const std::filesystem::path& path) {
  const auto until = std::chrono::steady_clock::now() + kWaitLimit;
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline ScriptSpec script_of(const std::string& name, std::vector<std::string> command,
                            std::map<std::string, ParamSpec> params = {},
                            std::map<std::string, std::string> env = {}) {
  ScriptSpec s;
  s.name = name;
  s.command = std::move(command);
  s.params = std::move(params);
  s.env = std::move(env);
  s.timeout_sec = 60;
  return s;
}

inline ScriptSpec shell_script(const std::string& name, const std::string& body,
                               std::map<std::string, ParamSpec> params = {},
                               std::map<std::string, std::string> env = {}) {
  return script_of(name, {"/bin/sh", "-c", body}, std::move(params), std::move(env));
}

inline Manifest manifest_of(std::vector<ScriptSpec> scripts) {
  Manifest m;
  for (auto& s : scripts)
    m.scripts[s.name] = std::move(s);
  return m;
}

inline proto::Dispatch dispatch_of(const std::string& job_id, const std::string& script,
                                   std::map<std::string, std::string> params = {},
                                   int timeout_sec = 0) {
  return proto::Dispatch{job_id, script, std::move(params), timeout_sec};
}

inline proto::ResumeJob resume(const std::string& job_id, std::int64_t out, std::int64_t err,
                               bool wanted = true, bool result_stored = false) {
  return proto::ResumeJob{job_id, wanted, out, err, result_stored};
}

// A runtime over a spool in a temp directory, with the real process runner.
class RuntimeFixture {
 public:
  RuntimeFixture() = default;
  ~RuntimeFixture() {
    if (runtime) runtime->stop();
  }

  AgentRuntimeOptions options(Manifest manifest) const {
    AgentRuntimeOptions o;
    o.spool_dir = (tmp / "spool").string();
    o.manifest = std::move(manifest);
    o.max_concurrent = 4;
    o.tags = {"test"};
    o.hostname = "test-host";
    o.agent_version = "0.0.0-test";
    o.kill_grace = std::chrono::milliseconds(200);
    o.home_env = "/home/agent-test";
    return o;
  }

  AgentRuntime& start(AgentRuntimeOptions o, Logger& logger = null_logger()) {
    runtime = std::make_unique<AgentRuntime>(std::move(o), *runner_, clock, logger);
    REQUIRE_OK(runtime->open());
    return *runtime;
  }
  AgentRuntime& start(Manifest manifest) { return start(options(std::move(manifest))); }

  void send(const proto::OrchestratorMessage& message) {
    runtime->received(proto::encode(message));
  }

  // Connects `to` (default: link) and welcomes it with `jobs`.
  void connect(std::vector<proto::ResumeJob> jobs = {}, RecordingLink* to = nullptr) {
    runtime->connected(to ? *to : link);
    send(proto::Welcome{"agt_test", 60, std::move(jobs)});
  }

  proto::Finished wait_finished(const std::string& job_id, RecordingLink* on = nullptr) {
    RecordingLink& l = on ? *on : link;
    REQUIRE(l.wait_until([&](const auto& ms) { return has_finished(ms, job_id); }));
    return l.all<proto::Finished>(job_id).front();
  }

  proto::Rejected wait_rejected(const std::string& job_id) {
    REQUIRE(link.wait_until([&](const auto& ms) { return has_rejected(ms, job_id); }));
    return link.all<proto::Rejected>(job_id).front();
  }

  // Waits until `bytes` of a stream have reached `on`.
  void wait_output(const std::string& job_id, OutputStream stream, const std::string& bytes,
                   RecordingLink* on = nullptr) {
    RecordingLink& l = on ? *on : link;
    REQUIRE(l.wait_until([&](const auto& ms) {
      auto got = assemble(ms, job_id, stream);
      return got && got->size() >= bytes.size();
    }));
    CHECK(assembled(l, job_id, stream).substr(0, bytes.size()) == bytes);
  }

  std::filesystem::path job_dir(const std::string& job_id) const { return tmp / "spool" / job_id; }

  // Declared in the order they must outlive each other.
  TempDir tmp;
  FakeClock clock;
  RecordingLink link;

 private:
  std::unique_ptr<ProcessRunner> runner_ = make_posix_process_runner();

 public:
  std::unique_ptr<AgentRuntime> runtime;
};

}  // namespace scriptmesh::agent::testing
