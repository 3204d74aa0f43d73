import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { api } from "./api";
import { Link, matchPath, navigate, useLocation } from "./router";
import { Me, SessionContext } from "./ui";
import { ForgotPage, InvitationPage, LoginPage, ResetPage, SignupPage, VerifyPage } from "./pages/auth";
import { AgentPage, AgentsPage } from "./pages/agents";
import { JobPage, JobsPage } from "./pages/jobs";
import { SchedulePage, SchedulesPage } from "./pages/schedules";
import { IntegrationsPage } from "./pages/integrations";
import { ApiKeysPage } from "./pages/apikeys";
import { UsersPage } from "./pages/users";
import { SettingsPage } from "./pages/settings";

const PUBLIC: Record<string, () => preact.JSX.Element> = {
  "/login": () => LoginPage({}),
  "/signup": SignupPage,
  "/verify": VerifyPage,
  "/forgot-password": ForgotPage,
  "/reset-password": ResetPage,
  "/invitations/accept": InvitationPage,
};

const PRIVATE: [string, (p: Record<string, string>) => preact.JSX.Element][] = [
  ["/agents", () => <AgentsPage />],
  ["/agents/:id", (p) => <AgentPage id={p.id} />],
  ["/jobs", () => <JobsPage />],
  ["/jobs/:id", (p) => <JobPage id={p.id} />],
  ["/schedules", () => <SchedulesPage />],
  ["/schedules/:id", (p) => <SchedulePage id={p.id} />],
  ["/integrations", () => <IntegrationsPage />],
  ["/api-keys", () => <ApiKeysPage />],
  ["/users", () => <UsersPage />],
  ["/settings", () => <SettingsPage />],
];

const NAV: [string, string][] = [
  ["/agents", "Agents"],
  ["/jobs", "Jobs"],
  ["/schedules", "Schedules"],
  ["/integrations", "Integrations"],
  ["/api-keys", "API keys"],
  ["/users", "Users"],
  ["/settings", "Settings"],
];

function Shell({ me, children }: { me: Me; children: preact.ComponentChildren }) {
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/agents" class="brand">
          ScriptMesh
        </Link>
        <button type="button" class="menu" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="nav" aria-label="Main" class={open ? "open" : ""}>
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link
                  href={href}
                  aria-current={loc.path === href || loc.path.startsWith(href + "/") ? "page" : undefined}
                  onClick={() => setOpen(false)}
                >
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {me.email} ({me.role})
          </span>
          <a href="/docs">API docs</a>
          <button
            type="button"
            onClick={async () => {
              await api.logout().catch(() => {});
              location.assign("/login");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{children}</main>
    </div>
  );
}

// Moves to another page after rendering (never while rendering).
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link href="/agents">Go to the agents</Link>
      </p>
    </section>
  );
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);

  const loadMe = async () => {
    setMe(await api.get<Me>("/v1/me"));
  };

  useEffect(() => {
    api.onSignedOut = () => {
      setMe(null);
      const here = location.pathname + location.search;
      if (!(location.pathname in PUBLIC)) navigate("/login?next=" + encodeURIComponent(here), true);
    };
    (async () => {
      if (await api.refresh()) await loadMe().catch(() => setMe(null));
      setChecked(true);
    })();
  }, []);

  if (!checked) return <p class="loading">Loading…</p>;

  const publicPage = PUBLIC[loc.path];
  if (publicPage) {
    const P = publicPage;
    return (
      <SessionContext.Provider value={{ me, signOut: () => setMe(null) }}>
        <main id="main" class="auth">
          {loc.path === "/login" ? <LoginPage onSignedIn={loadMe} /> : <P />}
        </main>
      </SessionContext.Provider>
    );
  }
  if (!me) {
    const next = loc.path === "/" ? "" : "?next=" + encodeURIComponent(loc.path + location.search);
    return <Redirect to={"/login" + next} />;
  }
  if (loc.path === "/") return <Redirect to="/agents" />;
  let page: preact.JSX.Element | null = null;
  for (const [pattern, make] of PRIVATE) {
    const params = matchPath(pattern, loc.path);
    if (params) {
      page = make(params);
      break;
    }
  }
  return (
    <SessionContext.Provider value={{ me, signOut: () => setMe(null) }}>
      <Shell me={me}>{page ?? <NotFound />}</Shell>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
