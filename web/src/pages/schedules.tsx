// Schedules: the list with an on/off switch per row, creating one with a
// live preview of its next runs, and a schedule's page with its history.
import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api";
import { describeCron } from "../cron";
import { Link, navigate } from "../router";
import { ErrorNote, fmtTime, hasRole, Page, usePoll, useSession } from "../ui";
import { paramProblem, paramsToSend } from "../params";
import { listAgents } from "./agents";

export interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  script: string;
  agent_id: string | null;
  tags: string[];
  params: Record<string, string>;
  catch_up: string;
  misfire_grace_sec: number;
  overlap: string;
  timeout_sec: number | null;
  webhook_url: string | null;
  enabled: boolean;
  next_run_at: string | null;
  last_run_at?: string | null;
  created_at: string;
}

interface ScheduleEvent {
  type: string;
  due_at: string;
  at: string;
  job_id: string | null;
  agent_id: string | null;
  detail: string | null;
}

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const all = intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...all.filter((z) => z !== "UTC")];
}

// The pause/resume switch; members, who may not change schedules, see the
// state as text instead.
export function EnabledSwitch({ schedule, onChange, disabled }: { schedule: Schedule; onChange: (s: Schedule) => void; disabled?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (disabled) return <span>{schedule.enabled ? "on" : "paused"}</span>;
  return (
    <span class="switch-wrap">
      <button
        type="button"
        role="switch"
        aria-checked={schedule.enabled}
        aria-label="Enabled"
        class="switch"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            onChange(
              await api.send<Schedule>("PATCH", `/v1/schedules/${encodeURIComponent(schedule.id)}`, { enabled: !schedule.enabled }),
            );
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <span class="knob" aria-hidden="true" />
      </button>
      <ErrorNote error={error} />
    </span>
  );
}

function CronPreview({ cron, tz }: { cron: string; tz: string }) {
  const [runs, setRuns] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!cron.trim()) {
      setRuns([]);
      return;
    }
    const t = setTimeout(async () => {
      try {
        const r = await api.get<{ runs: string[] }>("/v1/cron/preview" + query({ expr: cron, tz, count: 5 }));
        setRuns(r.runs);
        setError(null);
      } catch (e) {
        setRuns([]);
        setError(e);
      }
    }, 300);
    return () => clearTimeout(t);
  }, [cron, tz]);
  const text = describeCron(cron);
  return (
    <div class="preview" aria-live="polite">
      {text && <p>Runs {text} ({tz}).</p>}
      <ErrorNote error={error} />
      {runs.length > 0 && (
        <>
          <p>Next runs:</p>
          <ol>
            {runs.map((r) => (
              <li key={r}>{fmtTime(r)}</li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function NewSchedule({ onCreated, onCancel }: { onCreated: () => void; onCancel: () => void }) {
  const agents = usePoll(listAgents, null);
  const [name, setName] = useState("");
  const [cron, setCron] = useState("0 3 * * *");
  const [tz, setTz] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const [agentId, setAgentId] = useState("");
  const [script, setScript] = useState("");
  const [catchUp, setCatchUp] = useState("skip");
  const [overlap, setOverlap] = useState("skip");
  const [webhook, setWebhook] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const list = agents.value ?? [];
  const agent = list.find((a) => a.id === agentId) ?? list[0];
  const chosen = script || agent?.manifest[0] || "";
  const params = Object.entries(agent?.scripts?.[chosen]?.params ?? {});
  return (
    <form
      class="panel"
      aria-label="New schedule"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const problem = params.map(([n, rule]) => paramProblem(n, rule, values[n] ?? "")).find(Boolean);
        if (problem) {
          setError(new Error(problem));
          return;
        }
        try {
          const body: Record<string, unknown> = {
            name,
            cron,
            timezone: tz,
            script: chosen,
            params: paramsToSend(values),
            agent_id: agent?.id,
            catch_up: catchUp,
            overlap,
          };
          if (webhook) body.webhook_url = webhook;
          await api.send("POST", "/v1/schedules", body);
          onCreated();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>New schedule</h2>
      <label>
        Name
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Cron expression
        <input required value={cron} onInput={(e) => setCron(e.currentTarget.value)} />
      </label>
      <label>
        Time zone
        <select aria-label="Time zone" value={tz} onChange={(e) => setTz(e.currentTarget.value)}>
          {zones().map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
      <CronPreview cron={cron} tz={tz} />
      <label>
        Agent
        <select aria-label="Agent" value={agent?.id ?? ""} onChange={(e) => setAgentId(e.currentTarget.value)}>
          {list.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Script
        <select aria-label="Script" value={chosen} onChange={(e) => { setScript(e.currentTarget.value); setValues({}); }}>
          {(agent?.manifest ?? []).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {params.map(([n, rule]) => (
        <div key={chosen + n}>
          <label>
            {n}
            <input
              value={values[n] ?? ""}
              required={!!rule.required}
              aria-describedby={`sched-param-${n}`}
              onInput={(e) => setValues({ ...values, [n]: e.currentTarget.value })}
            />
          </label>
          <p id={`sched-param-${n}`} class="hint">
            {rule.required ? "Required" : "Optional"}
            {rule.pattern ? `; must match ${rule.pattern}` : ""}
          </p>
        </div>
      ))}
      <label>
        Catch-up
        <select aria-label="Catch-up" value={catchUp} onChange={(e) => setCatchUp(e.currentTarget.value)}>
          <option value="skip">Skip missed runs (record them only)</option>
          <option value="once">Run once for all missed runs</option>
          <option value="all">Run each missed run</option>
        </select>
      </label>
      <label>
        Overlap
        <select aria-label="Overlap" value={overlap} onChange={(e) => setOverlap(e.currentTarget.value)}>
          <option value="skip">Skip while the previous run is going</option>
          <option value="buffer_one">Run once afterwards</option>
          <option value="cancel_other">Cancel the previous run</option>
          <option value="allow">Run side by side</option>
        </select>
      </label>
      <label>
        Webhook URL
        <input type="url" value={webhook} placeholder="https://…" onInput={(e) => setWebhook(e.currentTarget.value)} />
      </label>
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit">Create schedule</button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function SchedulesPage() {
  const { me } = useSession();
  const admin = hasRole(me, "admin");
  const [creating, setCreating] = useState(false);
  const { value, error, reload } = usePoll(() => api.get<{ schedules: Schedule[] }>("/v1/schedules").then((r) => r.schedules), 10_000);
  const [local, setLocal] = useState<Record<string, Schedule>>({});
  const rows = (value ?? []).map((s) => local[s.id] ?? s);
  useEffect(() => setLocal({}), [value]);
  return (
    <Page
      title="Schedules"
      actions={
        admin ? (
          <button type="button" onClick={() => setCreating(true)} disabled={creating}>
            New schedule
          </button>
        ) : undefined
      }
    >
      {creating && (
        <NewSchedule
          onCreated={() => {
            setCreating(false);
            void reload();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      <ErrorNote error={error} />
      {value && rows.length === 0 && <p>No schedules yet.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Schedules</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Enabled</th>
                <th scope="col">When</th>
                <th scope="col">Script</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} data-schedule-id={s.id}>
                  <th scope="row">
                    <Link href={`/schedules/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  </th>
                  <td>
                    <EnabledSwitch schedule={s} disabled={!admin} onChange={(n) => setLocal({ ...local, [n.id]: n })} />
                  </td>
                  <td>
                    <code>{s.cron}</code> <span class="muted">{describeCron(s.cron) ?? ""} ({s.timezone})</span>
                  </td>
                  <td>{s.script}</td>
                  <td>{s.enabled ? fmtTime(s.next_run_at) : "paused"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

export function SchedulePage({ id }: { id: string }) {
  const { me } = useSession();
  const admin = hasRole(me, "admin");
  const path = `/v1/schedules/${encodeURIComponent(id)}`;
  const sched = usePoll(() => api.get<Schedule>(path), 10_000, [id]);
  const events = usePoll(() => api.get<{ events: ScheduleEvent[] }>(path + "/events?limit=100").then((r) => r.events), 10_000, [id]);
  const [override, setOverride] = useState<Schedule | null>(null);
  const [error, setError] = useState<unknown>(null);
  const s = override ?? sched.value;
  if (!s) return <Page title="Schedule">{sched.error ? <ErrorNote error={sched.error} /> : <p>Loading…</p>}</Page>;
  return (
    <Page
      title={`Schedule ${s.name}`}
      actions={
        admin ? (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!confirm(`Delete schedule ${s.name}? The jobs it started stay.`)) return;
              try {
                await api.send("DELETE", path);
                navigate("/schedules");
              } catch (e) {
                setError(e);
              }
            }}
          >
            Delete schedule
          </button>
        ) : undefined
      }
    >
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>Enabled</dt>
        <dd>
          <EnabledSwitch schedule={s} disabled={!admin} onChange={setOverride} />
        </dd>
        <dt>Cron</dt>
        <dd>
          <code>{s.cron}</code> — {describeCron(s.cron) ?? "custom"} ({s.timezone})
        </dd>
        <dt>Script</dt>
        <dd>{s.script}</dd>
        <dt>Runs on</dt>
        <dd>{s.agent_id ? <Link href={`/agents/${encodeURIComponent(s.agent_id)}`}>{s.agent_id}</Link> : "agents tagged " + s.tags.join(", ")}</dd>
        <dt>Catch-up</dt>
        <dd>{s.catch_up}</dd>
        <dt>Overlap</dt>
        <dd>{s.overlap}</dd>
        <dt>Next run</dt>
        <dd>{s.enabled ? fmtTime(s.next_run_at) : "paused"}</dd>
        <dt>Webhook URL</dt>
        <dd>{s.webhook_url ?? "—"}</dd>
      </dl>
      <h2>History</h2>
      <ErrorNote error={events.error} />
      {events.value && events.value.length === 0 && <p>Nothing has happened yet.</p>}
      {events.value && events.value.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Due</th>
                <th scope="col">Recorded</th>
                <th scope="col">Job</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {events.value.map((e, i) => (
                <tr key={i}>
                  <td>{e.type.replace("_", " ")}</td>
                  <td>{fmtTime(e.due_at)}</td>
                  <td>{fmtTime(e.at)}</td>
                  <td>{e.job_id ? <Link href={`/jobs/${encodeURIComponent(e.job_id)}`}>{e.job_id}</Link> : "—"}</td>
                  <td>{e.detail ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
