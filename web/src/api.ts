// The dashboard's only way to the orchestrator: its public REST API, same
// origin. The access token lives in this object's memory only; the refresh
// token is the HttpOnly cookie sm_refresh that login and refresh set when
// asked with {"session":"cookie"}, which no script can read. The client
// refreshes silently a minute before the access token expires, retries a
// request once after a 401 with a fresh token, and reports a session that
// cannot be refreshed (revoked, expired, reused) through onSignedOut.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

// Seconds before expiry at which the token is renewed.
export const REFRESH_MARGIN_SEC = 60;

export function refreshDelayMs(expiresIn: number): number {
  return Math.max(5, expiresIn - REFRESH_MARGIN_SEC) * 1000;
}

async function errorOf(r: Response): Promise<ApiError> {
  let code = "http_" + r.status;
  let message = r.statusText || "request failed";
  try {
    const body = await r.json();
    if (body && body.error) {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? message);
    }
  } catch {
    // not JSON: keep the status
  }
  return new ApiError(r.status, code, message);
}

export class ApiClient {
  private token: string | null = null;
  private timer: unknown = null;
  private refreshing: Promise<boolean> | null = null;
  onSignedOut: () => void = () => {};

  constructor(
    private readonly fetchFn: Fetch = (i, init) => fetch(i, init),
    private readonly timers: Timers = browserTimers,
  ) {}

  get signedIn(): boolean {
    return this.token !== null;
  }

  private adopt(answer: TokenAnswer) {
    this.token = answer.access_token;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      void this.refresh().then((ok) => {
        if (!ok) this.signedOut();
      });
    }, refreshDelayMs(answer.expires_in));
  }

  private signedOut() {
    this.forget();
    this.onSignedOut();
  }

  private forget() {
    this.token = null;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  // Spends the session cookie for a new access token; false when there is
  // no live session. The cookie is single use (a second refresh with the
  // same one revokes the session), so concurrent callers share one refresh,
  // and tabs of the same browser take turns through a Web Lock: each then
  // sends the cookie the previous one received.
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const call = () =>
          this.fetchFn("/v1/auth/refresh", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ session: "cookie" }),
            credentials: "same-origin",
          });
        const locks = typeof navigator === "undefined" ? undefined : (navigator as Navigator).locks;
        const r = locks ? await locks.request("scriptmesh-session-refresh", call) : await call();
        if (!r.ok) {
          this.forget();
          return false;
        }
        this.adopt((await r.json()) as TokenAnswer);
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async login(email: string, password: string): Promise<void> {
    const answer = await this.send<TokenAnswer>("POST", "/v1/auth/login", {
      email,
      password,
      session: "cookie",
    }, false);
    this.adopt(answer);
  }

  async logout(): Promise<void> {
    try {
      await this.send("POST", "/v1/auth/logout", {}, false);
    } finally {
      this.forget();
    }
  }

  // A JSON call. `auth` false: no token, no retry (the public auth routes).
  async send<T = unknown>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const r = await this.raw(method, path, body, auth);
    if (r.status === 204) return undefined as T;
    return (await r.json()) as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  // The response itself (for output bytes and their headers); throws
  // ApiError on any non-2xx answer.
  async raw(method: string, path: string, body?: unknown, auth = true, signal?: AbortSignal): Promise<Response> {
    const attempt = () => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (auth && this.token) headers["Authorization"] = "Bearer " + this.token;
      return this.fetchFn(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        signal,
      });
    };
    let r = await attempt();
    if (auth && r.status === 401) {
      if (await this.refresh()) {
        r = await attempt();
      }
      if (r.status === 401) {
        const err = await errorOf(r);
        this.signedOut();
        throw err;
      }
    }
    if (!r.ok) throw await errorOf(r);
    return r;
  }
}

export const api = new ApiClient();

// Query string from the set fields of `params`.
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? "?" + s : "";
}
