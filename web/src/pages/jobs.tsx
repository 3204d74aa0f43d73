// Jobs: the filtered, paged list with live status; the "Run script" form;
// and a job's page with its live output.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, ApiError, query } from "../api";
import { Link, navigate, useLocation } from "../router";
import { OutputLog } from "../output";
import { paramProblem, paramsToSend } from "../params";
import { ErrorNote, fmtDuration, fmtTime, Page, StatusBadge, usePoll } from "../ui";
import { Agent, listAgents } from "./agents";

export interface Job {
  job_id: string;
  status: string;
  agent_id: string;
  script: string;
  params: Record<string, string>;
  exit_code: number | null;
  signal?: number | null;
  duration_ms: number | null;
  timeout_sec?: number | null;
  created_at: string;
  dispatched_at?: string | null;
  started_at: string | null;
  finished_at: string | null;
  stdout_bytes: number;
  stderr_bytes: number;
  schedule_id?: string | null;
  group_id?: string | null;
  error?: string | null;
}

const FINAL = new Set(["succeeded", "failed", "timed_out", "cancelled"]);
const STATUSES = ["pending", "dispatched", "running", "succeeded", "failed", "timed_out", "cancelled"];

export function isFinal(status: string) {
  return FINAL.has(status);
}

// A date input's day as the RFC 3339 start of that day in local time.
function dayStart(day: string, plusDays = 0): string | undefined {
  if (!day) return undefined;
  const d = new Date(day + "T00:00:00");
  if (isNaN(d.getTime())) return undefined;
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

export function RunScriptForm({ agents, initialAgent, onCancel }: { agents: Agent[]; initialAgent?: string; onCancel: () => void }) {
  const [target, setTarget] = useState<"agent" | "tags">("agent");
  const [agentId, setAgentId] = useState(initialAgent ?? agents[0]?.id ?? "");
  const [tags, setTags] = useState("");
  const [script, setScript] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const tagList = tags.split(/[\s,]+/).filter(Boolean);
  // The scripts on offer: the agent's manifest, or for tags the scripts of
  // the agents holding all of them.
  const candidates = useMemo(() => {
    if (target === "agent") return agents.filter((a) => a.id === agentId);
    return agents.filter((a) => tagList.length > 0 && tagList.every((t) => a.tags.includes(t)));
  }, [agents, agentId, target, tags]);
  const scripts = useMemo(() => {
    const names = new Set<string>();
    candidates.forEach((a) => a.manifest.forEach((s) => names.add(s)));
    return [...names].sort();
  }, [candidates]);
  const spec = candidates.map((a) => a.scripts?.[script]).find(Boolean) ?? {};
  const params = Object.entries(spec.params ?? {});

  // A new script starts with empty values, set in the same update as the
  // choice (an effect would run later and could wipe what was typed since).
  const chooseScript = (name: string) => {
    setScript(name);
    setValues({});
    setTouched(false);
  };
  useEffect(() => {
    if (!scripts.includes(script)) chooseScript(scripts[0] ?? "");
  }, [scripts.join("\n")]);

  const problems = params.map(([name, rule]) => [name, paramProblem(name, rule, values[name] ?? "")] as const);

  return (
    <form
      class="panel"
      aria-label="Run script"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setTouched(true);
        if (problems.some(([, p]) => p)) return;
        setBusy(true);
        setError(null);
        try {
          const body: Record<string, unknown> = { script, params: paramsToSend(values) };
          if (target === "agent") body.agent_id = agentId;
          else body.tags = tagList;
          const r = await api.send<{ job_id?: string; group_id?: string }>("POST", "/v1/jobs", body);
          if (r.job_id) navigate(`/jobs/${encodeURIComponent(r.job_id)}`);
          else if (r.group_id) navigate(`/jobs?group_id=${encodeURIComponent(r.group_id)}`);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Run script</h2>
      <fieldset>
        <legend>Run on</legend>
        <label class="inline">
          <input type="radio" name="target" checked={target === "agent"} onChange={() => setTarget("agent")} /> One agent
        </label>
        <label class="inline">
          <input type="radio" name="target" checked={target === "tags"} onChange={() => setTarget("tags")} /> Every agent with tags
        </label>
      </fieldset>
      {target === "agent" ? (
        <label>
          Agent
          <select aria-label="Agent" value={agentId} onChange={(e) => setAgentId(e.currentTarget.value)} required>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.status})
              </option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          Tags
          <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} placeholder="linux, eu" />
        </label>
      )}
      <label>
        Script
        <select aria-label="Script" value={script} onChange={(e) => chooseScript(e.currentTarget.value)} required>
          {scripts.length === 0 && <option value="">No scripts announced</option>}
          {scripts.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {params.map(([name, rule], i) => {
        const problem = touched ? problems[i][1] : null;
        return (
          <div key={name}>
            <label>
              {name}
              <input
                value={values[name] ?? ""}
                required={!!rule.required}
                aria-invalid={problem ? true : undefined}
                aria-describedby={`param-${name}-hint`}
                onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })}
                onBlur={() => setTouched(true)}
              />
            </label>
            <p id={`param-${name}-hint`} class={problem ? "error" : "hint"}>
              {problem ?? `${rule.required ? "Required" : "Optional"}${rule.pattern ? "; must match " + rule.pattern : ""}`}
            </p>
          </div>
        );
      })}
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit" disabled={busy || !script}>
          Run
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function JobsPage() {
  const loc = useLocation();
  const q = loc.query;
  const [agentId, setAgentId] = useState(q.get("agent_id") ?? "");
  const [script, setScript] = useState(q.get("script") ?? "");
  const [status, setStatus] = useState(q.get("status") ?? "");
  const [since, setSince] = useState(q.get("since_day") ?? "");
  const [until, setUntil] = useState(q.get("until_day") ?? "");
  const [cursors, setCursors] = useState<(string | null)[]>([]); // cursors of the pages before
  const [cursor, setCursor] = useState<string | null>(null);
  const [running, setRunning] = useState(q.get("run") === "1");
  const groupId = q.get("group_id") ?? "";
  const agents = usePoll(listAgents, 10_000);
  const filterKey = [agentId, script, status, since, until, groupId, cursor].join("|");
  const { value, error } = usePoll(
    () =>
      api.get<{ jobs: Job[]; next_cursor: string | null }>(
        "/v1/jobs" +
          query({
            agent_id: agentId,
            script,
            status,
            since: dayStart(since),
            until: dayStart(until, 1),
            group_id: groupId,
            limit: 50,
            cursor,
          }),
      ),
    3000,
    [filterKey],
  );
  const names = new Map((agents.value ?? []).map((a) => [a.id, a.name]));
  const resetPaging = () => {
    setCursors([]);
    setCursor(null);
  };
  return (
    <Page
      title={groupId ? "Jobs of one run" : "Jobs"}
      actions={
        <button type="button" onClick={() => setRunning(true)} disabled={running}>
          Run script
        </button>
      }
    >
      {running && agents.value && (
        <RunScriptForm agents={agents.value} initialAgent={q.get("agent_id") ?? undefined} onCancel={() => setRunning(false)} />
      )}
      <form class="filters" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Agent filter
          <select aria-label="Agent filter" value={agentId} onChange={(e) => { setAgentId(e.currentTarget.value); resetPaging(); }}>
            <option value="">All agents</option>
            {(agents.value ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Script filter
          <input value={script} onChange={(e) => { setScript(e.currentTarget.value); resetPaging(); }} />
        </label>
        <label>
          Status filter
          <select aria-label="Status filter" value={status} onChange={(e) => { setStatus(e.currentTarget.value); resetPaging(); }}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={since} onChange={(e) => { setSince(e.currentTarget.value); resetPaging(); }} />
        </label>
        <label>
          To
          <input type="date" value={until} onChange={(e) => { setUntil(e.currentTarget.value); resetPaging(); }} />
        </label>
      </form>
      <ErrorNote error={error} />
      {value && value.jobs.length === 0 && <p>No jobs match.</p>}
      {value && value.jobs.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Script</th>
                <th scope="col">Agent</th>
                <th scope="col">Exit code</th>
                <th scope="col">Duration</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {value.jobs.map((j) => (
                <tr key={j.job_id}>
                  <th scope="row">
                    <Link href={`/jobs/${encodeURIComponent(j.job_id)}`}>{j.job_id}</Link>
                  </th>
                  <td>
                    <StatusBadge status={j.status} />
                  </td>
                  <td>{j.script}</td>
                  <td>{names.get(j.agent_id) ?? j.agent_id}</td>
                  <td>{j.exit_code ?? "—"}</td>
                  <td>{fmtDuration(j.duration_ms)}</td>
                  <td>{fmtTime(j.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="row pager">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => {
            const prev = [...cursors];
            const c = prev.pop() ?? null;
            setCursors(prev);
            setCursor(c);
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!value?.next_cursor}
          onClick={() => {
            setCursors([...cursors, cursor]);
            setCursor(value!.next_cursor);
          }}
        >
          Next page
        </button>
      </div>
    </Page>
  );
}

export function JobPage({ id }: { id: string }) {
  const path = `/v1/jobs/${encodeURIComponent(id)}`;
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelError, setCancelError] = useState<unknown>(null);

  // Long poll: each answer comes as soon as the job ends, or after a second
  // with its state then (status, and the output byte counts the viewers
  // follow), until it is final.
  useEffect(() => {
    let stopped = false;
    let first = true;
    (async () => {
      while (!stopped) {
        try {
          const next = await api.get<Job>(path + (first ? "" : "?wait=1"));
          first = false;
          if (stopped) return;
          setJob(next);
          setError(null);
          if (isFinal(next.status)) return;
        } catch (e) {
          if (stopped) return;
          setError(e);
          if (e instanceof ApiError && (e.status === 404 || e.status === 401)) return;
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
    })();
    return () => {
      stopped = true;
    };
  }, [id]);

  if (!job) return <Page title={`Job ${id}`}>{error ? <ErrorNote error={error} /> : <p>Loading…</p>}</Page>;
  const running = !isFinal(job.status);
  return (
    <Page
      title={`Job ${job.job_id}`}
      actions={
        running ? (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              setCancelError(null);
              try {
                setJob(await api.send<Job>("POST", path + "/cancel"));
              } catch (e) {
                setCancelError(e);
              }
            }}
          >
            Cancel job
          </button>
        ) : undefined
      }
    >
      <ErrorNote error={cancelError} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={job.status} />
        </dd>
        <dt>Exit code</dt>
        <dd data-testid="exit-code">{job.exit_code ?? "—"}</dd>
        <dt>Signal</dt>
        <dd>{job.signal ?? "—"}</dd>
        <dt>Duration</dt>
        <dd>{fmtDuration(job.duration_ms)}</dd>
        <dt>Script</dt>
        <dd>{job.script}</dd>
        <dt>Agent</dt>
        <dd>
          <Link href={`/agents/${encodeURIComponent(job.agent_id)}`}>{job.agent_id}</Link>
        </dd>
        <dt>Schedule</dt>
        <dd>{job.schedule_id ? <Link href={`/schedules/${encodeURIComponent(job.schedule_id)}`}>{job.schedule_id}</Link> : "—"}</dd>
        <dt>Created</dt>
        <dd>{fmtTime(job.created_at)}</dd>
        <dt>Started</dt>
        <dd>{fmtTime(job.started_at)}</dd>
        <dt>Finished</dt>
        <dd>{fmtTime(job.finished_at)}</dd>
        {job.error && (
          <>
            <dt>Error</dt>
            <dd>{job.error}</dd>
          </>
        )}
        {Object.keys(job.params).length > 0 && (
          <>
            <dt>Parameters</dt>
            <dd>
              {Object.entries(job.params).map(([k, v]) => (
                <div key={k}>
                  <code>{k}</code> = <code>{v}</code>
                </div>
              ))}
            </dd>
          </>
        )}
      </dl>
      <OutputLog jobId={job.job_id} stream="stdout" size={job.stdout_bytes} running={running} />
      <OutputLog jobId={job.job_id} stream="stderr" size={job.stderr_bytes} running={running} />
    </Page>
  );
}
