"""Authorisation requests: query parameters, request objects (JAR) and pushed requests (PAR).

A request is checked in the order that decides where errors go: until the client and its
redirect URI are known good, errors are shown (never redirected); after that they go back to
the client's redirect URI with ``error`` and ``state``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jwt

from mockserver.core.errors import ApiError
from mockserver.core.ids import Ids
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx

REQUEST_KIND = "sandbox.auth_request"
PUSHED_KIND = "sandbox.pushed_request"
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "claims",
    "response_mode",
    "prompt",
)


class RedirectError(Exception):
    """An error to send back to the client's (already verified) redirect URI."""

    def __init__(self, request: dict[str, Any], error: str, description: str) -> None:
        super().__init__(description)
        self.request = request
        self.error = error
        self.description = description

    @property
    def location(self) -> str:
        params = {"error": self.error, "error_description": self.description}
        return redirect_location(self.request, params)


def redirect_location(request: dict[str, Any], params: dict[str, str]) -> str:
    """The client's redirect URI with ``params`` (and ``state``), in the right response mode."""
    if request.get("state") is not None:
        params = {**params, "state": request["state"]}
    fragment = request.get("response_mode") == "fragment"
    separator = "#" if fragment else ("&" if "?" in request["redirect_uri"] else "?")
    return f"{request['redirect_uri']}{separator}{urlencode(params)}"


def refuse(message: str) -> ApiError:
    """An error shown to the user agent: there is no redirect URI we may trust."""
    return ApiError(400, message, code="invalid_request")


def parse_authorization_request(
    tx: Tx,
    ns: str,
    profile: AuthServerProfile,
    params: dict[str, str],
    *,
    issuer: str,
    now: datetime,
    ids: Ids,
) -> dict[str, Any]:
    """Validate a request and store it; the stored record drives the page and the decision."""
    if not params.get("client_id") and params.get("request_uri"):
        # A pushed request names its client (Moneyhub's payment URLs carry only request_uri).
        pushed = tx.get(ns, PUSHED_KIND, str(params["request_uri"]).rsplit(":", 1)[-1])
        params = {**params, "client_id": str((pushed or {}).get("client_id") or "")}
    client = _client(tx, ns, profile, params.get("client_id"))
    params = _resolve(tx, ns, client, params, issuer=issuer, now=now)
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri or redirect_uri not in client["redirect_uris"]:
        raise refuse(f"redirect_uri {redirect_uri!r} is not registered for this client")
    response_type = params.get("response_type", "")
    request: dict[str, Any] = {
        "provider": profile.provider,
        "client_id": client["client_id"],
        "redirect_uri": redirect_uri,
        "response_type": response_type,
        # OIDC: responses that carry tokens go in the fragment unless asked otherwise.
        "response_mode": params.get("response_mode")
        or ("fragment" if "id_token" in response_type.split() else "query"),
        "scope": params.get("scope", "").split(),
        "state": params.get("state"),
        "nonce": params.get("nonce"),
        "code_challenge": params.get("code_challenge"),
        "code_challenge_method": params.get("code_challenge_method"),
        "claims": _claims(params.get("claims")),
    }
    _check(profile, client, request)
    if profile.request_rules is not None:
        problem = profile.request_rules(tx, ns, client, request)
        if problem is not None:
            raise RedirectError(request, *problem)
    request["consent_id"] = _intent(profile, request)
    request["id"] = ids.uuid(tx, ns, REQUEST_KIND)
    request["status"] = "pending"
    request["psu"] = None
    request["expires_at"] = int(now.timestamp()) + profile.request_lifetime
    tx.put(ns, REQUEST_KIND, request["id"], request, tenant=client["client_id"])
    return request


def hosted_request(
    tx: Tx,
    ns: str,
    profile: AuthServerProfile,
    *,
    client_id: str,
    consent_id: str,
    redirect_uri: str,
    scope: list[str],
    now: datetime,
    ids: Ids,
) -> dict[str, Any]:
    """A pending request opened by the provider itself, not by an OAuth authorisation URL.

    Aggregators such as Fena hand the client a page URL when it creates a consent; the page
    and its decision are the shared ones, and the adapter's ``Outcome.redirect_params`` say
    what the browser brings back.
    """
    request: dict[str, Any] = {
        "provider": profile.provider,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "none",
        "response_mode": "query",
        "scope": scope,
        "state": None,
        "nonce": None,
        "code_challenge": None,
        "code_challenge_method": None,
        "claims": {},
        "consent_id": consent_id,
        "id": ids.uuid(tx, ns, REQUEST_KIND),
        "status": "pending",
        "psu": None,
        "expires_at": int(now.timestamp()) + profile.request_lifetime,
    }
    tx.put(ns, REQUEST_KIND, request["id"], request, tenant=client_id)
    return request


def push_request(
    tx: Tx,
    ns: str,
    profile: AuthServerProfile,
    client: dict[str, Any],
    params: dict[str, str],
    *,
    issuer: str,
    now: datetime,
    ids: Ids,
    prefix: str = REQUEST_URI_PREFIX,
) -> tuple[str, int]:
    """RFC 9126: keep the parameters; return the ``request_uri`` and its lifetime.

    ``prefix``: the URI scheme of the provider's request URIs (RFC 9126's, or Moneyhub's
    ``urn:x-mh-request:``).
    """
    if "request_uri" in params:
        raise refuse("request_uri is not allowed in a pushed authorisation request")
    resolved = _resolve(tx, ns, client, params, issuer=issuer, now=now)
    redirect_uri = resolved.get("redirect_uri")
    if not redirect_uri or redirect_uri not in client["redirect_uris"]:
        raise refuse(f"redirect_uri {redirect_uri!r} is not registered for this client")
    key = ids.hex(tx, ns, PUSHED_KIND, 32)
    lifetime = 90
    uri = prefix + key
    record = {
        "params": resolved,
        "client_id": client["client_id"],
        "uri": uri,
        "expires_at": int(now.timestamp()) + lifetime,
        "used": False,
    }
    tx.put(ns, PUSHED_KIND, key, record, tenant=client["client_id"])
    return uri, lifetime


def _client(tx: Tx, ns: str, profile: AuthServerProfile, client_id: str | None) -> dict[str, Any]:
    if not client_id:
        raise refuse("client_id is required")
    client = tx.get(ns, CLIENT_KIND, client_id)
    if client is None or client["provider"] != profile.provider:
        raise refuse(f"unknown client {client_id!r}")
    return client


def _resolve(
    tx: Tx, ns: str, client: dict[str, Any], params: dict[str, str], *, issuer: str, now: datetime
) -> dict[str, str]:
    """The effective parameters: a pushed request's, or a request object's over the query's."""
    if params.get("request_uri"):
        return _pushed(tx, ns, client, params["request_uri"], now)
    if params.get("request"):
        from_object = _request_object(client, params["request"], issuer, now)
        return {**params, **from_object}
    return dict(params)


def _pushed(
    tx: Tx, ns: str, client: dict[str, Any], request_uri: str, now: datetime
) -> dict[str, str]:
    if not request_uri.startswith("urn:"):
        raise refuse("request_uri must come from this server's pushed authorisation endpoint")
    key = request_uri.rsplit(":", 1)[-1]
    record = tx.lock(ns, PUSHED_KIND, key, tenant=client["client_id"])
    if record is None or record.get("uri", REQUEST_URI_PREFIX + key) != request_uri:
        raise refuse("request_uri is unknown, used or expired")
    if record["used"] or record["expires_at"] <= now.timestamp():
        raise refuse("request_uri is unknown, used or expired")
    record["used"] = True
    tx.put(ns, PUSHED_KIND, key, record, tenant=client["client_id"])
    return dict(record["params"])


def _request_object(
    client: dict[str, Any], token: str, issuer: str, now: datetime
) -> dict[str, str]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise refuse("the request object is not a well-formed JWT") from exc
    alg = str(header.get("alg"))
    registered = client.get("request_object_signing_alg")
    if alg == "none":
        if registered != "none":
            raise refuse("unsigned request objects are not accepted for this client")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:  # a payload that is not a JSON object
            raise refuse("the request object is not a well-formed JWT") from exc
    else:
        if registered not in (None, "none", alg):
            raise refuse(f"this client signs request objects with {registered}, not {alg}")
        claims = _verified_request_object(client, token, alg, issuer)
    if "exp" in claims:
        exp = claims["exp"]
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise refuse("the request object's exp must be a number (seconds since 1970)")
        if exp <= now.timestamp():
            raise refuse("the request object has expired")
    if claims.get("client_id") not in (None, client["client_id"]):
        raise refuse("the request object names another client")
    return {
        k: json.dumps(v) if k == "claims" and not isinstance(v, str) else str(v)
        for k, v in claims.items()
        if k in PARAMETERS and v is not None
    }


def _verified_request_object(
    client: dict[str, Any], token: str, alg: str, issuer: str
) -> dict[str, Any]:
    try:
        if alg.startswith("HS"):
            key: Any = (client.get("client_secret") or "").encode()
        else:
            key = _jwk_for(client, token, alg)
        verified: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[alg],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise refuse(f"the request object does not verify: {exc}") from exc
    audience = verified.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if audience is not None and issuer not in audiences:
        raise refuse("the request object's aud must be this server's issuer")
    if verified.get("iss") not in (None, client["client_id"]):
        raise refuse("the request object's iss must be the client_id")
    return verified


def _jwk_for(client: dict[str, Any], token: str, alg: str) -> Any:
    kid = jwt.get_unverified_header(token).get("kid")
    for jwk in (client.get("jwks") or {}).get("keys") or []:
        if (kid is None or jwk.get("kid") == kid) and jwk.get("alg") in (None, alg):
            try:
                return jwt.PyJWK(jwk, algorithm=alg).key
            except jwt.PyJWTError:
                continue
    raise refuse("no registered key of this client matches the request object")


def _claims(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        claims = json.loads(raw)
    except ValueError as exc:
        raise refuse("claims must be a JSON object") from exc
    if not isinstance(claims, dict):
        raise refuse("claims must be a JSON object")
    return claims


def _check(profile: AuthServerProfile, client: dict[str, Any], request: dict[str, Any]) -> None:
    """Errors from here on go back to the (now trusted) redirect URI."""
    if request["response_type"] not in profile.response_types:
        raise RedirectError(request, "unsupported_response_type", "response_type not supported")
    unknown = [s for s in request["scope"] if s not in profile.scopes_supported and ":" not in s]
    allowed = client.get("scopes") or []
    if unknown or (allowed and any(s not in allowed for s in request["scope"])):
        raise RedirectError(request, "invalid_scope", f"scope not allowed: {request['scope']}")
    if "id_token" in request["response_type"].split():
        if "openid" not in request["scope"]:
            raise RedirectError(request, "invalid_request", "response_type id_token needs openid")
        if not request["nonce"]:
            raise RedirectError(request, "invalid_request", "nonce is required")
    if request["code_challenge"]:
        if request["code_challenge_method"] != "S256":
            raise RedirectError(request, "invalid_request", "code_challenge_method must be S256")
    elif profile.require_pkce:
        raise RedirectError(request, "invalid_request", "PKCE (code_challenge) is required")


def _intent(profile: AuthServerProfile, request: dict[str, Any]) -> str | None:
    if profile.intent_claim is None:
        return None
    for section in ("id_token", "userinfo"):
        claim = (request["claims"].get(section) or {}).get(profile.intent_claim)
        if isinstance(claim, dict) and claim.get("value"):
            return str(claim["value"])
    raise RedirectError(
        request, "invalid_request", f"claims.id_token.{profile.intent_claim} is required"
    )
