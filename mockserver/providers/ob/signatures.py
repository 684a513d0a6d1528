"""``x-jws-signature``: the TPP's detached JWS over a request body (Read/Write API profile).

The header is ``<protected header>..<signature>``: a PS256 JWS whose payload, the exact body
bytes, was cut out. The protected header must carry ``kid`` and the three OBIE claims
(``http://openbanking.org.uk/iat``, ``/iss``, ``/tan``), all three and nothing else listed in
``crit``. The key is the client's own, from the JWKS it registered. Every failure is a 400 with
the profile's ``UK.OBIE.Signature.*`` code. ``--relax-jws`` turns the check off, for clients that
cannot sign yet (and for curl).

``iss`` must name the TPP: in the directory's form ``<org-id>/<software-statement-id>`` the
sandbox takes the client id as the software statement, so ``<anything>/<client_id>`` or the
bare client id. The trust anchor (``tan``) the sandbox trusts is ``openbanking.org.uk``.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import jwt
from jwt.api_jws import PyJWS

from mockserver.core.errors import ApiError

IAT = "http://openbanking.org.uk/iat"
ISS = "http://openbanking.org.uk/iss"
TAN = "http://openbanking.org.uk/tan"
OB_CLAIMS = (IAT, ISS, TAN)
TRUSTED_ANCHORS = ("openbanking.org.uk",)
ALGORITHM = "PS256"
HEADER = "x-jws-signature"


class _ObJws(PyJWS):
    """PyJWS that understands the OBIE critical header claims (it checks their values itself)."""

    _supported_crit = {"b64", *OB_CLAIMS}


def _refuse(message: str, code: str) -> ApiError:
    return ApiError(400, message, code=f"UK.OBIE.Signature.{code}", path=HEADER)


def verify(signature: str | None, body: bytes, client: dict[str, Any], now: datetime) -> None:
    """Check a request's detached signature, or raise the profile's 400."""
    if not signature:
        raise _refuse(
            "this request must be signed: the x-jws-signature header is missing", "Missing"
        )
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise _refuse("x-jws-signature must be a detached JWS: <header>..<signature>", "Malformed")
    header = _protected_header(parts[0])
    _check_header(header, client["client_id"], now)
    key = _client_key(client, str(header["kid"]))
    # b64=false (older profiles) signs the raw body; otherwise the base64url of it.
    legacy = header.get("b64") is False
    payload = "" if legacy else base64.urlsafe_b64encode(body).rstrip(b"=").decode()
    token = f"{parts[0]}.{payload}.{parts[2]}"
    try:
        _ObJws().decode_complete(
            token, key, algorithms=[ALGORITHM], detached_payload=body if legacy else None
        )
    except jwt.InvalidSignatureError as exc:
        raise _refuse("x-jws-signature does not match the body and the key", "Invalid") from exc
    except jwt.PyJWTError as exc:
        raise _refuse(f"x-jws-signature cannot be verified: {exc}", "Malformed") from exc


def _protected_header(segment: str) -> dict[str, Any]:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError) as exc:
        raise _refuse("the x-jws-signature header is not base64url JSON", "Malformed") from exc
    if not isinstance(header, dict):
        raise _refuse("the x-jws-signature header is not a JSON object", "Malformed")
    return header


def _check_header(header: dict[str, Any], client_id: str, now: datetime) -> None:
    for claim in ("alg", "kid", *OB_CLAIMS, "crit"):
        if claim not in header:
            raise _refuse(f"the signature's header has no {claim}", "MissingClaim")
    if header["alg"] != ALGORITHM:
        raise _refuse(f"signatures must use {ALGORITHM}, not {header['alg']}", "InvalidClaim")
    if header.get("typ", "JOSE") != "JOSE":
        raise _refuse("typ, when given, must be JOSE", "InvalidClaim")
    if header.get("cty", "application/json") not in ("json", "application/json"):
        raise _refuse("cty, when given, must be json or application/json", "InvalidClaim")
    crit = header["crit"]
    names = isinstance(crit, list) and all(isinstance(name, str) for name in crit)
    if not names or set(crit) - {"b64"} != set(OB_CLAIMS):
        raise _refuse(f"crit must list exactly {', '.join(OB_CLAIMS)}", "InvalidClaim")
    iat = header[IAT]
    if not isinstance(iat, int | float) or isinstance(iat, bool) or iat > now.timestamp():
        raise _refuse(f"{IAT} must be a time in the past (seconds since 1970)", "InvalidClaim")
    iss = str(header[ISS])
    if iss != client_id and not iss.endswith(f"/{client_id}"):
        raise _refuse(f"{ISS} must identify this TPP ({client_id})", "InvalidClaim")
    if header[TAN] not in TRUSTED_ANCHORS:
        raise _refuse(f"{TAN} must be one of {', '.join(TRUSTED_ANCHORS)}", "InvalidClaim")


def _client_key(client: dict[str, Any], kid: str) -> Any:
    for jwk in (client.get("jwks") or {}).get("keys") or []:
        if jwk.get("kid") != kid or jwk.get("use", "sig") != "sig":
            continue
        try:
            return jwt.PyJWK(jwk, algorithm=ALGORITHM).key
        except jwt.PyJWTError:
            continue
    raise _refuse(f"the TPP has no registered signing key with kid {kid}", "Invalid")
