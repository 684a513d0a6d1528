"""The AIS data endpoints: what a consent lets a TPP read, in OBIE's response shapes.

Every read goes through ``View``: the Authorised consent behind the token, the permissions it
grants (Basic or Detail decides the fields, Credits/Debits which transactions), the accounts the
PSU chose, and the transaction window of the consent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.paging import paginate
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import access

PAGE_SIZE = 100


class View:
    def __init__(self, tx: Tx, ns: str, record: dict[str, Any], now: datetime) -> None:
        self.tx, self.ns, self.record, self.now = tx, ns, record, now

    def accounts(self, account_id: str | None) -> list[dict[str, Any]]:
        if account_id is not None:
            return [access.consented_account(self.tx, self.ns, self.record, account_id)]
        return access.consented_accounts(self.tx, self.ns, self.record)

    def psu(self) -> dict[str, Any]:
        psu = self.tx.get(self.ns, "psu", str(self.record["psu"]))
        if psu is None:
            raise ApiError(500, "the consent's PSU is missing")
        return psu

    def children(self, kind: str, account: dict[str, Any]) -> list[dict[str, Any]]:
        return self.tx.list(self.ns, kind, parent=account["id"])

    def transactions(
        self, account: dict[str, Any], granted: set[str], query: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The account's transactions the consent lets the TPP see, filtered by the query."""
        consent = self.record["consent"]
        lower = [
            _wall(consent.get("TransactionFromDateTime")),
            _wall(query.get("fromBookingDateTime")),
        ]
        upper = [_wall(consent.get("TransactionToDateTime")), _wall(query.get("toBookingDateTime"))]
        start = max((t for t in lower if t is not None), default=None)
        end = min((t for t in upper if t is not None), default=None)
        directions = {"credit"} if "ReadTransactionsCredits" in granted else set()
        directions |= {"debit"} if "ReadTransactionsDebits" in granted else set()
        chosen = []
        for tx in self.children("psu.transaction", account):
            booked = _wall(tx["booked_at"])
            assert booked is not None
            if tx["credit_debit"] not in directions:
                continue
            if (start and booked < start) or (end and booked > end):
                continue
            chosen.append(tx)
        return sorted(chosen, key=lambda t: (t["booked_at"], t["id"]))


def _wall(value: Any) -> datetime | None:
    """A booking-time bound as wall-clock time: the profile says to ignore any timezone."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, f"not a date-time: {text}", code="UK.OBIE.Field.InvalidDate") from exc
    return moment.replace(tzinfo=None)


def _sandbox() -> Sandbox:
    sandbox = context.current().extra["sandbox"]
    assert isinstance(sandbox, Sandbox)
    return sandbox


def listing(
    key: str,
    build: Callable[[View, set[str]], list[dict[str, Any]]],
    *permissions: str,
    page: int | None = None,
    query: dict[str, Any] | None = None,
    meta: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> ConnexionResponse:
    """``{"Data": {key: [...]}, "Links", "Meta"}`` for what ``build`` returns, one page of it."""
    sandbox, ns = _sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        now = sandbox.clock.now(ns, tx)
        record = access.authorised_consent(tx, ns, now)
        granted = access.require(record, *permissions) if permissions else set()
        items = build(View(tx, ns, record, now), granted)
    shown = paginate(items, page, PAGE_SIZE, query or {})
    body = {
        "Data": {key: shown.items},
        "Links": shown.links,
        "Meta": {"TotalPages": shown.total_pages, **(meta(items) if meta else {})},
    }
    return json_reply(body)


def transaction_meta(items: list[dict[str, Any]]) -> dict[str, Any]:
    if not items:
        return {}
    return {
        "FirstAvailableDateTime": items[0]["BookingDateTime"],
        "LastAvailableDateTime": items[-1]["BookingDateTime"],
    }
