// Settings: the organization, its plan with limits and usage, and the
// webhook signing secret.
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, hasRole, Page, Secret, usePoll, useSession } from "../ui";

interface Tenant {
  tenant_id: string;
  name: string;
  plan: string;
  limits: { agents: number | null; schedules: number | null; retention_days: number };
}

function limit(n: number | null) {
  return n === null ? "unlimited" : String(n);
}

export function SettingsPage() {
  const { me } = useSession();
  const admin = hasRole(me, "admin");
  const tenant = usePoll(() => api.get<Tenant>("/v1/tenant"), null);
  const usage = usePoll(
    async () => {
      const [a, s] = await Promise.all([
        api.get<{ agents: unknown[] }>("/v1/agents"),
        api.get<{ schedules: unknown[] }>("/v1/schedules"),
      ]);
      return { agents: a.agents.length, schedules: s.schedules.length };
    },
    null,
  );
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const t = tenant.value;
  return (
    <Page title="Settings">
      <ErrorNote error={tenant.error} />
      {t && (
        <dl class="facts">
          <dt>Organization</dt>
          <dd>{t.name}</dd>
          <dt>Plan</dt>
          <dd>{t.plan}</dd>
          <dt>Agents</dt>
          <dd>
            {usage.value ? usage.value.agents : "…"} of {limit(t.limits.agents)}
          </dd>
          <dt>Schedules</dt>
          <dd>
            {usage.value ? usage.value.schedules : "…"} of {limit(t.limits.schedules)}
          </dd>
          <dt>Output kept for</dt>
          <dd>{t.limits.retention_days} days</dd>
          <dt>Organization ID</dt>
          <dd>
            <code>{t.tenant_id}</code>
          </dd>
        </dl>
      )}
      {admin && (
        <section class="panel" aria-label="Webhook signing secret">
          <h2>Webhook signing secret</h2>
          <p>Job webhooks are signed with this secret so receivers can check they come from here.</p>
          <div class="row">
            <button
              type="button"
              onClick={async () => {
                setError(null);
                try {
                  setSecret((await api.get<{ secret: string }>("/v1/tenant/webhook-secret")).secret);
                } catch (e) {
                  setError(e);
                }
              }}
            >
              Show secret
            </button>
            <button
              type="button"
              class="danger"
              onClick={async () => {
                if (!confirm("Replace the signing secret? The old one stops working at once.")) return;
                setError(null);
                try {
                  setSecret((await api.send<{ secret: string }>("POST", "/v1/tenant/webhook-secret/rotate")).secret);
                } catch (e) {
                  setError(e);
                }
              }}
            >
              Rotate secret
            </button>
          </div>
          {secret && <Secret label="Signing secret" value={secret} />}
          <ErrorNote error={error} />
        </section>
      )}
    </Page>
  );
}
