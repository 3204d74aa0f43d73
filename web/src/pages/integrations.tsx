// Integrations: a form per type, "Send test", and each one's delivery log.
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, fmtTime, hasRole, Page, Secret, usePoll, useSession } from "../ui";

interface Integration {
  id: string;
  type: string;
  name: string;
  config: Record<string, unknown>;
  events: string[];
  enabled: boolean;
  created_at: string;
  signing_secret?: string;
}

interface Delivery {
  id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string;
  created_at: string;
  next_attempt_at?: string | null;
}

// Config fields per type: [key, label, required, secret].
const FIELDS: Record<string, [string, string, boolean, boolean][]> = {
  slack: [["webhook_url", "Webhook URL", true, true]],
  discord: [["webhook_url", "Webhook URL", true, true]],
  teams: [["webhook_url", "Webhook URL", true, true]],
  webhook: [["url", "URL", true, false]],
  pagerduty: [
    ["routing_key", "Routing key", true, true],
    ["api_url", "Events API URL", false, false],
  ],
  datadog: [
    ["api_key", "API key", true, true],
    ["site", "Site", false, false],
    ["api_url", "API URL", false, false],
  ],
  splunk: [
    ["hec_url", "HEC URL", true, false],
    ["token", "HEC token", true, true],
    ["index", "Index", false, false],
    ["sourcetype", "Source type", false, false],
  ],
};
const TYPE_NAMES: Record<string, string> = {
  slack: "Slack",
  discord: "Discord",
  teams: "Microsoft Teams",
  webhook: "Signed webhook",
  pagerduty: "PagerDuty",
  datadog: "Datadog",
  splunk: "Splunk",
};
const EVENTS = ["job.succeeded", "job.failed", "agent.offline", "agent.online", "schedule.missed"];

function NewIntegration({ onCreated, onCancel }: { onCreated: (i: Integration) => void; onCancel: () => void }) {
  const [type, setType] = useState("slack");
  const [name, setName] = useState("");
  const [config, setConfig] = useState<Record<string, string>>({});
  const [events, setEvents] = useState<string[]>(["job.failed"]);
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="panel"
      aria-label="New integration"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        const cfg: Record<string, string> = {};
        for (const [k] of FIELDS[type]) if (config[k]) cfg[k] = config[k];
        try {
          onCreated(await api.send<Integration>("POST", "/v1/integrations", { type, name, config: cfg, events }));
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>New integration</h2>
      <label>
        Type
        <select aria-label="Type" value={type} onChange={(e) => { setType(e.currentTarget.value); setConfig({}); }}>
          {Object.keys(FIELDS).map((t) => (
            <option key={t} value={t}>
              {TYPE_NAMES[t]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      {FIELDS[type].map(([key, label, required, secret]) => (
        <label key={type + key}>
          {label}
          <input
            type={secret ? "password" : "text"}
            autocomplete="off"
            required={required}
            value={config[key] ?? ""}
            onInput={(e) => setConfig({ ...config, [key]: e.currentTarget.value })}
          />
        </label>
      ))}
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label class="inline" key={ev}>
            <input
              type="checkbox"
              checked={events.includes(ev)}
              onChange={(e) => setEvents(e.currentTarget.checked ? [...events, ev] : events.filter((x) => x !== ev))}
            />{" "}
            {ev}
          </label>
        ))}
      </fieldset>
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit">Create integration</button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Deliveries({ id }: { id: string }) {
  const { value, error } = usePoll(
    () => api.get<{ deliveries: Delivery[] }>(`/v1/integrations/${encodeURIComponent(id)}/deliveries`).then((r) => r.deliveries),
    10_000,
    [id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!value) return null;
  if (value.length === 0) return <p class="muted">No deliveries yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption>Delivery log</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {value.map((d) => (
            <tr key={d.id}>
              <td>{d.event_type}</td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.last_status_code ?? d.last_error ?? "—"}</td>
              <td>{fmtTime(d.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function IntegrationsPage() {
  const { me } = useSession();
  const admin = hasRole(me, "admin");
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, string>>({});
  const [open, setOpen] = useState<string | null>(null);
  const { value, error, reload } = usePoll(() => api.get<{ integrations: Integration[] }>("/v1/integrations").then((r) => r.integrations), 15_000);
  return (
    <Page
      title="Integrations"
      actions={
        admin ? (
          <button type="button" onClick={() => setCreating(true)} disabled={creating}>
            New integration
          </button>
        ) : undefined
      }
    >
      {creating && (
        <NewIntegration
          onCreated={(i) => {
            setCreating(false);
            setSecret(i.signing_secret ?? null);
            void reload();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {secret && <Secret label="Webhook signing secret (shown once)" value={secret} />}
      <ErrorNote error={error} />
      {value && value.length === 0 && <p>No integrations yet.</p>}
      {value?.map((i) => (
        <article class="card" key={i.id} aria-label={`Integration ${i.name}`}>
          <h2>
            {i.name} <span class="muted">({TYPE_NAMES[i.type] ?? i.type})</span>
          </h2>
          <p>Events: {i.events.join(", ")}</p>
          <div class="row">
            {admin && (
              <button
                type="button"
                onClick={async () => {
                  setTests({ ...tests, [i.id]: "Sending…" });
                  try {
                    const r = await api.send<{ delivered: boolean; status_code: number | null; error: string }>(
                      "POST",
                      `/v1/integrations/${encodeURIComponent(i.id)}/test`,
                    );
                    setTests({ ...tests, [i.id]: r.delivered ? `Delivered (${r.status_code})` : `Not delivered: ${r.error}` });
                  } catch (e) {
                    setTests({ ...tests, [i.id]: e instanceof Error ? e.message : String(e) });
                  }
                }}
              >
                Send test
              </button>
            )}
            <button type="button" aria-expanded={open === i.id} onClick={() => setOpen(open === i.id ? null : i.id)}>
              Delivery log
            </button>
            {admin && (
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  if (!confirm(`Delete integration ${i.name}?`)) return;
                  await api.send("DELETE", `/v1/integrations/${encodeURIComponent(i.id)}`).catch(() => {});
                  void reload();
                }}
              >
                Delete
              </button>
            )}
          </div>
          {tests[i.id] && <p role="status">{tests[i.id]}</p>}
          {open === i.id && <Deliveries id={i.id} />}
        </article>
      ))}
    </Page>
  );
}
