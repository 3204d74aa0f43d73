#!/usr/bin/python3
"""Checks the X-ScriptMesh-Signature scheme against Python's hmac/hashlib.

Run by ctest as

    /usr/bin/python3 tests/interop/webhook_signature_test.py <scriptmesh-orchestrator>

The scheme (docs/webhooks.md): the header is "t=<unix seconds>,v1=<hex>" with
v1 = lowercase hex HMAC-SHA256(key = the secret "whsec_..." as bytes,
message = b"<t>." + raw body).

The CLI contract under test:
  webhook sign [--timestamp T]    prints the header for the body on stdin and a
                                  newline (T defaults to now);
  webhook verify --header H [--tolerance S] [--now T]
                                  exits 0 when H signs the body on stdin, else
                                  non-zero with the reason on stderr and nothing
                                  on stdout.
The secret comes from SCRIPTMESH_WEBHOOK_SECRET only.

It also checks that tests/data/webhooks/python_signatures.json, which the C++
unit tests compare against byte for byte, is what hmac/hashlib compute.

Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""
import hashlib
import hmac
import json
import os
import pathlib
import re
import secrets
import subprocess
import sys
import time
import traceback

TIMEOUT_SECONDS = 60
SECRET_ENV = "SCRIPTMESH_WEBHOOK_SECRET"
FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "data" / "webhooks" / "python_signatures.json"
HEADER_PATTERN = re.compile(rb"\At=(\d+),v1=([0-9a-f]{64})\n\Z")
# 2026-11-26T10:00:00Z
T0 = 1795687200
BODIES = [
    b"",
    b'{"event":"job.finished","job_id":"job_1","status":"succeeded","exit_code":0}',
    '{"stdout":"gr\u00fc\u00dfe \u2603\\n"}'.encode("utf-8"),
    b"\x00binary\x00\xff\xfe\x80\xc3\x28 \r\n" + bytes(range(256)),
    b"1795687200.t=1,v1=ab\n\n",
]


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def python_header(secret, timestamp, body):
    mac = hmac.new(secret.encode("ascii"), str(timestamp).encode("ascii") + b"." + body,
                   hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


class Cli:
    def __init__(self, binary):
        self.binary = binary

    def run(self, args, body, secret):
        env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
        if secret is not None:
            env[SECRET_ENV] = secret
        return subprocess.run([self.binary, "webhook", *args], input=body, capture_output=True,
                              env=env, timeout=TIMEOUT_SECONDS, check=False)

    def sign(self, secret, body, timestamp=None):
        args = ["sign"] + (["--timestamp", str(timestamp)] if timestamp is not None else [])
        result = self.run(args, body, secret)
        expect(result.returncode == 0, f"sign exited {result.returncode}: {result.stderr!r}")
        expect(HEADER_PATTERN.match(result.stdout), f"sign printed {result.stdout[:100]!r}")
        return result.stdout.decode().strip()

    def verify(self, secret, header, body, now=None, tolerance=None):
        args = ["verify", "--header", header]
        if now is not None:
            args += ["--now", str(now)]
        if tolerance is not None:
            args += ["--tolerance", str(tolerance)]
        return self.run(args, body, secret)


def expect_accepted(result, what):
    expect(result.returncode == 0, f"{what}: exit {result.returncode}, stderr {result.stderr!r}")


def expect_rejected(result, what, code):
    expect(result.returncode != 0, f"{what}: exit code 0, expected a rejection")
    expect(result.stdout == b"", f"{what}: wrote {result.stdout[:80]!r} to stdout")
    expect(code.encode() in result.stderr, f"{what}: stderr {result.stderr!r} does not name {code}")


# ---------------------------------------------------------------------- checks

def check_fixture_matches_hmac(_cli):
    cases = json.loads(FIXTURE.read_text())["cases"]
    expect(len(cases) >= 10, f"only {len(cases)} cases in {FIXTURE}")
    for case in cases:
        body = bytes.fromhex(case["body_hex"])
        expected = python_header(case["secret"], case["timestamp"], body)
        expect(case["header"] == expected, f"{case['name']}: fixture {case['header']}, hmac {expected}")


def check_cli_sign_matches_hmac_exactly(cli):
    for secret in (new_secret(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZr8h1uUe7Ao"):
        for body in BODIES:
            for timestamp in (T0, 0, 4102444800):
                got = cli.sign(secret, body, timestamp)
                want = python_header(secret, timestamp, body)
                expect(got == want, f"body {body[:30]!r} t={timestamp}: CLI {got}, Python {want}")


def check_worked_example_of_the_docs(cli):
    body = b'{"event":"job.finished","job_id":"job_1","status":"succeeded","exit_code":0}'
    got = cli.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZr8h1uUe7Ao", body, T0)
    expect(got == "t=1795687200,v1=1aaebc378a53d25be0f0e6e2b74ded99ffc0fdf0f627ab50f25ac9b5186dad4f",
           f"docs/webhooks.md example signs as {got}")


def check_cli_sign_defaults_to_now(cli):
    secret = new_secret()
    before = int(time.time())
    header = cli.sign(secret, b"{}")
    after = int(time.time())
    t = int(header.split(",")[0][2:])
    expect(before <= t <= after, f"t={t} is not between {before} and {after}")
    expect(header == python_header(secret, t, b"{}"), "signature mismatch with the printed t")


def check_large_body(cli):
    secret = new_secret()
    body = os.urandom(1 << 20)
    expect(cli.sign(secret, body, T0) == python_header(secret, T0, body), "1 MiB body")
    expect_accepted(cli.verify(secret, python_header(secret, T0, body), body, now=T0), "1 MiB body")


def check_cli_verifies_python_headers(cli):
    secret = new_secret()
    for body in BODIES:
        header = python_header(secret, T0, body)
        expect_accepted(cli.verify(secret, header, body, now=T0), f"body {body[:30]!r}")
        expect_accepted(cli.verify(secret, header, body, now=T0 + 300), "300 s old")
        expect_accepted(cli.verify(secret, header, body, now=T0 - 300), "300 s early")
    # Several v1 entries (a rollover) and unknown schemes are understood.
    body = BODIES[1]
    old = python_header("whsec_old", T0, body).split(",")[1]
    new = python_header(secret, T0, body).split(",")[1]
    expect_accepted(cli.verify(secret, f"t={T0},{old},v0=abc,{new}", body, now=T0), "two v1 entries")
    # The current time is the default --now.
    now = int(time.time())
    expect_accepted(cli.verify(secret, python_header(secret, now, body), body), "signed just now")


def check_cli_rejects_tampering(cli):
    secret = new_secret()
    body = BODIES[1]
    header = python_header(secret, T0, body)
    expect_rejected(cli.verify(secret, header, body + b" ", now=T0), "body altered",
                    "signature_mismatch")
    expect_rejected(cli.verify(secret, header.replace(f"t={T0}", f"t={T0 + 1}"), body, now=T0),
                    "timestamp altered", "signature_mismatch")
    expect_rejected(cli.verify(new_secret(), header, body, now=T0), "another secret",
                    "signature_mismatch")
    sig = header.split("v1=")[1]
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    expect_rejected(cli.verify(secret, f"t={T0},v1={flipped}", body, now=T0), "signature altered",
                    "signature_mismatch")


def check_cli_rejects_stale_and_future(cli):
    secret = new_secret()
    body = BODIES[1]
    header = python_header(secret, T0, body)
    expect_rejected(cli.verify(secret, header, body, now=T0 + 301), "301 s old",
                    "timestamp_out_of_tolerance")
    expect_rejected(cli.verify(secret, header, body, now=T0 - 301), "301 s in the future",
                    "timestamp_out_of_tolerance")
    expect_accepted(cli.verify(secret, header, body, now=T0 + 3000, tolerance=3600), "--tolerance")
    expect_rejected(cli.verify(secret, header, body, now=T0 + 11, tolerance=10), "--tolerance 10",
                    "timestamp_out_of_tolerance")


def check_cli_rejects_malformed_headers(cli):
    secret = new_secret()
    body = BODIES[1]
    sig = python_header(secret, T0, body).split("v1=")[1]
    for header in ["", f"v1={sig}", f"t={T0}", f"t=abc,v1={sig}", f"t={T0},v1{sig}"]:
        expect_rejected(cli.verify(secret, header, body, now=T0), f"header {header!r}",
                        "invalid_signature_header")


def check_docs_recipe_accepts_cli_headers(cli):
    # The Python receiver of docs/webhooks.md, verbatim in behaviour.
    def verify(secret, header, body, now):
        timestamp, signatures = None, []
        for item in header.split(","):
            key, sep, value = item.strip().partition("=")
            if not sep:
                return False
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value)
        if timestamp is None or not timestamp.isdigit() or not signatures:
            return False
        expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            return False
        return abs(now - int(timestamp)) <= 300

    secret = new_secret()
    for body in BODIES:
        header = cli.sign(secret, body, T0)
        expect(verify(secret, header, body, T0), f"recipe refused {header} for {body[:30]!r}")
        expect(not verify(secret, header, body + b"x", T0), "recipe accepted an altered body")
        expect(not verify(secret, header, body, T0 + 301), "recipe accepted a stale header")


def check_missing_secret_fails(cli):
    result = cli.run(["sign", "--timestamp", str(T0)], b"{}", None)
    expect(result.returncode != 0, "sign without SCRIPTMESH_WEBHOOK_SECRET succeeded")
    expect(result.stdout == b"", f"sign without a secret printed {result.stdout!r}")
    result = cli.run(["verify", "--header", f"t={T0},v1=00"], b"{}", "")
    expect(result.returncode != 0, "verify with an empty secret succeeded")


CHECKS = [
    check_fixture_matches_hmac,
    check_cli_sign_matches_hmac_exactly,
    check_worked_example_of_the_docs,
    check_cli_sign_defaults_to_now,
    check_large_body,
    check_cli_verifies_python_headers,
    check_cli_rejects_tampering,
    check_cli_rejects_stale_and_future,
    check_cli_rejects_malformed_headers,
    check_docs_recipe_accepts_cli_headers,
    check_missing_secret_fails,
]


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} <path-to-scriptmesh-orchestrator>", file=sys.stderr)
        return 2
    cli = Cli(argv[1])
    passed = failed = 0
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            check(cli)
        except CheckFailed as e:
            failed += 1
            print(f"FAIL {name}: {e}")
        except Exception:  # a crash in the check or the CLI is a failure, with its trace
            failed += 1
            print(f"FAIL {name}:\n{traceback.format_exc()}")
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
