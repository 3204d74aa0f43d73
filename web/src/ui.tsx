// Small shared pieces: formatting, error display, polling, the session.
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ApiError } from "./api";

export interface Me {
  user_id: string;
  email: string;
  tenant_id: string;
  role: "owner" | "admin" | "member";
}

export const SessionContext = createContext<{ me: Me | null; signOut: () => void }>({
  me: null,
  signOut: () => {},
});

export function useSession() {
  return useContext(SessionContext);
}

export const ROLE_RANK = { member: 0, admin: 1, owner: 2 } as const;

export function hasRole(me: Me | null, role: keyof typeof ROLE_RANK): boolean {
  return !!me && ROLE_RANK[me.role] >= ROLE_RANK[role];
}

export function fmtTime(t: string | null | undefined): string {
  if (!t) return "—";
  const d = new Date(t);
  if (isNaN(d.getTime())) return t;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return ms + " ms";
  if (ms < 60_000) return (ms / 1000).toFixed(1) + " s";
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MiB";
  return (n / 1024 / 1024 / 1024).toFixed(2) + " GiB";
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}

// Runs `load` now and every `everyMs` while the page is shown; `deps` restart
// it. Returns the latest value, the latest error and a reload function.
export function usePoll<T>(load: () => Promise<T>, everyMs: number | null, deps: unknown[] = []) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const gen = useRef(0);
  const reload = async () => {
    const mine = gen.current;
    try {
      const v = await load();
      if (mine === gen.current) {
        setValue(v);
        setError(null);
      }
    } catch (e) {
      if (mine === gen.current) setError(e);
    }
  };
  useEffect(() => {
    gen.current++;
    void reload();
    if (everyMs === null) return;
    const t = setInterval(() => {
      if (document.visibilityState !== "hidden") void reload();
    }, everyMs);
    return () => {
      clearInterval(t);
      gen.current++;
    };
  }, deps);
  return { value, error, reload };
}

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = props.title + " · ScriptMesh";
  }, [props.title]);
  return (
    <section>
      <div class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

// A value shown once (a key, a secret) with a copy button.
export function Secret({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="secret">
      <label>
        {label}
        <input readOnly value={value} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
      </label>
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied(true);
          } catch {
            setCopied(false);
          }
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={"badge st-" + status}>{status}</span>;
}
