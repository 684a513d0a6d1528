"""The authorisation server over HTTP: what a provider's handlers return for its OAuth paths.

Handlers are one line each: ``return endpoints.token(PROFILE, body)``. Everything reads the
namespace, the base URL and the time from the request context and the sandbox clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.client_auth import authenticate_client
from mockserver.core.errors import ApiError
from mockserver.core.oauth import grants, page, requests
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import Sandbox, current_sandbox
from mockserver.core.store import Tx
from mockserver.core.tokens import TokenRejected
from mockserver.core.urls import absolute_url

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _base() -> str:
    return str(context.current().extra["base_url"])


def redirect(location: str) -> ConnexionResponse:
    return ConnexionResponse(status_code=303, headers={"Location": location}, body=b"")


def authorize(profile: AuthServerProfile, params: dict[str, str]) -> ConnexionResponse:
    """Validate the request, then send the browser to the consent page (or back with an error)."""
    try:
        request = open_request(current_sandbox(), profile, context.current_namespace(), params)
    except requests.RedirectError as error:
        return redirect(error.location)
    except ApiError as error:
        if "text/html" not in context.current().extra["headers"].get("accept", ""):
            raise
        # A browser is shown the refusal; nothing is redirected to an unverified URI.
        html = page.render(profile, step="closed", error=error.message).encode()
        # The header itself: Connexion sends no Content-Type for a bare mimetype.
        return ConnexionResponse(
            status_code=error.status,
            mimetype="text/html",
            body=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
    return redirect(absolute_url(f"{profile.consent_path}/{request['id']}"))


def open_request(
    sandbox: Sandbox, profile: AuthServerProfile, ns: str, params: dict[str, str]
) -> dict[str, Any]:
    """Validate and store an authorisation request (the page and headless decisions use it)."""
    with sandbox.store.transaction() as tx:
        return requests.parse_authorization_request(
            tx,
            ns,
            profile,
            params,
            issuer=profile.issuer(_base()),
            now=sandbox.clock.now(ns, tx),
            ids=sandbox.ids,
        )


def _authenticated_client(
    tx: Tx, ns: str, profile: AuthServerProfile, fields: dict[str, str], path: str, now: datetime
) -> dict[str, Any]:
    """The client a token or PAR request authenticates as; its assertions may name either URL."""
    base = _base()
    return authenticate_client(
        tx,
        ns,
        provider=profile.provider,
        headers=context.current().extra["headers"],
        form=fields,
        audiences={profile.issuer(base), base + path, base + profile.token_path},
        now=now,
    )


def token(profile: AuthServerProfile, form: dict[str, Any]) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    fields = {k: str(v) for k, v in form.items()}
    issuer = profile.issuer(_base())
    with sandbox.store.transaction() as tx:
        now = sandbox.clock.now(ns, tx)
        client = _authenticated_client(tx, ns, profile, fields, profile.token_path, now)
        body = grants.exchange(
            tx,
            ns,
            client,
            fields,
            profile=profile,
            tokens=sandbox.identity.tokens,
            issuer=issuer,
            now=now,
        )
    return json_reply(body, headers=NO_STORE, media_type="application/json")


def pushed_authorization(profile: AuthServerProfile, form: dict[str, Any]) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    fields = {k: str(v) for k, v in form.items()}
    issuer = profile.issuer(_base())
    assert profile.par_path is not None
    with sandbox.store.transaction() as tx:
        now = sandbox.clock.now(ns, tx)
        client = _authenticated_client(tx, ns, profile, fields, profile.par_path, now)
        params = {k: v for k, v in fields.items() if not k.startswith("client_")}
        params["client_id"] = client["client_id"]
        request_uri, lifetime = requests.push_request(
            tx, ns, profile, client, params, issuer=issuer, now=now, ids=sandbox.ids
        )
    body = {"request_uri": request_uri, "expires_in": lifetime}
    return json_reply(body, status=201, headers=NO_STORE, media_type="application/json")


def jwks() -> ConnexionResponse:
    return json_reply(current_sandbox().identity.keys.jwks(), media_type="application/json")


def discovery(profile: AuthServerProfile) -> ConnexionResponse:
    return json_reply(discovery_document(profile, _base()), media_type="application/json")


def discovery_document(profile: AuthServerProfile, base: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": profile.issuer(base),
        "authorization_endpoint": base + profile.authorization_path,
        "token_endpoint": base + profile.token_path,
        "jwks_uri": base + profile.jwks_path,
        "scopes_supported": list(profile.scopes_supported),
        "response_types_supported": list(profile.response_types),
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": list(profile.grant_types),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["PS256", "RS256"],
        "request_object_signing_alg_values_supported": ["PS256", "RS256", "ES256", "none"],
        "token_endpoint_auth_methods_supported": list(profile.auth_methods),
        "token_endpoint_auth_signing_alg_values_supported": ["PS256", "RS256", "ES256", "HS256"],
        "code_challenge_methods_supported": ["S256"],
        "claims_parameter_supported": True,
        "request_parameter_supported": True,
        "request_uri_parameter_supported": profile.par_path is not None,
    }
    if profile.par_path is not None:
        document["pushed_authorization_request_endpoint"] = base + profile.par_path
    document.update(profile.extra_discovery)
    return document


def token_info(token: str) -> dict[str, Any]:
    """Connexion's ``x-tokenInfoFunc``: the token's claims with ``scope`` as a list.

    A rejected token raises the provider's 401 with the reason; Connexion then checks the
    operation's scopes against ``scope`` (a missing scope is its 403).
    """
    ctx = context.current()
    sandbox, ns = current_sandbox(), ctx.namespace
    assert ctx.provider is not None
    profile = sandbox.identity.profile(ctx.provider.key)
    issuer = profile.issuer(_base())
    try:
        with sandbox.store.read() as tx:
            claims = sandbox.identity.tokens.verify_access(
                tx, ns, token, issuer=issuer, audience=issuer, now=sandbox.clock.now(ns, tx)
            )
    except TokenRejected as exc:
        description = _challenge_text(exc.reason)
        challenge = f'Bearer error="invalid_token", error_description="{description}"'
        raise ApiError(401, exc.reason, headers={"WWW-Authenticate": challenge}) from exc
    ctx.client_id = str(claims["client_id"])
    ctx.extra["token"] = claims
    return {**claims, "scope": str(claims.get("scope", "")).split()}


def _challenge_text(reason: str) -> str:
    """RFC 6750 3: ``error_description`` holds printable ASCII but ``"`` and ``\\``.

    Reasons can quote the token (its ``alg``); anything else would break the header, or fail
    to encode as one at all.
    """
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in reason)
