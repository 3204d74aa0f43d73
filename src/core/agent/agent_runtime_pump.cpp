// AgentRuntime: the pump, which streams spooled output and results.
//
// The pump owns the sending of `output` and `finished` frames. It decides
// what to send under the mutex (copying the bytes of a job held in memory),
// reads the spool and encodes without it (a chunk is up to 1 MiB), then
// sends under the mutex again, but only if
// nothing moved meanwhile: the connection (epoch_) and the stream's `sent`
// offset must be what they were when it decided. It sleeps on pump_cv_,
// which every change that can create work notifies.
#include <algorithm>
#include <utility>

#include "core/agent/agent_runtime.hpp"

namespace scriptmesh::agent {
namespace {

namespace proto = agent_protocol;

}  // namespace

void AgentRuntime::pump_loop() {
  std::unique_lock lock(mu_);
  while (!pump_stop_) {
    if (link_ == nullptr || !welcomed_) {
      pump_cv_.wait(lock);
      continue;
    }
    send_due_finished_locked();
    std::optional<ChunkPlan> plan = plan_chunk_locked();
    if (!plan) {
      pump_cv_.wait(lock);
      continue;
    }
    lock.unlock();
    Result<Chunk> chunk = read_chunk(*plan);
    lock.lock();
    deliver_chunk_locked(*plan, std::move(chunk));
  }
}

// `finished` goes out only once every byte of both streams has been sent on
// this connection, so the orchestrator can wait for the totals it names.
void AgentRuntime::send_due_finished_locked() {
  for (auto& [id, job] : jobs_) {
    if (!job.finished || job.finished_sent || job.discard) continue;
    if (job.out.sent < job.out.spooled || job.err.sent < job.err.spooled) continue;
    proto::Finished finished = job.result;
    finished.stdout_bytes = job.out.spooled;
    finished.stderr_bytes = job.err.spooled;
    send_locked(finished);
    job.finished_sent = true;
  }
}

// The next chunk within the window, taking jobs in turn after the one served
// last so that one chatty job cannot starve the others.
std::optional<AgentRuntime::ChunkPlan> AgentRuntime::plan_chunk_locked() {
  std::int64_t in_flight = 0;
  for (const auto& [id, job] : jobs_) {
    in_flight += (job.out.sent - job.out.acked) + (job.err.sent - job.err.acked);
  }
  const auto window = static_cast<std::int64_t>(options_.window_bytes);
  if (jobs_.empty() || in_flight >= window) return std::nullopt;
  const std::int64_t room = std::min<std::int64_t>(
      window - in_flight, static_cast<std::int64_t>(proto::kMaxOutputChunkBytes));
  auto it = jobs_.upper_bound(pump_after_);
  for (std::size_t i = 0; i < jobs_.size(); ++i, ++it) {
    if (it == jobs_.end()) it = jobs_.begin();
    Job& job = it->second;
    if (job.discard || job.pump_failed) continue;
    for (OutputStream stream : {OutputStream::kStdout, OutputStream::kStderr}) {
      const StreamCursor& c = stream == OutputStream::kStdout ? job.out : job.err;
      if (c.spooled <= c.sent) continue;
      pump_after_ = it->first;
      const std::int64_t length = std::min(c.spooled - c.sent, room);
      ChunkPlan plan{epoch_, job.id, stream, c.sent, static_cast<std::size_t>(length), {}};
      if (!job.on_disk) {
        const std::string& held = stream == OutputStream::kStdout ? job.held_out : job.held_err;
        plan.held = held.substr(static_cast<std::size_t>(c.sent), plan.length);
      }
      return plan;
    }
  }
  return std::nullopt;
}

Result<AgentRuntime::Chunk> AgentRuntime::read_chunk(const ChunkPlan& plan) const {
  auto data = plan.held ? Result<std::string>(*plan.held)
                        : spool_.read(plan.job_id, plan.stream, plan.offset, plan.length);
  SCRIPTMESH_RETURN_IF_ERROR(data);
  Chunk chunk;
  chunk.bytes = data->size();
  if (chunk.bytes == 0) return chunk;
  chunk.frame =
      proto::encode(proto::Output{plan.job_id, plan.stream, plan.offset, std::move(*data)});
  return chunk;
}

// A spool that cannot be read (or is shorter than what was appended) would
// make the pump spin on the same chunk; the job is skipped until the next
// connection instead, and its `finished` waits with it.
void AgentRuntime::deliver_chunk_locked(const ChunkPlan& plan, Result<Chunk> chunk) {
  if (plan.epoch != epoch_ || link_ == nullptr || !welcomed_) return;
  auto it = jobs_.find(plan.job_id);
  if (it == jobs_.end()) return;
  Job& job = it->second;
  StreamCursor& c = plan.stream == OutputStream::kStdout ? job.out : job.err;
  if (c.sent != plan.offset) return;
  if (!chunk.ok() || chunk->bytes == 0) {
    logger_.error(
        "cannot read spooled output",
        {{"job_id", job.id},
         {"error", chunk.ok() ? "spool shorter than expected" : chunk.error().to_string()}});
    job.pump_failed = true;
    return;
  }
  (void)link_->send(std::move(chunk->frame));
  c.sent += static_cast<std::int64_t>(chunk->bytes);
}

}  // namespace scriptmesh::agent
