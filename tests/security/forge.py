"""Forged and broken JWTs: what an attacker (or a buggy client) sends instead of a real one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, claims, signature segment) of a compact JWS, unverified."""
    head, body, signature = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))),
        json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))),
        signature,
    )


def unsigned(claims: dict[str, Any], **header: Any) -> str:
    """``alg: none``: anyone can write it."""
    return f"{segment({'alg': 'none', 'typ': 'JWT', **header})}.{segment(claims)}."


def with_claims(token: str, **changes: Any) -> str:
    """The token with its claims changed and its original signature kept."""
    head, claims, signature = token.split(".")[0], parts(token)[1], token.split(".")[2]
    return f"{head}.{segment({**claims, **changes})}.{signature}"


def with_broken_signature(token: str) -> str:
    head, body, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{head}.{body}.{flipped}{signature[1:]}"


def strange_key() -> rsa.RSAPrivateKey:
    """An RSA key nobody registered."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def resigned(token: str, key: Any, **changes: Any) -> str:
    """The token's header and claims (changed as asked), signed with ``key`` instead."""
    header, claims, _ = parts(token)
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    return jwt.encode({**claims, **changes}, key, algorithm=header["alg"], headers=extra)


def hs256_keyed_with_public_key(claims: dict[str, Any], public_key: Any, **header: Any) -> str:
    """Algorithm confusion: an HMAC "signature" keyed with an RSA public key's PEM (PyJWT will
    not make one, rightly, so it is made by hand)."""
    secret = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{segment({**header, 'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"
