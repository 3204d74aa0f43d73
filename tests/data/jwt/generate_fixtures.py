#!/usr/bin/python3
"""Writes pyjwt_tokens.json: tokens made by PyJWT, an implementation
independent of ours, that tests/unit/core/jwt_test.cpp feeds to
JwtSigner::verify.

Run once with Debian's python3-jwt, check the output in, and rerun only when
adding cases:

    /usr/bin/python3 tests/data/jwt/generate_fixtures.py > tests/data/jwt/pyjwt_tokens.json

HMAC tokens come out the same on every run. The RS256 token uses a key made
on the spot, so it differs each run; the test only needs it to be refused.
"""

import json
import sys

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

SECRET = "pyjwt-fixture-secret-0123456789abcdef"
OTHER_SECRET = "not-the-fixture-secret-0123456789abcdef"
NOW = 1795687200  # 2026-11-26T10:00:00Z, the start of tests/support/fake_clock.hpp
ISSUER = "scriptmesh"
AUDIENCE = "scriptmesh-api"


def base_claims(**changes):
    claims = {
        "sub": "user-42",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW - 60,
        "exp": NOW + 900,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def hs(claims, algorithm="HS256", key=SECRET, headers=None):
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def expected(claims):
    """The JwtClaims our verifier should return for an accepted token."""
    out = {
        "sub": claims["sub"],
        "iss": claims.get("iss", ""),
        "aud": AUDIENCE,
        "iat": int(claims.get("iat", 0) // 1),
        "exp": int(claims["exp"] // 1),
        "nbf": int(claims["nbf"] // 1) if "nbf" in claims else None,
        "extra": {},
    }
    for key, value in claims.items():
        if key in ("sub", "iss", "aud", "iat", "exp", "nbf"):
            continue
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            out["extra"][key] = value
    return out


def accepted(name, claims, **kwargs):
    return {"name": name, "token": hs(claims, **kwargs), "expect": "ok", "claims": expected(claims)}


def refused(name, token, code="invalid_token"):
    return {"name": name, "token": token, "expect": code}


def rs256_token():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(base_claims(), key, algorithm="RS256")


def cases():
    extras = base_claims(tenant="t-7", role="admin", n=12345, flag=True, ratio=0.5,
                         tags=["a", "b"], meta={"k": "v"}, nothing=None)
    return [
        accepted("hs256_typical", base_claims(tenant="t-7", role="admin")),
        accepted("hs256_extra_claim_types", extras),
        accepted("hs256_aud_array", base_claims(aud=["billing", AUDIENCE])),
        accepted("hs256_nbf_past", base_claims(nbf=NOW - 60)),
        accepted("hs256_kid_header", base_claims(), headers={"kid": "key-1"}),
        accepted("hs256_fractional_times", base_claims(iat=NOW - 60.75, exp=NOW + 900.5)),
        accepted("hs256_exp_within_leeway", base_claims(exp=NOW - 10)),
        accepted("hs256_unicode_sub", base_claims(sub="j\u00fcrgen-\u2713")),
        refused("hs256_aud_array_without_ours", hs(base_claims(aud=["billing", "admin"]))),
        refused("hs256_wrong_audience", hs(base_claims(aud="billing"))),
        refused("hs256_wrong_issuer", hs(base_claims(iss="someone-else"))),
        refused("hs256_no_exp", hs(base_claims(exp=None))),
        refused("hs256_no_sub", hs(base_claims(sub=None))),
        refused("hs256_expired", hs(base_claims(exp=NOW - 3600)), "token_expired"),
        refused("hs256_nbf_future", hs(base_claims(nbf=NOW + 3600)), "token_not_yet_valid"),
        refused("hs256_iat_future", hs(base_claims(iat=NOW + 3600)), "token_not_yet_valid"),
        refused("hs256_wrong_secret", hs(base_claims(), key=OTHER_SECRET)),
        refused("hs384", hs(base_claims(), algorithm="HS384")),
        refused("hs512", hs(base_claims(), algorithm="HS512")),
        refused("alg_none", jwt.encode(base_claims(), None, algorithm="none")),
        refused("rs256", rs256_token()),
    ]


def main():
    fixture = {
        "generator": "tests/data/jwt/generate_fixtures.py with PyJWT " + jwt.__version__,
        "secret": SECRET,
        "now": NOW,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "leeway": 30,
        # Our signer must produce this exact text for these claims: PyJWT
        # sorts header keys and keeps payload key order, as we do.
        "same_bytes": {
            "claims": {"sub": "user-42", "iss": ISSUER, "aud": AUDIENCE,
                       "iat": NOW - 60, "exp": NOW + 900, "role": "admin", "tenant": "t-7"},
            "token": hs({"sub": "user-42", "iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 60,
                         "exp": NOW + 900, "role": "admin", "tenant": "t-7"}),
        },
        "tokens": cases(),
    }
    json.dump(fixture, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
