#!/usr/bin/python3
"""Writes python_signatures.json: X-ScriptMesh-Signature headers made by Python.

The C++ unit tests (tests/unit/core/delivery/webhook_signing_test.cpp) sign the
same inputs and must produce these headers byte for byte, and must accept
them; tests/interop/webhook_signature_test.py checks that this file still
matches what hmac/hashlib compute. Regenerate with Debian's interpreter:

    /usr/bin/python3 make_python_signatures.py > python_signatures.json

Everything is deterministic: running it again gives the same file.
"""
import hashlib
import hmac
import json
import sys

# 2026-11-26T10:00:00Z, the FakeClock's default start.
TIMESTAMP = 1795687200

SECRETS = [
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwZr8h1uUe7Ao",
    "whsec_" + "A" * 43,
]

BODIES = [
    ("empty", b""),
    ("job", b'{"event":"job.finished","job_id":"job_1","status":"succeeded","exit_code":0}'),
    ("unicode", '{"stdout":"gr\u00fc\u00dfe \u2603\\n"}'.encode("utf-8")),
    ("binary", bytes([0, 1, 0x7F, 0x80, 0xC3, 0x28, 0xFE, 0xFF, 0x2E, 0x0A, 0x0D]) + bytes(range(256))),
    ("dots_and_commas", b"1795687200.t=1,v1=ab"),
]


def header(secret, timestamp, body):
    mac = hmac.new(secret.encode("ascii"), str(timestamp).encode("ascii") + b"." + body,
                   hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def cases():
    out = []
    for secret_index, secret in enumerate(SECRETS):
        for name, body in BODIES:
            for timestamp in (TIMESTAMP, 0):
                out.append({
                    "name": f"{name}/secret{secret_index + 1}/t{timestamp}",
                    "secret": secret,
                    "timestamp": timestamp,
                    "body_hex": body.hex(),
                    "header": header(secret, timestamp, body),
                })
    return out


def main():
    json.dump({"generator": "python3 hmac.new(secret, b'<t>.' + body, hashlib.sha256)",
               "cases": cases()}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
