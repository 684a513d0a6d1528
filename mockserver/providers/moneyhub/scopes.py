"""Moneyhub's scope rules that the generic OAuth checks cannot know (its Auth API document).

- The financial-institution scopes (``id:<bankId>``, ``id:all``, ``id:api``, ``id:test``, ...)
  are mutually exclusive.
- ``transactions:read:all``, ``:in`` and ``:out`` are mutually exclusive.
- ``reauth`` and ``refresh`` may come only with ``openid``, and need claims naming the user
  (``sub``) and the connection (``mh:con_id``) by value.
"""

from __future__ import annotations

from typing import Any

TRANSACTION_READ = {"transactions:read:all", "transactions:read:in", "transactions:read:out"}
LIFECYCLE = {"reauth", "refresh"}


def bank_scopes(scopes: list[str]) -> list[str]:
    return [s for s in scopes if s.startswith("id:")]


def claim_value(claims: dict[str, Any], name: str) -> Any:
    claim = (claims.get("id_token") or {}).get(name)
    return claim.get("value") if isinstance(claim, dict) else None


def scope_problem(scopes: list[str], claims: dict[str, Any]) -> str | None:
    if len(bank_scopes(scopes)) > 1:
        return "the id:... scopes are mutually exclusive"
    if len(TRANSACTION_READ & set(scopes)) > 1:
        return "transactions:read:all, :in and :out are mutually exclusive"
    lifecycle = LIFECYCLE & set(scopes)
    if lifecycle:
        if len(lifecycle) > 1 or set(scopes) - lifecycle - {"openid"} or "openid" not in scopes:
            return "reauth and refresh may only be requested with openid"
        if not claim_value(claims, "sub") or not claim_value(claims, "mh:con_id"):
            return "reauth and refresh need the sub and mh:con_id claims with values"
    return None
