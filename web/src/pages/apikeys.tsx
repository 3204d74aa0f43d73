// API keys: create with scopes (the key is shown once), revoke.
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, fmtTime, hasRole, Page, Secret, usePoll, useSession } from "../ui";

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

const MEMBER_SCOPES = ["jobs:read", "jobs:write", "agents:read", "schedules:read"];
const ALL_SCOPES = [
  "jobs:read",
  "jobs:write",
  "agents:read",
  "agents:write",
  "schedules:read",
  "schedules:write",
  "integrations:read",
  "integrations:write",
  "admin",
];

export function ApiKeysPage() {
  const { me } = useSession();
  const scopes = hasRole(me, "admin") ? ALL_SCOPES : MEMBER_SCOPES;
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>(["jobs:read"]);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { value, error: listError, reload } = usePoll(() => api.get<{ api_keys: ApiKey[] }>("/v1/api-keys").then((r) => r.api_keys), null);
  return (
    <Page title="API keys">
      <form
        class="panel"
        aria-label="Create API key"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const r = await api.send<{ key: string }>("POST", "/v1/api-keys", { name, scopes: chosen });
            setCreated(r.key);
            setName("");
            void reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2>Create an API key</h2>
        <label>
          Key name
          <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {scopes.map((s) => (
            <label class="inline" key={s}>
              <input
                type="checkbox"
                checked={chosen.includes(s)}
                onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, s] : chosen.filter((x) => x !== s))}
              />{" "}
              {s}
            </label>
          ))}
        </fieldset>
        <ErrorNote error={error} />
        <button type="submit" disabled={chosen.length === 0}>
          Create key
        </button>
      </form>
      {created && <Secret label="New API key (shown once)" value={created} />}
      <ErrorNote error={listError} />
      {value && value.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {value.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{fmtTime(k.last_used_at)}</td>
                  <td>{k.revoked_at ? "revoked " + fmtTime(k.revoked_at) : "active"}</td>
                  <td>
                    {!k.revoked_at && (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke ${k.name}`}
                        onClick={async () => {
                          if (!confirm(`Revoke ${k.name}? Anything using it stops working at once.`)) return;
                          await api.send("DELETE", `/v1/api-keys/${encodeURIComponent(k.id)}`).catch(setError);
                          void reload();
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {value && value.length === 0 && <p>No API keys yet.</p>}
    </Page>
  );
}
