"""Client authentication at token and PAR endpoints (OIDC Core 9, RFC 7523).

Methods: ``client_secret_basic``, ``client_secret_post``, ``client_secret_jwt`` (an HS256
assertion keyed by the secret), ``private_key_jwt`` (an assertion signed by a key of the
client's registered JWKS) and ``none`` for public clients. A client must use the method it is
registered for. Assertions must name the client as ``iss`` and ``sub``, this server as ``aud``,
carry an ``exp`` in the future by the sandbox clock, and a ``jti`` never seen before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import jwt

from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REPLAY_KIND = "sandbox.assertion_jti"
SECRET_ALGS = ("HS256", "HS384", "HS512")
KEY_ALGS = ("RS256", "PS256", "ES256", "RS384", "PS384", "ES384", "RS512", "PS512")
METHODS = (
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
)


def invalid_client(description: str) -> ApiError:
    return oauth_error(401, "invalid_client", description, **{"WWW-Authenticate": "Basic"})


def authenticate_client(
    tx: Tx,
    ns: str,
    *,
    provider: str,
    headers: dict[str, str],
    form: dict[str, str],
    audiences: set[str],
    now: datetime,
) -> dict[str, Any]:
    """The registered client the request authenticates as, or an ``invalid_client`` error."""
    method, client_id, credential = _presented(headers, form)
    client = tx.get(ns, CLIENT_KIND, client_id)
    if client is None or client["provider"] != provider:
        raise invalid_client(f"unknown client {client_id!r}")
    registered = client.get("token_endpoint_auth_method") or "client_secret_basic"
    if method != registered:
        raise invalid_client(f"this client is registered for {registered}, not {method}")
    if method in ("client_secret_basic", "client_secret_post"):
        if not _same(credential, client.get("client_secret")):
            raise invalid_client("wrong client secret")
    elif method in ("client_secret_jwt", "private_key_jwt"):
        claims = _verify_assertion(client, credential, method, audiences)
        _check_assertion_claims(tx, ns, client_id, claims, now)
    return client


def _presented(headers: dict[str, str], form: dict[str, str]) -> tuple[str, str, str]:
    """(method, client_id, secret or assertion) as the request presents them."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except ValueError as exc:  # not base64 (or not even ASCII), or not UTF-8
            raise invalid_client("malformed Basic credentials") from exc
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise invalid_client("malformed Basic credentials")
        # RFC 6749 2.3.1: both parts are form-urlencoded before encoding.
        return "client_secret_basic", unquote(client_id), unquote(secret)
    assertion = form.get("client_assertion")
    if assertion is not None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise invalid_client(f"client_assertion_type must be {ASSERTION_TYPE}")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise invalid_client("the client assertion is not a well-formed JWT") from exc
        alg = str(header.get("alg"))
        if alg not in SECRET_ALGS + KEY_ALGS:
            raise invalid_client(f"client assertions signed with {alg!r} are not accepted")
        method = "client_secret_jwt" if alg in SECRET_ALGS else "private_key_jwt"
        client_id = form.get("client_id") or str(claims.get("sub") or claims.get("iss") or "")
        return method, client_id, assertion
    if "client_secret" in form:
        return "client_secret_post", form.get("client_id", ""), form["client_secret"]
    if form.get("client_id"):
        return "none", form["client_id"], ""
    raise invalid_client("no client authentication was presented")


def _same(given: str, expected: Any) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(given.encode(), expected.encode())


def _verify_assertion(
    client: dict[str, Any], assertion: str, method: str, audiences: set[str]
) -> dict[str, Any]:
    alg = str(jwt.get_unverified_header(assertion).get("alg"))
    try:
        if method == "client_secret_jwt":
            key: Any = (client.get("client_secret") or "").encode()
        else:
            key = _client_key(client, assertion, alg)
        claims: dict[str, Any] = jwt.decode(
            assertion,
            key,
            algorithms=[alg],
            audience=list(audiences),
            options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_exp": False},
        )
    except jwt.InvalidAudienceError as exc:
        raise invalid_client("the client assertion is for another audience") from exc
    except jwt.PyJWTError as exc:
        raise invalid_client(f"the client assertion does not verify: {exc}") from exc
    return claims


def _client_key(client: dict[str, Any], assertion: str, alg: str) -> Any:
    keys = (client.get("jwks") or {}).get("keys") or []
    if not keys:
        raise invalid_client("this client has no registered keys")
    kid = jwt.get_unverified_header(assertion).get("kid")
    candidates = [k for k in keys if kid is None or k.get("kid") == kid]
    for jwk in candidates:
        if jwk.get("alg") not in (None, alg):
            continue
        try:
            return jwt.PyJWK(jwk, algorithm=alg).key
        except jwt.PyJWTError:
            continue
    raise invalid_client("no registered key of this client matches the assertion")


def _check_assertion_claims(
    tx: Tx, ns: str, client_id: str, claims: dict[str, Any], now: datetime
) -> None:
    if claims["iss"] != client_id or claims["sub"] != client_id:
        raise invalid_client("a client assertion's iss and sub must be the client_id")
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= now.timestamp():
        raise invalid_client("the client assertion has expired")
    # The jti is the client's to choose, of any length: the store's keys are bounded.
    jti_digest = hashlib.sha256(str(claims["jti"]).encode()).hexdigest()
    replay_id = f"{client_id}:{jti_digest}"
    if tx.lock(ns, REPLAY_KIND, replay_id) is not None:
        raise invalid_client("this client assertion has been used before (jti replayed)")
    tx.put(ns, REPLAY_KIND, replay_id, {"exp": claims["exp"]}, tenant=client_id)
