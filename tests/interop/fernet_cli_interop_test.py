#!/usr/bin/python3
"""Checks `scriptmesh-orchestrator fernet ...` against python3-cryptography.

Run by ctest as

    /usr/bin/python3 tests/interop/fernet_cli_interop_test.py <scriptmesh-orchestrator>

The CLI contract under test:
  fernet generate-key      prints one key (44 characters of URL-safe base64) and a newline;
  fernet encrypt           encrypts every byte of stdin, prints the token and a newline;
  fernet decrypt [--ttl S] reads a token from stdin (surrounding whitespace ignored) and
                           writes the exact plaintext bytes to stdout; a bad token exits
                           non-zero with a message on stderr and nothing on stdout.
Keys come from SCRIPTMESH_FERNET_KEYS (comma-separated; the first one encrypts).

Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""
import base64
import os
import re
import subprocess
import sys
import time
import traceback

try:
    from cryptography.fernet import Fernet, InvalidToken
except ImportError as e:  # a build dependency: fail loudly, never skip
    print(f"python3-cryptography is required for this test: {e}")
    print("0 passed, 1 failed")
    sys.exit(1)

TIMEOUT_SECONDS = 60
KEY_ENV = "SCRIPTMESH_FERNET_KEYS"
KEY_PATTERN = re.compile(rb"\A[A-Za-z0-9_-]{43}=\n\Z")
TOKEN_PATTERN = re.compile(rb"\A[A-Za-z0-9_-]+=*\n\Z")
# NULs, bytes that are not UTF-8, CR/LF and a trailing newline must all survive.
BINARY_PLAINTEXT = (b"\x00binary\x00\xff\xfe\x80\xc3\x28 \r\n" + bytes(range(256)) +
                    "gr\u00fc\u00dfe".encode("latin-1") + b"\n")


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class Cli:
    def __init__(self, binary):
        self.binary = binary

    def run(self, args, stdin=b"", keys=None):
        """Runs `<binary> fernet <args>`; SCRIPTMESH_FERNET_KEYS is set only when keys is given."""
        env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
        if keys is not None:
            env[KEY_ENV] = keys
        return subprocess.run([self.binary, "fernet", *args], input=stdin, capture_output=True,
                              env=env, timeout=TIMEOUT_SECONDS, check=False)

    def generate_key(self):
        result = self.run(["generate-key"])
        expect(result.returncode == 0, f"generate-key exited {result.returncode}: {result.stderr!r}")
        return result.stdout.decode().strip()

    def encrypt(self, plaintext, keys):
        result = self.run(["encrypt"], stdin=plaintext, keys=keys)
        expect(result.returncode == 0, f"encrypt exited {result.returncode}: {result.stderr!r}")
        expect(TOKEN_PATTERN.match(result.stdout), f"encrypt printed {result.stdout[:80]!r}")
        return result.stdout.strip()

    def decrypt(self, token, keys, ttl=None):
        args = ["decrypt"] + (["--ttl", str(ttl)] if ttl is not None else [])
        return self.run(args, stdin=token, keys=keys)

    def decrypt_ok(self, token, keys, ttl=None):
        result = self.decrypt(token, keys, ttl)
        expect(result.returncode == 0, f"decrypt exited {result.returncode}: {result.stderr!r}")
        return result.stdout


def expect_rejected(result, what):
    expect(result.returncode != 0, f"{what}: exit code 0, expected failure")
    expect(result.stdout == b"", f"{what}: wrote {result.stdout[:80]!r} to stdout")
    expect(result.stderr.strip() != b"", f"{what}: no message on stderr")


def new_key():
    return Fernet.generate_key().decode()


# ---------------------------------------------------------------------- checks

def check_generate_key_prints_one_key(cli):
    result = cli.run(["generate-key"])
    expect(result.returncode == 0, f"exit code {result.returncode}")
    expect(KEY_PATTERN.match(result.stdout), f"stdout is {result.stdout!r}")
    expect(len(base64.urlsafe_b64decode(result.stdout.strip())) == 32, "key is not 32 bytes")
    expect(cli.generate_key() != cli.generate_key(), "two generated keys are equal")


def check_generated_key_works_in_python(cli):
    key = cli.generate_key()
    fernet = Fernet(key.encode())
    token = fernet.encrypt(b"made by python with a CLI key")
    expect(cli.decrypt_ok(token, key) == b"made by python with a CLI key", "CLI decrypt mismatch")
    token = cli.encrypt(b"made by the CLI", key)
    expect(fernet.decrypt(token, ttl=300) == b"made by the CLI", "python decrypt mismatch")


def check_python_token_decrypts_via_cli_byte_exact(cli):
    key = new_key()
    token = Fernet(key.encode()).encrypt(BINARY_PLAINTEXT)
    out = cli.decrypt_ok(token + b"\n", key)
    expect(out == BINARY_PLAINTEXT, f"got {out[:40]!r}..., expected {BINARY_PLAINTEXT[:40]!r}...")


def check_cli_token_decrypts_in_python(cli):
    key = new_key()
    result = cli.run(["encrypt"], stdin=BINARY_PLAINTEXT, keys=key)
    expect(result.returncode == 0, f"exit code {result.returncode}: {result.stderr!r}")
    expect(TOKEN_PATTERN.match(result.stdout), f"stdout is not one token line: {result.stdout!r}")
    token = result.stdout.strip()
    expect(Fernet(key.encode()).decrypt(token, ttl=300) == BINARY_PLAINTEXT, "plaintext mismatch")
    expect(cli.encrypt(BINARY_PLAINTEXT, key) != token, "two encryptions gave the same token")


def check_empty_plaintext_both_ways(cli):
    key = new_key()
    expect(cli.decrypt_ok(Fernet(key.encode()).encrypt(b""), key) == b"", "CLI decrypt of b''")
    expect(Fernet(key.encode()).decrypt(cli.encrypt(b"", key)) == b"", "python decrypt of b''")


def check_large_plaintext_both_ways(cli):
    key = new_key()
    plaintext = os.urandom(1 << 20)
    token = cli.encrypt(plaintext, key)
    expect(Fernet(key.encode()).decrypt(token) == plaintext, "python decrypt of 1 MiB")
    expect(cli.decrypt_ok(token, key) == plaintext, "CLI decrypt of 1 MiB")


def check_decrypt_ignores_surrounding_whitespace(cli):
    key = new_key()
    token = Fernet(key.encode()).encrypt(b"padded")
    expect(cli.decrypt_ok(b"  \n\t" + token + b" \r\n\n", key) == b"padded", "plaintext mismatch")


def check_rotation_with_two_keys(cli):
    old, new = new_key(), new_key()
    ring = f"{new},{old}"
    old_token = Fernet(old.encode()).encrypt(b"before rotation")
    new_token = Fernet(new.encode()).encrypt(b"after rotation")
    expect(cli.decrypt_ok(old_token, ring) == b"before rotation", "old-key token")
    expect(cli.decrypt_ok(new_token, ring) == b"after rotation", "new-key token")
    expect(cli.decrypt_ok(old_token, f" {new} ,\n{old}\n") == b"before rotation",
           "whitespace around keys in the list")
    token = cli.encrypt(b"encrypted with the ring", ring)
    expect(Fernet(new.encode()).decrypt(token) == b"encrypted with the ring", "first key encrypts")
    try:
        Fernet(old.encode()).decrypt(token)
        raise CheckFailed("the second key decrypted a token the ring made: it did not use the first")
    except InvalidToken:
        pass
    expect_rejected(cli.decrypt(old_token, new), "old token after the old key was dropped")


def check_tampered_token_is_rejected(cli):
    key = new_key()
    token = Fernet(key.encode()).encrypt(b"do not trust me if altered").decode()
    middle = len(token) // 2
    tampered = token[:middle] + ("B" if token[middle] != "B" else "C") + token[middle + 1:]
    expect_rejected(cli.decrypt(tampered.encode(), key), "tampered token")
    expect_rejected(cli.decrypt(token[:-8].encode(), key), "truncated token")
    expect_rejected(cli.decrypt(b"not a token", key), "garbage")
    expect_rejected(cli.decrypt(b"", key), "empty stdin")
    expect_rejected(cli.decrypt(token.encode(), new_key()), "token from another key")


def check_ttl(cli):
    key = new_key()
    hour_old = Fernet(key.encode()).encrypt_at_time(b"an hour old", int(time.time()) - 3600)
    expect_rejected(cli.decrypt(hour_old, key, ttl=60), "expired token with --ttl 60")
    expect(cli.decrypt_ok(hour_old, key, ttl=7200) == b"an hour old", "--ttl 7200")
    expect(cli.decrypt_ok(hour_old, key) == b"an hour old", "no --ttl")


def check_missing_or_bad_keys_fail(cli):
    token = Fernet(new_key().encode()).encrypt(b"x")
    expect_rejected(cli.run(["decrypt"], stdin=token), "decrypt without SCRIPTMESH_FERNET_KEYS")
    expect_rejected(cli.run(["encrypt"], stdin=b"x"), "encrypt without SCRIPTMESH_FERNET_KEYS")
    expect_rejected(cli.run(["encrypt"], stdin=b"x", keys=""), "encrypt with empty keys")
    bad_key = "c2VjcmV0LWJ1dC1ub3QtYS12YWxpZC1rZXktdGV4dA"
    result = cli.run(["encrypt"], stdin=b"x", keys=f"{new_key()},{bad_key}")
    expect_rejected(result, "encrypt with an invalid second key")
    expect(bad_key.encode() not in result.stderr, "the error message repeats the key")


CHECKS = [
    check_generate_key_prints_one_key,
    check_generated_key_works_in_python,
    check_python_token_decrypts_via_cli_byte_exact,
    check_cli_token_decrypts_in_python,
    check_empty_plaintext_both_ways,
    check_large_plaintext_both_ways,
    check_decrypt_ignores_surrounding_whitespace,
    check_rotation_with_two_keys,
    check_tampered_token_is_rejected,
    check_ttl,
    check_missing_or_bad_keys_fail,
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
