#!/usr/bin/python3
"""Writes python_tokens.json: Fernet tokens made by python3-cryptography.

The C++ unit tests decrypt these to prove that tokens from an independent
implementation are accepted. Run with Debian's interpreter from this directory:

    /usr/bin/python3 make_python_tokens.py > python_tokens.json

Keys and timestamps are fixed so the tests can use a fake clock; the IVs are
random, so each run gives different (equally valid) tokens.
"""
import base64
import hashlib
import json
import sys

from cryptography.fernet import Fernet

# 2026-11-26T10:00:00Z, the FakeClock's default start.
TIMESTAMP = 1795687200

KEYS = [
    base64.urlsafe_b64encode(bytes(range(32))).decode(),
    base64.urlsafe_b64encode(hashlib.sha256(b"scriptmesh fernet fixture").digest()).decode(),
]

PLAINTEXTS = [
    ("empty", b""),
    ("text", b"hello, ScriptMesh"),
    ("one_block", b"0123456789abcdef"),
    ("binary", bytes([0, 1, 0x7F, 0x80, 0xC3, 0x28, 0xFE, 0xFF, 0, 0x0A, 0x0D]) + bytes(range(256))),
    ("utf8", "gr\u00fc\u00dfe \u2603".encode("utf-8")),
]


def main():
    cases = []
    for key_index, key in enumerate(KEYS):
        fernet = Fernet(key.encode())
        for name, plaintext in PLAINTEXTS:
            token = fernet.encrypt_at_time(plaintext, TIMESTAMP)
            cases.append({
                "name": f"{name}/key{key_index + 1}",
                "key": key,
                "timestamp": TIMESTAMP,
                "plaintext_hex": plaintext.hex(),
                "token": token.decode(),
            })
    json.dump({"generator": "python3-cryptography Fernet.encrypt_at_time", "cases": cases},
              sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
