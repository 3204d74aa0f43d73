#!/usr/bin/env python3
"""The demo's REST steps: an account, an agent, and one job.

Run by scripts/demo.sh once the orchestrator answers. Everything goes through
the public REST API, as a user's own tooling would. The demo account's
password and the agent key are kept under the data directory (0600), so a
second `make demo` signs in again instead of registering.
"""
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.request

BASE, DATA_DIR, COMMAND = sys.argv[1], sys.argv[2], sys.argv[3]
EMAIL = "demo@scriptmesh.example"
STATE = os.path.join(DATA_DIR, "demo")


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=70) as resp:
            raw = resp.read()
            kind = resp.headers.get("Content-Type", "")
            return resp.status, (json.loads(raw) if "json" in kind and raw else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw.startswith(b"{") else raw)


def write_secret(name, text):
    path = os.path.join(STATE, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def verification_code():
    outbox = os.path.join(DATA_DIR, "outbox.jsonl")
    for _ in range(100):
        if os.path.exists(outbox):
            with open(outbox) as f:
                for line in reversed(f.read().splitlines()):
                    msg = json.loads(line)
                    found = re.search(r"\b(\d{6})\b", msg.get("text", ""))
                    if msg.get("to") == EMAIL and found:
                        return found.group(1)
        time.sleep(0.1)
    sys.exit("demo: no verification e-mail in " + outbox)


def sign_in():
    password_file = os.path.join(STATE, "password")
    if not os.path.exists(password_file):
        password = secrets.token_urlsafe(18)
        status, body = call("POST", "/v1/auth/register",
                            {"email": EMAIL, "password": password, "tenant_name": "Demo"})
        if status != 201:
            sys.exit(f"demo: register failed: {status} {body}")
        status, body = call("POST", "/v1/auth/verify", {"email": EMAIL, "code": verification_code()})
        if status != 200:
            sys.exit(f"demo: verify failed: {status} {body}")
        write_secret("password", password)
    with open(password_file) as f:
        password = f.read()
    status, body = call("POST", "/v1/auth/login", {"email": EMAIL, "password": password})
    if status != 200:
        sys.exit(f"demo: login failed: {status} {body}")
    return body["access_token"]


def agent_key(token):
    key_file = os.path.join(STATE, "agent.key")
    if not os.path.exists(key_file):
        status, body = call("POST", "/v1/agents", {"name": "local", "tags": ["demo"]}, token)
        if status != 201:
            sys.exit(f"demo: creating the agent failed: {status} {body}")
        write_secret("agent.key", body["key"])
        write_secret("agent.id", body["id"])
    return key_file


def setup():
    os.makedirs(STATE, mode=0o700, exist_ok=True)
    token = sign_in()
    print(agent_key(token))


def run_job():
    token = sign_in()
    with open(os.path.join(STATE, "agent.id")) as f:
        agent_id = f.read()
    for _ in range(100):
        status, body = call("GET", f"/v1/agents/{agent_id}", token=token)
        if status == 200 and body.get("status") == "online":
            break
        time.sleep(0.1)
    status, body = call("POST", "/v1/jobs", {"agent_id": agent_id, "script": "hello",
                                             "params": {"NAME": "ScriptMesh"}}, token)
    if status != 202:
        sys.exit(f"demo: trigger failed: {status} {body}")
    job_id = body["job_id"]
    status, job = call("GET", f"/v1/jobs/{job_id}?wait=30", token=token)
    _, out = call("GET", f"/v1/jobs/{job_id}/output?stream=stdout", token=token)
    _, err = call("GET", f"/v1/jobs/{job_id}/output?stream=stderr", token=token)
    print(f"job {job_id}: {job.get('status')} exit_code={job.get('exit_code')} "
          f"duration_ms={job.get('duration_ms')}")
    print("--- stdout ---\n" + out.decode(errors="replace") + "--- stderr ---\n" +
          err.decode(errors="replace"), end="")
    if job.get("status") != "succeeded":
        sys.exit("demo: the job did not succeed")


{"setup": setup, "run-job": run_job}[COMMAND]()
