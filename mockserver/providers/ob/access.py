"""What a PSU's token may see: the consent behind it, its permissions and its accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.store import Tx
from mockserver.providers.ob.consents import KIND, expired

ACCOUNT_KIND = "psu.account"


def authorised_consent(tx: Tx, ns: str, now: datetime) -> dict[str, Any]:
    """The Authorised, unexpired consent the request's token was issued under."""
    token = context.current().extra["token"]
    consent_id = token.get("openbanking_intent_id")
    if not consent_id:
        raise ApiError(
            403,
            "this token was not issued under an account access consent",
            code="UK.OBIE.Resource.ConsentMismatch",
        )
    record = tx.get(ns, KIND, str(consent_id))
    if record is None or record["client_id"] != token["client_id"]:
        raise ApiError(
            403,
            "the consent behind this token does not exist",
            code="UK.OBIE.Resource.ConsentMismatch",
        )
    if record["consent"]["Status"] != "Authorised":
        raise ApiError(
            403,
            f"the consent is {record['consent']['Status']}",
            code="UK.OBIE.Resource.InvalidConsentStatus",
        )
    if expired(record, now):
        # The profile: an expired consent is a 401 (with no body), so the PSU re-authenticates.
        raise ApiError(
            401,
            "the consent has expired",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return record


def require(record: dict[str, Any], *any_of: str) -> set[str]:
    """The consent's permissions, if it holds at least one of ``any_of``; else 403."""
    granted = set(record["consent"]["Permissions"])
    if not granted & set(any_of):
        raise ApiError(
            403,
            f"the consent does not grant {' or '.join(any_of)}",
            code="UK.OBIE.Resource.ConsentMismatch",
        )
    return granted


def consented_account(tx: Tx, ns: str, record: dict[str, Any], account_id: str) -> dict[str, Any]:
    """An account of the consent: an unknown id is a 400, one not consented to a 403."""
    account = tx.get(ns, ACCOUNT_KIND, account_id)
    if account is None:
        raise ApiError(
            400, f"no account {account_id}", code="UK.OBIE.Resource.NotFound", path="AccountId"
        )
    if account_id not in record["accounts"]:
        raise ApiError(
            403,
            "the PSU did not choose this account for the consent",
            code="UK.OBIE.Resource.ConsentMismatch",
        )
    return account


def consented_accounts(tx: Tx, ns: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    accounts = [tx.get(ns, ACCOUNT_KIND, account_id) for account_id in record["accounts"]]
    return [a for a in accounts if a is not None]
