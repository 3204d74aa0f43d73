// Sign-in, sign-up, e-mail verification, password reset and invitations:
// the pages a visitor without a session sees.
import { useState } from "preact/hooks";
import { api } from "../api";
import { Link, navigate, useLocation } from "../router";
import { ErrorNote } from "../ui";

function useForm() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (e: Event, work: () => Promise<void>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function safeNext(next: string | null): string {
  // Only a path on this origin: never "//host" or "https://...".
  if (next && next.startsWith("/") && !next.startsWith("//")) return next;
  return "/agents";
}

export function LoginPage(props: { onSignedIn?: () => Promise<void> }) {
  const loc = useLocation();
  const [email, setEmail] = useState(loc.query.get("email") ?? "");
  const [password, setPassword] = useState("");
  const f = useForm();
  return (
    <div class="card narrow">
      <h1>Sign in to ScriptMesh</h1>
      {loc.query.get("reset") === "1" && <p class="note">Your password is set. Sign in with it.</p>}
      {loc.query.get("verified") === "1" && <p class="note">Your e-mail address is verified. Sign in.</p>}
      <form
        onSubmit={(e) =>
          f.run(e, async () => {
            await api.login(email, password);
            await props.onSignedIn?.();
            navigate(safeNext(loc.query.get("next")), true);
          })
        }
      >
        <label>
          Email
          <input type="email" name="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorNote error={f.error} />
        <button type="submit" disabled={f.busy}>
          Sign in
        </button>
      </form>
      <p class="links">
        <Link href="/signup">Create an account</Link>
        <Link href="/forgot-password">Forgot password?</Link>
      </p>
    </div>
  );
}

export function SignupPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [org, setOrg] = useState("");
  const f = useForm();
  return (
    <div class="card narrow">
      <h1>Create a ScriptMesh account</h1>
      <form
        onSubmit={(e) =>
          f.run(e, async () => {
            await api.send("POST", "/v1/auth/register", { email, password, tenant_name: org }, false);
            navigate("/verify?email=" + encodeURIComponent(email));
          })
        }
      >
        <label>
          Email
          <input type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" autocomplete="new-password" required minLength={10} aria-describedby="pw-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <p id="pw-hint" class="hint">
          At least 10 characters.
        </p>
        <label>
          Organization
          <input type="text" required maxLength={100} autocomplete="organization" value={org} onInput={(e) => setOrg(e.currentTarget.value)} />
        </label>
        <ErrorNote error={f.error} />
        <button type="submit" disabled={f.busy}>
          Create account
        </button>
      </form>
      <p class="links">
        <Link href="/login">Sign in instead</Link>
      </p>
    </div>
  );
}

export function VerifyPage() {
  const loc = useLocation();
  const [email, setEmail] = useState(loc.query.get("email") ?? "");
  const [code, setCode] = useState("");
  const [resent, setResent] = useState(false);
  const f = useForm();
  return (
    <div class="card narrow">
      <h1>Verify your e-mail address</h1>
      <p>We sent a 6-digit code to your address.</p>
      <form
        onSubmit={(e) =>
          f.run(e, async () => {
            await api.send("POST", "/v1/auth/verify", { email, code: code.trim() }, false);
            navigate("/login?verified=1&email=" + encodeURIComponent(email));
          })
        }
      >
        <label>
          Email
          <input type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Verification code
          <input type="text" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        </label>
        <ErrorNote error={f.error} />
        <button type="submit" disabled={f.busy}>
          Verify
        </button>
      </form>
      <p class="links">
        <button
          type="button"
          class="link"
          onClick={(e) =>
            f.run(e, async () => {
              await api.send("POST", "/v1/auth/verify/resend", { email }, false);
              setResent(true);
            })
          }
        >
          Send a new code
        </button>
        {resent && <span role="status">A new code is on its way.</span>}
      </p>
    </div>
  );
}

export function ForgotPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const f = useForm();
  return (
    <div class="card narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If an account uses that address, a link to set a new password is on its way.</p>
      ) : (
        <form
          onSubmit={(e) =>
            f.run(e, async () => {
              await api.send("POST", "/v1/auth/password/forgot", { email }, false);
              setSent(true);
            })
          }
        >
          <label>
            Email
            <input type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <ErrorNote error={f.error} />
          <button type="submit" disabled={f.busy}>
            Send reset link
          </button>
        </form>
      )}
      <p class="links">
        <Link href="/login">Back to sign in</Link>
      </p>
    </div>
  );
}

function NewPasswordForm({ title, intro }: { title: string; intro: string }) {
  const loc = useLocation();
  const token = loc.query.get("token") ?? "";
  const [password, setPassword] = useState("");
  const f = useForm();
  return (
    <div class="card narrow">
      <h1>{title}</h1>
      <p>{intro}</p>
      {!token ? (
        <p class="error" role="alert">
          This link has no token. Open the link from the e-mail again.
        </p>
      ) : (
        <form
          onSubmit={(e) =>
            f.run(e, async () => {
              await api.send("POST", "/v1/auth/password/reset", { token, new_password: password }, false);
              navigate("/login?reset=1", true);
            })
          }
        >
          <label>
            New password
            <input type="password" autocomplete="new-password" required minLength={10} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </label>
          <ErrorNote error={f.error} />
          <button type="submit" disabled={f.busy}>
            Set password
          </button>
        </form>
      )}
    </div>
  );
}

export function ResetPage() {
  return <NewPasswordForm title="Choose a new password" intro="At least 10 characters. The link works once." />;
}

export function InvitationPage() {
  return (
    <NewPasswordForm
      title="Accept your invitation"
      intro="You were invited to a ScriptMesh organization. Choose a password (at least 10 characters) to join it."
    />
  );
}
