#include "scriptmesh/jobs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

#include "core/agent/manifest_rules.hpp"
#include "core/jobs/job_input.hpp"
#include "core/jobs/manifest_cache.hpp"
#include "scriptmesh/agent_hub.hpp"
#include "scriptmesh/auth.hpp"
#include "scriptmesh/manifest.hpp"

namespace scriptmesh {
namespace {

using manifest_detail::quoted;

Result<void> may_read(const Principal& caller) {
  return authorize(caller, UserRole::kMember, kScopeJobsRead);
}
Result<void> may_write(const Principal& caller) {
  return authorize(caller, UserRole::kMember, kScopeJobsWrite);
}

bool has_all_tags(const AgentRecord& agent, const std::vector<std::string>& tags) {
  return std::all_of(tags.begin(), tags.end(), [&](const std::string& tag) {
    return std::find(agent.tags.begin(), agent.tags.end(), tag) != agent.tags.end();
  });
}

Error script_not_allowed(const TriggerRequest& r, const AgentRecord& agent) {
  return Error::invalid_argument(
      "script_not_allowed",
      "script " + quoted(r.script) + " is not in the manifest of agent " + quoted(agent.name));
}

// Every job of a group, oldest first (then by id).
Result<std::vector<JobRecord>> group_jobs(Store& store, const TenantId& tenant,
                                          const GroupId& group) {
  JobFilter filter;
  filter.group_id = group;
  filter.oldest_first = true;
  filter.limit = 1000;
  std::vector<JobRecord> out;
  do {
    Result<JobPage> page = store.list_jobs(tenant, filter);
    if (!page.ok()) return std::move(page).error();
    std::move(page->jobs.begin(), page->jobs.end(), std::back_inserter(out));
    filter.cursor = page->next_cursor;
  } while (!filter.cursor.empty());
  return out;
}

// The jobs of an earlier trigger with this key, if there was one.
Result<std::optional<TriggerResult>> find_replay(Store& store, const TenantId& tenant,
                                                 const std::string& key) {
  Result<JobRecord> first = store.find_job_by_idempotency_key(tenant, key);
  if (!first.ok()) {
    if (first.error().category() == ErrorCategory::kNotFound) return std::optional<TriggerResult>();
    return std::move(first).error();
  }
  TriggerResult replay;
  replay.replayed = true;
  replay.group_id = first->group_id;
  if (first->group_id) {
    Result<std::vector<JobRecord>> jobs = group_jobs(store, tenant, *first->group_id);
    if (!jobs.ok()) return std::move(jobs).error();
    replay.jobs = std::move(jobs).value();
    std::sort(replay.jobs.begin(), replay.jobs.end(),
              [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
  } else {
    replay.jobs.push_back(std::move(first).value());
  }
  return std::optional<TriggerResult>(std::move(replay));
}

// Job ids sort in creation order, so oldest-first listings (created_at, then
// id) keep FIFO order among jobs created in the same millisecond: 10 base32
// digits of Unix milliseconds, 4 of a process-wide sequence, then 12 random
// ones (60 bits: ids stay unguessable, though tenants are isolated anyway).
std::string new_job_id(WallTime now) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  static std::atomic<std::uint64_t> sequence{0};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::uint64_t millis = static_cast<std::uint64_t>(std::max<std::int64_t>(ms.count(), 0));
  const std::uint64_t seq = sequence.fetch_add(1) & 0xFFFFF;
  std::string out = "job_";
  for (int shift = 45; shift >= 0; shift -= 5)
    out += kAlphabet[(millis >> shift) & 31u];
  for (int shift = 15; shift >= 0; shift -= 5)
    out += kAlphabet[(seq >> shift) & 31u];
  out += new_id("r").substr(2, 12);
  return out;
}

// Jobs whose agent has a free slot right now go in already dispatched
// (AgentHub::reserve_dispatch): a commit less between trigger and start,
// and a fan-out reaches every agent in the one insert.
void reserve_dispatches(AgentHub& hub, std::vector<JobRecord>& jobs, WallTime now) {
  for (JobRecord& job : jobs) {
    if (!hub.reserve_dispatch(job)) continue;
    job.status = JobStatus::kDispatched;
    job.dispatched_at = now;
  }
}

}  // namespace

JobService::JobService(Store& store, Clock& clock, AgentHub& hub, JobServiceOptions options)
    : store_(store),
      clock_(clock),
      hub_(hub),
      options_(options),
      manifests_(std::make_unique<ManifestCache>()) {}

Result<void> JobService::check_webhook_destination(std::string_view url) const {
  return jobs::validate_webhook_url(url, options_.allow_private_destinations);
}

JobService::~JobService() = default;

Result<TriggerResult> JobService::trigger(const Principal& caller, const TriggerRequest& request) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  const TenantId& tenant = caller.tenant_id;
  SCRIPTMESH_RETURN_IF_ERROR(jobs::validate_idempotency_key(request.idempotency_key));
  if (!request.idempotency_key.empty()) {
    Result<std::optional<TriggerResult>> replay =
        find_replay(store_, tenant, request.idempotency_key);
    if (!replay.ok()) return std::move(replay).error();
    if (*replay) return std::move(**replay);
  }
  SCRIPTMESH_RETURN_IF_ERROR(jobs::validate_trigger(request, options_.allow_private_destinations));
  Result<TriggerResult> built = build_jobs(tenant, request);
  if (!built.ok()) return std::move(built).error();
  TriggerResult result = std::move(built).value();
  // On one job only: the key is unique per tenant; a replay finds the rest
  // through the group.
  result.jobs.front().idempotency_key = request.idempotency_key;
  reserve_dispatches(hub_, result.jobs, clock_.now());
  Result<void> inserted = store_.insert_jobs(tenant, result.jobs);
  if (!inserted.ok()) {
    hub_.release_reservations(result.jobs);
    if (inserted.error().code() != "idempotency_key_taken") return std::move(inserted).error();
    // A concurrent trigger with the same key won the race: answer with its jobs.
    Result<std::optional<TriggerResult>> replay =
        find_replay(store_, tenant, request.idempotency_key);
    if (!replay.ok()) return std::move(replay).error();
    if (*replay) return std::move(**replay);
    return std::move(inserted).error();
  }
  hub_.jobs_created(result.jobs);
  return result;
}

Result<TriggerResult> JobService::prepare_system_trigger(const TenantId& tenant,
                                                         const TriggerRequest& request) {
  if (!request.idempotency_key.empty()) {
    return Error::invalid_argument("invalid_idempotency_key",
                                   "scheduled triggers take no idempotency key");
  }
  // The webhook's destination was judged when the schedule was saved
  // (check_webhook_destination); a run only needs the URL's form.
  SCRIPTMESH_RETURN_IF_ERROR(jobs::validate_trigger(request, true));
  return build_jobs(tenant, request);
}

void JobService::dispatch_committed(const std::vector<JobRecord>& jobs) {
  hub_.jobs_created(jobs);
}

Result<JobRecord> JobService::cancel_system(const JobRecord& job) {
  if (is_final(job.status)) {
    return Error::conflict("job_already_final", "the job has already ended");
  }
  return hub_.cancel_job(job);
}

Result<TriggerResult> JobService::build_jobs(const TenantId& tenant,
                                             const TriggerRequest& request) {
  Result<std::vector<AgentRecord>> targets = resolve_targets(tenant, request);
  if (!targets.ok()) return std::move(targets).error();
  TriggerResult result;
  if (request.tags) result.group_id = GroupId(new_id("grp"));
  const WallTime now = clock_.now();
  for (const AgentRecord& agent : *targets) {
    Result<int> timeout = check_against_manifest(agent, request);
    if (!timeout.ok()) return std::move(timeout).error();
    JobRecord job;
    job.id = JobId(new_job_id(now));
    job.tenant_id = tenant;
    job.agent_id = agent.id;
    job.group_id = result.group_id;
    job.schedule_id = request.schedule_id;
    job.script = request.script;
    job.params = request.params;
    job.status = JobStatus::kPending;
    job.timeout_sec = *timeout;
    job.webhook_url = request.webhook_url;
    job.created_at = now;
    result.jobs.push_back(std::move(job));
  }
  std::sort(result.jobs.begin(), result.jobs.end(),
            [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
  return result;
}

Result<std::vector<AgentRecord>> JobService::resolve_targets(const TenantId& tenant,
                                                             const TriggerRequest& request) {
  if (request.agent_id) {
    Result<AgentRecord> agent = store_.get_agent(tenant, *request.agent_id);
    if (!agent.ok()) return std::move(agent).error();
    return std::vector<AgentRecord>{std::move(agent).value()};
  }
  Result<std::vector<AgentRecord>> agents = store_.list_agents(tenant);
  if (!agents.ok()) return std::move(agents).error();
  std::vector<AgentRecord> matching;
  for (AgentRecord& agent : *agents) {
    if (has_all_tags(agent, *request.tags)) matching.push_back(std::move(agent));
  }
  if (matching.empty()) {
    return Error::invalid_argument("no_matching_agents", "no agent has all of the given tags");
  }
  return matching;
}

Result<int> JobService::check_against_manifest(const AgentRecord& agent,
                                               const TriggerRequest& request) {
  const int requested = request.timeout_sec.value_or(0);
  if (agent.manifest_summary.empty()) {
    // Never connected (or connected before summaries existed): at most the
    // names are known; the agent checks the rest before it runs anything.
    if (!agent.manifest.empty() && std::find(agent.manifest.begin(), agent.manifest.end(),
                                             request.script) == agent.manifest.end()) {
      return script_not_allowed(request, agent);
    }
    return requested;
  }
  auto scripts = manifests_->get(agent);
  if (!scripts.ok()) return std::move(scripts).error();
  auto spec = (*scripts)->find(request.script);
  if (spec == (*scripts)->end()) return script_not_allowed(request, agent);
  SCRIPTMESH_RETURN_IF_ERROR(validate_params(spec->second, request.params));
  return requested != 0 ? requested : spec->second.timeout_sec;
}

Result<JobRecord> JobService::get(const Principal& caller, const JobId& job) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.get_job(caller.tenant_id, job);
}

Result<JobPage> JobService::list(const Principal& caller, const JobFilter& filter) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.list_jobs(caller.tenant_id, filter);
}

Result<std::string> JobService::read_output(const Principal& caller, const JobId& job,
                                            OutputStream stream, std::int64_t offset,
                                            std::optional<std::int64_t> limit) {
  SCRIPTMESH_RETURN_IF_ERROR(may_read(caller));
  return store_.read_job_output(caller.tenant_id, job, stream, offset, limit);
}

Result<JobRecord> JobService::cancel(const Principal& caller, const JobId& job) {
  SCRIPTMESH_RETURN_IF_ERROR(may_write(caller));
  Result<JobRecord> record = store_.get_job(caller.tenant_id, job);
  if (!record.ok()) return record;
  if (is_final(record->status)) {
    return Error::conflict("job_already_final", "the job has already ended");
  }
  return hub_.cancel_job(*record);
}

void JobService::wait(const Principal& caller, const JobId& job, std::chrono::seconds max,
                      std::function<void(Result<JobRecord>)> done) {
  if (Result<void> allowed = may_read(caller); !allowed.ok()) {
    done(std::move(allowed).error());
    return;
  }
  max = std::clamp(max, std::chrono::seconds(0), kMaxJobWait);
  hub_.wait_for_job(caller.tenant_id, job, clock_.monotonic_now() + max, std::move(done));
}

}  // namespace scriptmesh
