// Agents: the live table, adding one (its key shown once, with the commands
// that start it), and an agent's own page with its scripts and history.
import { useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate } from "../router";
import { ErrorNote, fmtTime, hasRole, Page, Secret, StatusBadge, usePoll, useSession } from "../ui";

export interface ParamSpec {
  required?: boolean;
  pattern?: string;
}
export interface ScriptSpec {
  params?: Record<string, ParamSpec>;
  timeout_sec?: number;
}
export interface Agent {
  id: string;
  name: string;
  tags: string[];
  status: "online" | "offline";
  last_heartbeat_at: string | null;
  metrics: { cpu_percent: number; mem_percent: number; disk_percent: number; uptime_sec: number } | null;
  manifest: string[];
  scripts?: Record<string, ScriptSpec>;
  max_concurrent: number;
  created_at: string;
  version?: string;
}
interface Sample {
  at: string;
  cpu_percent: number;
  mem_percent: number;
  disk_percent: number;
}

export const AGENT_POLL_MS = 3000;

export function listAgents() {
  return api.get<{ agents: Agent[] }>("/v1/agents").then((r) => r.agents);
}

// A small line of the last samples, 0-100 %, with its latest value as text.
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 80;
  const h = 20;
  const last = values.length ? values[values.length - 1] : null;
  const points = values
    .map((v, i) => {
      const x = values.length === 1 ? w : (i / (values.length - 1)) * w;
      const y = h - (Math.max(0, Math.min(100, v)) / 100) * h;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return (
    <span class="spark">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${label} history`}>
        {values.length > 0 && <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />}
      </svg>
      <span>{last === null ? "—" : last.toFixed(0) + " %"}</span>
    </span>
  );
}

function AgentMetricsCells({ agent }: { agent: Agent }) {
  const { value } = usePoll(
    () => api.get<{ samples: Sample[] }>(`/v1/agents/${encodeURIComponent(agent.id)}/metrics`).then((r) => r.samples),
    AGENT_POLL_MS * 4,
    [agent.id, agent.last_heartbeat_at],
  );
  const s = value ?? [];
  const pick = (k: "cpu_percent" | "mem_percent" | "disk_percent") =>
    s.length ? s.map((x) => x[k]) : agent.metrics ? [agent.metrics[k]] : [];
  return (
    <>
      <td>
        <Sparkline values={pick("cpu_percent")} label={`${agent.name} CPU`} />
      </td>
      <td>
        <Sparkline values={pick("mem_percent")} label={`${agent.name} memory`} />
      </td>
      <td>
        <Sparkline values={pick("disk_percent")} label={`${agent.name} disk`} />
      </td>
    </>
  );
}

function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function RunCommands({ keyText }: { keyText: string }) {
  const origin = location.origin;
  return (
    <div class="commands">
      <h3>Start the agent</h3>
      <p>Save the key in a file only the agent's user can read, write a manifest of the scripts it may run, then start it:</p>
      <h4>Binary</h4>
      <pre>{`install -m 600 /dev/null /etc/scriptmesh/agent.key
printf '%s' '${keyText}' > /etc/scriptmesh/agent.key
scriptmesh-agent --url ${origin} --key-file /etc/scriptmesh/agent.key \\
  --manifest /etc/scriptmesh/manifest.json --spool /var/lib/scriptmesh-agent`}</pre>
      <h4>Container</h4>
      <pre>{`docker run -d --name scriptmesh-agent \\
  -e SCRIPTMESH_AGENT_URL=${origin} \\
  -e SCRIPTMESH_AGENT_KEY_FILE=/etc/scriptmesh/agent.key \\
  -e SCRIPTMESH_AGENT_MANIFEST=/etc/scriptmesh/manifest.json \\
  -e SCRIPTMESH_AGENT_SPOOL=/var/lib/scriptmesh-agent \\
  -v /etc/scriptmesh:/etc/scriptmesh:ro -v scriptmesh-spool:/var/lib/scriptmesh-agent \\
  <your image with scriptmesh-agent and your scripts>`}</pre>
      <h4>systemd</h4>
      <pre>{`# /etc/systemd/system/scriptmesh-agent.service
[Unit]
Description=ScriptMesh agent
After=network-online.target

[Service]
Environment=SCRIPTMESH_AGENT_URL=${origin}
Environment=SCRIPTMESH_AGENT_KEY_FILE=/etc/scriptmesh/agent.key
Environment=SCRIPTMESH_AGENT_MANIFEST=/etc/scriptmesh/manifest.json
Environment=SCRIPTMESH_AGENT_SPOOL=/var/lib/scriptmesh-agent
ExecStart=/usr/local/bin/scriptmesh-agent
ExecReload=/bin/kill -HUP $MAINPID
Restart=always

[Install]
WantedBy=multi-user.target`}</pre>
    </div>
  );
}

function AddAgent({ onAdded }: { onAdded: () => void }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [created, setCreated] = useState<{ id: string; key: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Add agent
      </button>
    );
  if (created)
    return (
      <div class="panel" role="region" aria-label="New agent">
        <h2>Agent added</h2>
        <p>This key is shown once. Copy it now.</p>
        <Secret label="Agent key" value={created.key} />
        <RunCommands keyText={created.key} />
        <button
          type="button"
          onClick={() => {
            setCreated(null);
            setOpen(false);
            setName("");
            setTags("");
          }}
        >
          Done
        </button>
      </div>
    );
  return (
    <form
      class="panel"
      aria-label="Add agent"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const r = await api.send<{ id: string; key: string }>("POST", "/v1/agents", { name, tags: parseTags(tags) });
          setCreated({ id: r.id, key: r.key });
          onAdded();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>Add agent</h2>
      <label>
        Name
        <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Tags
        <input value={tags} placeholder="linux, eu" aria-describedby="tags-hint" onInput={(e) => setTags(e.currentTarget.value)} />
      </label>
      <p id="tags-hint" class="hint">
        Separated by commas or spaces.
      </p>
      <ErrorNote error={error} />
      <div class="row">
        <button type="submit">Create agent</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AgentsPage() {
  const { me } = useSession();
  const { value: agents, error, reload } = usePoll(listAgents, AGENT_POLL_MS);
  return (
    <Page title="Agents" actions={hasRole(me, "admin") ? <AddAgent onAdded={reload} /> : undefined}>
      <ErrorNote error={error} />
      {agents && agents.length === 0 && <p>No agents yet.{hasRole(me, "admin") ? " Add one to run scripts on it." : ""}</p>}
      {agents && agents.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Agents and their health</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Disk</th>
                <th scope="col">Tags</th>
                <th scope="col">Scripts</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => (
                <tr key={a.id} data-agent-id={a.id}>
                  <th scope="row">
                    <Link href={`/agents/${encodeURIComponent(a.id)}`}>{a.name}</Link>
                  </th>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{fmtTime(a.last_heartbeat_at)}</td>
                  <AgentMetricsCells agent={a} />
                  <td>{a.tags.join(", ") || "—"}</td>
                  <td>{a.manifest.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

export function AgentPage({ id }: { id: string }) {
  const { me } = useSession();
  const admin = hasRole(me, "admin");
  const path = `/v1/agents/${encodeURIComponent(id)}`;
  const { value: agent, error, reload } = usePoll(() => api.get<Agent>(path), AGENT_POLL_MS, [id]);
  const [tags, setTags] = useState<string | null>(null);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const act = async (work: () => Promise<void>) => {
    setActionError(null);
    try {
      await work();
    } catch (e) {
      setActionError(e);
    }
  };
  if (!agent) return <Page title="Agent">{error ? <ErrorNote error={error} /> : <p>Loading…</p>}</Page>;
  const scripts = agent.scripts ?? {};
  return (
    <Page
      title={`Agent ${agent.name}`}
      actions={
        <Link class="button" href={`/jobs?run=1&agent_id=${encodeURIComponent(agent.id)}`}>
          Run script
        </Link>
      }
    >
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={agent.status} />
        </dd>
        <dt>Last heartbeat</dt>
        <dd>{fmtTime(agent.last_heartbeat_at)}</dd>
        <dt>Tags</dt>
        <dd>{agent.tags.join(", ") || "—"}</dd>
        <dt>Jobs at once</dt>
        <dd>{agent.max_concurrent}</dd>
        <dt>Uptime</dt>
        <dd>{agent.metrics ? Math.round(agent.metrics.uptime_sec / 60) + " min" : "—"}</dd>
        <dt>Created</dt>
        <dd>{fmtTime(agent.created_at)}</dd>
        <dt>ID</dt>
        <dd>
          <code>{agent.id}</code>
        </dd>
      </dl>
      <div class="table-wrap">
        <table>
          <caption>Health (recent heartbeats)</caption>
          <thead>
            <tr>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Disk</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <AgentMetricsCells agent={agent} />
            </tr>
          </tbody>
        </table>
      </div>
      <h2>Scripts</h2>
      {agent.manifest.length === 0 ? (
        <p>The agent has not announced a manifest yet (it does when it connects).</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Script</th>
                <th scope="col">Parameters</th>
                <th scope="col">Timeout</th>
              </tr>
            </thead>
            <tbody>
              {agent.manifest.map((name) => {
                const spec = scripts[name] ?? {};
                const params = Object.entries(spec.params ?? {});
                return (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      {params.length === 0
                        ? "none"
                        : params.map(([p, s]) => (
                            <div key={p}>
                              <code>{p}</code>
                              {s.required ? " (required)" : ""}
                              {s.pattern ? (
                                <>
                                  {" "}
                                  matching <code>{s.pattern}</code>
                                </>
                              ) : null}
                            </div>
                          ))}
                    </td>
                    <td>{spec.timeout_sec ? spec.timeout_sec + " s" : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {admin && (
        <section aria-label="Manage agent" class="panel">
          <h2>Manage</h2>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await api.send("PATCH", path, { tags: parseTags(tags ?? agent.tags.join(", ")) });
                setTags(null);
                await reload();
              });
            }}
          >
            <label>
              Tags
              <input value={tags ?? agent.tags.join(", ")} onInput={(e) => setTags(e.currentTarget.value)} />
            </label>
            <button type="submit">Save tags</button>
          </form>
          <div class="row">
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  if (!confirm("Replace the agent's key? The running agent is disconnected until it has the new one.")) return;
                  const r = await api.send<{ key: string }>("POST", path + "/rotate-key");
                  setNewKey(r.key);
                })
              }
            >
              Rotate key
            </button>
            <button
              type="button"
              class="danger"
              onClick={() =>
                act(async () => {
                  if (!confirm(`Delete agent ${agent.name}? Its jobs are kept.`)) return;
                  await api.send("DELETE", path);
                  navigate("/agents");
                })
              }
            >
              Delete agent
            </button>
          </div>
          {newKey && (
            <>
              <p>The new key is shown once. Put it in the agent's key file; it reconnects with it.</p>
              <Secret label="New agent key" value={newKey} />
            </>
          )}
          <ErrorNote error={actionError} />
        </section>
      )}
    </Page>
  );
}
