// Spool: the agent's on-disk record of its jobs, so that a dropped connection
// or a restarted agent loses no output and no result.
//
// Layout under the spool directory (directories 0700, files 0600):
//
//   <job_id>/dispatch.json   the Dispatch as received (job_id, script, params,
//                            timeout_sec)
//   <job_id>/stdout          the process's stdout, raw bytes in order
//   <job_id>/stderr          the process's stderr, raw bytes in order
//   <job_id>/result.json     how the job ended; present only once it has ended
//
// result.json is written atomically (a temporary file, then a rename), so a
// job directory either has a complete result or none. Nothing is fsynced:
// the spool outlives a dropped connection or a crashed agent process, not a
// power cut. A directory without
// one, found by open(), belongs to a job the previous agent process lost
// while it ran: open() gives it the result error "agent_restarted" (no exit
// code), so its partial output and that result are still delivered.
//
// Output is appended and read by offset; nothing here holds a whole output in
// memory.
//
// Retired job directories are recycled: remove_job() moves the directory
// into <dir>/.recycle/ and empties it, and the next create_job() renames it
// back under its new job's id. Creating and deleting five inodes per job
// was the largest part of the agent's work on short jobs (ext4 scans its
// recently freed inodes on every allocation); recycling keeps the same
// inodes in use. open() empties .recycle, whose name is no job id, so a
// crash half-way through recycling leaves nothing behind that looks like a
// job.
//
// Errors: invalid_argument "invalid_job_id" (a job id outside
// [A-Za-z0-9_-]{1,64}); not_found "spool_job_not_found" (no such job
// directory or file); conflict "spool_job_exists" (create_job of a job that
// is already spooled); unavailable "spool_io_failed" (any other file system
// failure; the message names the path and the reason); internal
// "spool_corrupt" (a dispatch.json or result.json that does not parse).
//
// Thread safety: a Spool's only mutable state is its list of recycled
// directories, under its own lock; its methods may be called from any
// thread at once. Appending to a stream while another thread reads
// it is safe (reads see a prefix). Callers must not remove a job while
// another thread still appends to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/agent/protocol.hpp"
#include "scriptmesh/clock.hpp"
#include "scriptmesh/result.hpp"
#include "scriptmesh/store.hpp"

namespace scriptmesh::agent {

inline constexpr std::size_t kMaxJobIdLength = 64;

// The error set on a result the agent wrote for a job it lost by restarting.
inline constexpr std::string_view kAgentRestartedError = "agent_restarted";

// True when `job_id` is safe as a directory name: 1..64 of [A-Za-z0-9_-].
bool is_valid_job_id(std::string_view job_id) noexcept;

// What result.json holds.
struct SpooledResult {
  // job_id, exit_code, signal, duration_ms, timed_out, cancelled and error.
  // The byte counts are not stored: load_result() fills them in from the
  // sizes of the stdout and stderr files.
  agent_protocol::Finished finished;
  // When the agent wrote the result (wall clock); for operators reading the
  // spool by hand.
  WallTime finished_at;
};

class Spool {
 public:
  // `dir` is the spool directory; nothing is touched until open().
  explicit Spool(std::string dir);

  const std::string& dir() const noexcept { return dir_; }

  // Creates the spool directory (0700) when missing and recovers every job
  // directory without a result (see the top of this file), writing its
  // result with `now` as finished_at. Returns the ids of the recovered jobs.
  [[nodiscard]] Result<std::vector<std::string>> open(WallTime now);

  // Creates the job's directory with dispatch.json and empty stdout and stderr.
  [[nodiscard]] Result<void> create_job(const agent_protocol::Dispatch& dispatch) const;
  // The dispatch.json of a job.
  [[nodiscard]] Result<agent_protocol::Dispatch> load_dispatch(std::string_view job_id) const;

  // Appends `bytes` to a stream of a job; all or an error.
  [[nodiscard]] Result<void> append(std::string_view job_id, OutputStream stream,
                                    std::string_view bytes) const;
  // At most `max_bytes` of a stream from `offset`; fewer (or none) at its end.
  [[nodiscard]] Result<std::string> read(std::string_view job_id, OutputStream stream,
                                         std::int64_t offset, std::size_t max_bytes) const;
  // The current length of a stream.
  [[nodiscard]] Result<std::int64_t> size(std::string_view job_id, OutputStream stream) const;

  // Writes result.json atomically, replacing any earlier one. The byte counts
  // of `result.finished` are ignored.
  [[nodiscard]] Result<void> write_result(const SpooledResult& result) const;
  // The job's result, or nullopt while it has none.
  [[nodiscard]] Result<std::optional<SpooledResult>> load_result(std::string_view job_id) const;

  // Ids of every spooled job, in ascending order. Entries of the directory
  // that are not job directories are skipped.
  [[nodiscard]] Result<std::vector<std::string>> list_jobs() const;
  // Takes a job's directory out of the spool (recycled when it has the
  // usual files, deleted otherwise); a job that is not spooled is not an
  // error.
  [[nodiscard]] Result<void> remove_job(std::string_view job_id) const;

  // How many retired directories are kept for reuse; more are deleted.
  static constexpr std::size_t kMaxRecycled = 64;

 private:
  Result<std::string> job_path(std::string_view job_id) const;
  Result<std::string> stream_path(std::string_view job_id, OutputStream stream) const;
  // Moves `dir` into .recycle and empties it; false when it could not (the
  // caller then deletes whatever is left).
  bool recycle(const std::string& dir, std::string_view job_id) const;
  // Makes `dir` from a recycled directory holding `dispatch_json`; false
  // when none is left or reusing one failed.
  bool reuse(const std::string& dir, std::string_view dispatch_json) const;

  std::string dir_;
  std::string recycle_dir_;
  mutable std::mutex recycled_mu_;
  mutable std::vector<std::string> recycled_;  // guarded by recycled_mu_; names in recycle_dir_
};

}  // namespace scriptmesh::agent
