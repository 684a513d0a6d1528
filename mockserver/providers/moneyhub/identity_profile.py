"""Moneyhub's identity service: an OpenID Provider under ``/moneyhub/identity/oidc``."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import oauth_error
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.sandbox import current_sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import payments, users
from mockserver.providers.moneyhub.scopes import scope_problem

BASE = "/moneyhub/identity"
# The scopes of Moneyhub's discovery document that the sandbox honours.
SCOPES = (
    "openid",
    "offline_access",
    "id:all",
    "id:api",
    "id:legacy",
    "id:test",
    "accounts:read",
    "accounts:write",
    "accounts:write:all",
    "accounts_details:read",
    "transactions:read:all",
    "transactions:read:in",
    "transactions:read:out",
    "transactions:write",
    "transactions:write:all",
    "categories:read",
    "categories:write",
    "spending_analysis:read",
    "spending_goals:read",
    "spending_goals:write",
    "spending_goals:write:all",
    "savings_goals:read",
    "savings_goals:write",
    "savings_goals:write:all",
    "standing_orders:read",
    "standing_orders_detail:read",
    "statements_basic:read",
    "statements_detail:read",
    "connection:read",
    "connection:delete",
    "user:create",
    "user:read",
    "user:delete",
    "payee:create",
    "payee:read",
    "payment",
    "payment:read",
    "reauth",
    "refresh",
)


def _check_subject(tx: Tx, ns: str, client: dict[str, Any], subject: str) -> None:
    """A user-scoped client_credentials token (``sub``) must name one of the client's users."""
    if tx.get(ns, users.KIND, subject, tenant=client["client_id"]) is None:
        raise oauth_error(400, "invalid_request", f"sub {subject} is not a user of this client")


def _request_rules(
    tx: Tx, ns: str, client: dict[str, Any], request: dict[str, Any]
) -> tuple[str, str] | None:
    unknown = [s for s in request["scope"] if s not in SCOPES and not s.startswith("id:")]
    if unknown:
        return "invalid_scope", f"unknown scopes: {' '.join(unknown)}"
    problem = scope_problem(request["scope"], request["claims"])
    if problem is not None:
        return "invalid_scope", problem
    if "payment" in request["scope"]:
        problem = payments.problem(tx, ns, client["client_id"], request["claims"])
        if problem is not None:
            return "invalid_request", problem
    return None


def _on_code_exchange(tx: Tx, ns: str, code: dict[str, Any]) -> None:
    """A payment is submitted only when its authorisation code is exchanged."""
    claims = code.get("id_token_claims") or {}
    if claims.get("mh:payment"):
        sandbox = current_sandbox()
        now = sandbox.clock.now(ns, tx)
        payments.submit(tx, ns, sandbox, claims["mh:payment"], claims.get("mh:con_id", ""), now)


MONEYHUB_AUTH = AuthServerProfile(
    provider="moneyhub",
    issuer_path=f"{BASE}/oidc",
    authorization_path=f"{BASE}/oidc/auth",
    token_path=f"{BASE}/oidc/token",
    jwks_path=f"{BASE}/oidc/certs",
    par_path=f"{BASE}/oidc/request",
    consent_path=f"{BASE}/consent",
    scopes_supported=SCOPES,
    response_types=("code", "code id_token", "id_token"),
    id_token_alg="RS256",
    client_credentials_subject_param="sub",
    extra_discovery={
        "claims_parameter_supported": True,
        "claims_supported": ["sub", "sid", "auth_time", "iss", "mh:con_id", "mh:payment"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "response_modes_supported": ["form_post", "fragment", "query"],
    },
    request_rules=_request_rules,
    subject_check=_check_subject,
    on_code_exchange=_on_code_exchange,
)
