import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, query, refreshDelayMs } from "../src/api";

interface Call {
  url: string;
  init: RequestInit;
}

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

// A fake server: answers by "METHOD path" from a queue per key.
function fakeFetch(routes: Record<string, Response[]>) {
  const calls: Call[] = [];
  const fn = async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    const key = `${init.method ?? "GET"} ${url}`;
    const queue = routes[key];
    if (!queue || queue.length === 0) throw new Error("unexpected " + key);
    return queue.shift()!;
  };
  return { fn, calls };
}

function manualTimers() {
  const pending: { fn: () => void; ms: number; id: number }[] = [];
  let next = 1;
  return {
    pending,
    set(fn: () => void, ms: number) {
      const id = next++;
      pending.push({ fn, ms, id });
      return id;
    },
    clear(id: unknown) {
      const i = pending.findIndex((p) => p.id === id);
      if (i >= 0) pending.splice(i, 1);
    },
  };
}

const token = (t: string, expires = 900) => json(200, { access_token: t, token_type: "Bearer", expires_in: expires });

describe("ApiClient", () => {
  it("logs in asking for a cookie session and sends the token after", async () => {
    const f = fakeFetch({ "POST /v1/auth/login": [token("A")], "GET /v1/me": [json(200, { role: "owner" })] });
    const c = new ApiClient(f.fn, manualTimers());
    await c.login("a@example.com", "pw");
    expect(JSON.parse(f.calls[0].init.body as string)).toEqual({ email: "a@example.com", password: "pw", session: "cookie" });
    expect(await c.get("/v1/me")).toEqual({ role: "owner" });
    expect((f.calls[1].init.headers as Record<string, string>)["Authorization"]).toBe("Bearer A");
  });

  it("schedules a silent refresh a minute before expiry, with a JSON content type", async () => {
    const timers = manualTimers();
    const f = fakeFetch({ "POST /v1/auth/login": [token("A", 900)], "POST /v1/auth/refresh": [token("B", 900)] });
    const c = new ApiClient(f.fn, timers);
    await c.login("a@example.com", "pw");
    expect(timers.pending).toHaveLength(1);
    expect(timers.pending[0].ms).toBe(840_000);
    timers.pending[0].fn();
    await new Promise((r) => setTimeout(r, 0));
    const refresh = f.calls[1];
    expect(refresh.url).toBe("/v1/auth/refresh");
    expect((refresh.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    expect(refresh.init.credentials).toBe("same-origin");
    expect(timers.pending).toHaveLength(1); // the next one, for token B
    expect(refreshDelayMs(30)).toBe(5000);
  });

  it("retries once after a 401 with a fresh token", async () => {
    const f = fakeFetch({
      "POST /v1/auth/login": [token("A")],
      "GET /v1/jobs": [json(401, { error: { code: "token_expired", message: "expired" } }), json(200, { jobs: [] })],
      "POST /v1/auth/refresh": [token("B")],
    });
    const c = new ApiClient(f.fn, manualTimers());
    await c.login("a@example.com", "pw");
    expect(await c.get("/v1/jobs")).toEqual({ jobs: [] });
    expect((f.calls[3].init.headers as Record<string, string>)["Authorization"]).toBe("Bearer B");
  });

  it("signs out when the session is revoked", async () => {
    const f = fakeFetch({
      "POST /v1/auth/login": [token("A")],
      "GET /v1/jobs": [json(401, { error: { code: "invalid_token", message: "revoked" } })],
      "POST /v1/auth/refresh": [json(401, { error: { code: "refresh_token_reused", message: "reused" } })],
    });
    const c = new ApiClient(f.fn, manualTimers());
    let signedOut = 0;
    c.onSignedOut = () => signedOut++;
    await c.login("a@example.com", "pw");
    await expect(c.get("/v1/jobs")).rejects.toMatchObject({ status: 401, code: "invalid_token" });
    expect(signedOut).toBe(1);
    expect(c.signedIn).toBe(false);
  });

  it("shares one refresh between concurrent callers (the cookie is single use)", async () => {
    const f = fakeFetch({ "POST /v1/auth/refresh": [token("A")] });
    const c = new ApiClient(f.fn, manualTimers());
    const [a, b] = await Promise.all([c.refresh(), c.refresh()]);
    expect(a && b).toBe(true);
    expect(f.calls).toHaveLength(1);
  });

  it("turns error bodies into ApiError with the stable code", async () => {
    const f = fakeFetch({ "POST /v1/auth/login": [json(401, { error: { code: "invalid_credentials", message: "wrong" } })] });
    const c = new ApiClient(f.fn, manualTimers());
    const e = await c.login("a@example.com", "x").catch((err) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe("invalid_credentials");
    expect(e.message).toBe("wrong");
  });
});

describe("query", () => {
  it("keeps set values only", () => {
    expect(query({ a: "1", b: "", c: undefined, d: null, e: 0 })).toBe("?a=1&e=0");
    expect(query({})).toBe("");
  });
});
