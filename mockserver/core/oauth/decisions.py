"""The PSU's decision on an authorisation request, from the page or headless, and where it leads.

Approval issues an authorisation code (and an ID token for ``code id_token``) and sends the
browser to the client's redirect URI; denial records the rejection and sends ``access_denied``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.ids import Ids
from mockserver.core.oauth import magic
from mockserver.core.oauth.consents import ConsentAdapter, Decision
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.oauth.requests import REQUEST_KIND, redirect_location
from mockserver.core.store import Tx
from mockserver.core.tokens import Tokens

CODE_KIND = "sandbox.auth_code"
PSU_KIND = "psu"


def pending_request(tx: Tx, ns: str, request_id: str, now: datetime) -> dict[str, Any]:
    request = tx.lock(ns, REQUEST_KIND, request_id)
    if request is None:
        raise ApiError(404, "this authorisation request does not exist in this namespace")
    if request["status"] != "pending":
        raise ApiError(409, f"this authorisation request was already {request['status']}")
    if request["expires_at"] <= now.timestamp():
        raise ApiError(410, "this authorisation request has expired; start again from the client")
    return request


def check_login(tx: Tx, ns: str, username: str, password: str | None) -> dict[str, Any]:
    """The PSU, if the credentials are right (``password`` None: headless, no password)."""
    if username == magic.LOCKED:
        raise ApiError(403, "this account is locked")
    if username in magic.MAGIC_USERS:
        psu: dict[str, Any] | None = {"username": username, "name": username.title()}
    else:
        psu = tx.get(ns, PSU_KIND, username)
    if psu is None or (password is not None and password != psu.get("password", username)):
        raise ApiError(401, "unknown username or wrong password")
    return psu


def psu_accounts(tx: Tx, ns: str, username: str) -> list[dict[str, Any]]:
    return tx.list(ns, "psu.account", parent=username)


def decide(
    tx: Tx,
    ns: str,
    request: dict[str, Any],
    decision: Decision,
    *,
    profile: AuthServerProfile,
    adapter: ConsentAdapter,
    tokens: Tokens,
    ids: Ids,
    issuer: str,
    now: datetime,
) -> str:
    """Record the decision and return the URL the browser is sent to."""
    if decision.psu == magic.UNAVAILABLE:
        request["status"] = "failed"
        _save(tx, ns, request)
        down = {"error": "temporarily_unavailable", "error_description": "the bank is down"}
        return redirect_location(request, down)
    if decision.psu == magic.REJECTS:
        decision = replace(decision, approved=False)
    if decision.approved:
        known = {a["id"] for a in psu_accounts(tx, ns, decision.psu)}
        if unknown := [a for a in decision.accounts if a not in known]:
            raise ApiError(400, f"not accounts of {decision.psu}: {', '.join(unknown)}")
        if not decision.accounts and decision.psu not in magic.MAGIC_USERS:
            decision = replace(decision, accounts=tuple(sorted(known)))
    outcome = adapter.decide(tx, ns, request, decision)
    request["psu"] = decision.psu
    request["status"] = "approved" if decision.approved else "denied"
    _save(tx, ns, request)
    if outcome.redirect_params is not None:
        return redirect_location(request, outcome.redirect_params)
    if not decision.approved:
        denied = {"error": "access_denied", "error_description": "the PSU denied the request"}
        return redirect_location(request, denied)

    params: dict[str, str] = {}
    response_types = request["response_type"].split()
    code = ids.hex(tx, ns, CODE_KIND, 40)
    subject = outcome.subject or decision.psu
    tx.put(
        ns,
        CODE_KIND,
        code,
        {
            "request_id": request["id"],
            "client_id": request["client_id"],
            "redirect_uri": request["redirect_uri"],
            "scope": request["scope"],
            "nonce": request["nonce"],
            "code_challenge": request["code_challenge"],
            "consent_id": outcome.consent_id or request.get("consent_id"),
            "subject": subject,
            "accounts": list(decision.accounts),
            "id_token_claims": outcome.id_token_claims,
            "access_token_claims": outcome.access_token_claims,
            "expires_at": int(now.timestamp()) + profile.code_lifetime,
            "used": False,
        },
        tenant=request["client_id"],
    )
    if "code" in response_types:
        params["code"] = code
    if "id_token" in response_types:
        params["id_token"] = tokens.issue_id_token(
            issuer=issuer,
            client_id=request["client_id"],
            subject=subject,
            now=now,
            lifetime=profile.id_token_lifetime,
            nonce=request["nonce"],
            code=code,
            extra_claims=outcome.id_token_claims,
            alg=profile.id_token_alg,
        )
    return redirect_location(request, params)


def _save(tx: Tx, ns: str, request: dict[str, Any]) -> None:
    tx.put(ns, REQUEST_KIND, request["id"], request, tenant=request["client_id"])
