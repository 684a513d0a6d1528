"""Headless consent decisions: what the PSU would do on the consent page, without a browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.oauth import requests
from mockserver.core.oauth.endpoints import open_request
from mockserver.core.oauth.page import decide_request
from mockserver.core.sandbox import Sandbox


def authorize_url(sandbox: Sandbox, ns: str, body: dict[str, Any]) -> dict[str, Any]:
    """Follow an authorisation URL a client built (or a consent page URL) and decide it."""
    parts = urlsplit(body["url"])
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    ns = params.pop(context.NAMESPACE_QUERY, ns)
    sandbox.ensure_namespace(ns)
    for profile in sandbox.identity.profiles():
        if parts.path == profile.authorization_path:
            try:
                request_id = str(open_request(sandbox, profile, ns, params)["id"])
            except requests.RedirectError as error:
                return {"redirect": error.location}
            break
        page_prefix = profile.consent_path + "/"
        if parts.path.startswith(page_prefix):
            request_id = parts.path.removeprefix(page_prefix)
            break
    else:
        raise ApiError(400, "the URL is not an authorisation or consent page URL of this sandbox")
    approve = body.get("decision", "approve") == "approve"
    location = decide_request(
        sandbox, profile, ns, request_id, approve, body.get("accounts") or [], psu=body["psu"]
    )
    return {"redirect": location}


def decide_consent(
    sandbox: Sandbox, ns: str, provider: str, consent_id: str, approve: bool, body: dict[str, Any]
) -> dict[str, Any]:
    """Decide the authorisation request waiting for a consent, as its PSU."""
    known = next((p for p in sandbox.providers if p.key == provider), None)
    if known is None or known.consent_adapter is None:
        # MogoPlus has a token endpoint but no consents: nothing there for a PSU to decide.
        raise ApiError(404, f"{provider} has no consents to decide")
    profile = sandbox.identity.profile(provider)
    with sandbox.store.read() as tx:
        waiting = [
            r
            for r in tx.list(ns, requests.REQUEST_KIND, newest_first=True)
            if r["provider"] == provider
            and r.get("consent_id") == consent_id
            and r["status"] == "pending"
        ]
    if not waiting:
        raise ApiError(
            409,
            f"no authorisation request is waiting for consent {consent_id}: open the client's "
            "authorisation URL first, or give it to POST /__admin/authorize",
        )
    location = decide_request(
        sandbox,
        profile,
        ns,
        waiting[0]["id"],
        approve,
        body.get("accounts") or [],
        psu=body.get("psu") or "alice",
    )
    return {"redirect": location}
