"""Fena account access consents: made by a client for one bank, approved by the customer there.

A consent starts ``AwaitingAuthorisation`` with an ``authUrl`` (the bank's consent page); the
customer's decision sends the browser to ``Option.RedirectUri`` with ``id``, ``status`` and
``customerConsentId`` and is posted to ``Option.WebhookUri``. With a ``flow`` the approval also
fetches that data (accounts, or one account's balances or transactions) and posts it. Data calls
need an ``Authorised`` consent authorised or reconfirmed within the last 90 days (the UK's
re-authentication rule, by the sandbox clock); DELETE revokes it. Each client sees only its own
consents: another client's id is a 404, as an unknown one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.oauth import requests
from mockserver.core.oauth.consents import ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.core.urls import absolute_url
from mockserver.providers.fena import catalog, events, kinds
from mockserver.providers.fena.bank_login import FENA_BANK

KIND = kinds.ACCESS_CONSENT
REAUTHENTICATE_AFTER = timedelta(days=90)
PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
    "ReadTransactionsDetail",
]


def not_found(consent_id: str) -> ApiError:
    return ApiError(404, f"Consent {consent_id} not found.", path="consentId")


def _date(body: dict[str, Any], field: str) -> str | None:
    if body.get(field) is None:
        return None
    value = body[field]
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        return isoformat(parse_instant(text))
    except ValueError as exc:
        raise ApiError(400, f"{field} must be an ISO 8601 date-time.", path=field) from exc


def redirect_uri(tx: Tx, ns: str, client_id: str, given: str | None) -> str:
    """Where the customer goes after the bank: the one given, else the client's first."""
    if given:
        # The browser is sent there in a Location header: printable ASCII only (a URL with
        # other characters must be percent-encoded), which also keeps CR/LF out of the header.
        printable = all("!" <= c <= "~" for c in given)
        if not given.startswith(("http://", "https://")) or not printable:
            raise ApiError(400, "RedirectUri must be an absolute http(s) URL.", path="RedirectUri")
        return given
    client = tx.get(ns, CLIENT_KIND, client_id) or {}
    registered = client.get("redirect_uris") or []
    if not registered:
        raise ApiError(
            400, "RedirectUri is required: the client registered none.", path="RedirectUri"
        )
    return str(registered[0])


def create(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    provider = catalog.usable(body["provider"])
    flow = body.get("flow")
    if flow in ("balances", "transactions") and not body.get("accountId"):
        raise ApiError(400, f"accountId is required with the {flow} flow.", path="accountId")
    start, end = _date(body, "transactionStartDate"), _date(body, "transactionEndDate")
    if start and end and start > end:
        raise ApiError(
            400, "transactionStartDate is after transactionEndDate.", path="transactionStartDate"
        )
    option = body.get("Option") or {}
    stamp = isoformat(now)
    consent_id = sandbox.ids.uuid(tx, ns, KIND)
    record: dict[str, Any] = {
        "consent": {
            "ConsentId": consent_id,
            "CreationDateTime": stamp,
            "Status": "AwaitingAuthorisation",
            "StatusUpdateDateTime": stamp,
            "Permissions": list(PERMISSIONS),
        },
        "client_id": client_id,
        "provider": provider["id"],
        "flow": flow,
        "account_id": body.get("accountId"),
        "transaction_start": start,
        "transaction_end": end,
        "customer_consent_id": body.get("customerConsentId"),
        "redirect_uri": redirect_uri(tx, ns, client_id, option.get("RedirectUri")),
        "webhook_uri": option.get("WebhookUri"),
        "accounts": [],
        "psu": None,
        "last_authorization_at": None,
    }
    request = requests.hosted_request(
        tx,
        ns,
        FENA_BANK,
        client_id=client_id,
        consent_id=consent_id,
        redirect_uri=record["redirect_uri"],
        scope=["accounts"],
        now=now,
        ids=sandbox.ids,
    )
    record["auth_url"] = absolute_url(f"{FENA_BANK.consent_path}/{request['id']}")
    tx.put(ns, KIND, consent_id, record, tenant=client_id)
    return record


def find(tx: Tx, ns: str, consent_id: str, client_id: str, *, lock: bool = False) -> dict[str, Any]:
    record = tx.lock(ns, KIND, consent_id) if lock else tx.get(ns, KIND, consent_id)
    if record is None or record["client_id"] != client_id:
        raise not_found(consent_id)
    return record


def resource(record: dict[str, Any]) -> dict[str, Any]:
    """The consent as Fena shows it: the bank's OBIE consent."""
    consent_id = record["consent"]["ConsentId"]
    return {
        "Data": record["consent"],
        "Risk": {},
        "Links": {"Self": absolute_url(f"/fena/data/access-consents/{consent_id}")},
        "Meta": {"TotalPages": 1},
    }


def query_window(start: Any, end: Any) -> tuple[str | None, str | None]:
    """The transactions query's date filters, as instants (either may be missing)."""
    query = {"transactionStartDate": start, "transactionEndDate": end}
    low, high = _date(query, "transactionStartDate"), _date(query, "transactionEndDate")
    if low and high and low > high:
        raise ApiError(
            400, "transactionStartDate is after transactionEndDate.", path="transactionStartDate"
        )
    return low, high


def _set_status(record: dict[str, Any], status: str, now: datetime) -> None:
    record["consent"]["Status"] = status
    record["consent"]["StatusUpdateDateTime"] = isoformat(now)


def revoke(tx: Tx, ns: str, sandbox: Sandbox, consent_id: str, client_id: str) -> None:
    record = find(tx, ns, consent_id, client_id, lock=True)
    if record["consent"]["Status"] != "Revoked":
        now = sandbox.clock.now(ns, tx)
        _set_status(record, "Revoked", now)
        tx.put(ns, KIND, consent_id, record, tenant=client_id)
        events.consent_changed(tx, ns, sandbox, record)


def reconfirm(tx: Tx, ns: str, sandbox: Sandbox, consent_id: str, client_id: str) -> str:
    record = find(tx, ns, consent_id, client_id, lock=True)
    status = record["consent"]["Status"]
    if status != "Authorised":
        raise ApiError(400, f"Only an authorised consent can be reconfirmed; this one is {status}.")
    stamp = isoformat(sandbox.clock.now(ns, tx))
    record["last_authorization_at"] = stamp
    tx.put(ns, KIND, consent_id, record, tenant=client_id)
    events.consent_changed(tx, ns, sandbox, record)
    return stamp


def readable(tx: Tx, ns: str, consent_id: str, client_id: str, now: datetime) -> dict[str, Any]:
    """A consent the client may read data through now."""
    record = find(tx, ns, consent_id, client_id)
    status = record["consent"]["Status"]
    if status != "Authorised":
        raise ApiError(403, f"The consent is {status}, not Authorised.", path="consentId")
    last = parse_instant(record["last_authorization_at"])
    if now >= last + REAUTHENTICATE_AFTER:
        raise ApiError(
            403,
            "The consent was last authorised more than 90 days ago; reconfirm it first.",
            path="consentId",
        )
    return record


class AccessConsentPage:
    """The bank page's view of an access consent, and the customer's decision on it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        record = self._awaiting(tx, ns, request)
        provider = catalog.find(record["provider"]) or {"name": record["provider"]}
        return ConsentSummary(
            title=f"Share your {provider['name']} account information",
            asks=(
                "Your account names, sort codes and account numbers",
                "Your balances",
                "Your transactions, money in and out",
            ),
        )

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        record = self._awaiting(tx, ns, request)
        now = self._sandbox.clock.now(ns, tx)
        _set_status(record, "Authorised" if decision.approved else "Rejected", now)
        record["psu"] = decision.psu
        if decision.approved:
            record["accounts"] = list(decision.accounts)
            record["last_authorization_at"] = isoformat(now)
        tx.put(ns, KIND, record["consent"]["ConsentId"], record, tenant=record["client_id"])
        events.consent_changed(tx, ns, self._sandbox, record)
        if decision.approved and record["flow"]:
            events.deliver_flow(tx, ns, self._sandbox, record, now)
        params = {"id": record["consent"]["ConsentId"], "status": record["consent"]["Status"]}
        if record["customer_consent_id"]:
            params["customerConsentId"] = record["customer_consent_id"]
        return Outcome(consent_id=record["consent"]["ConsentId"], redirect_params=params)

    def _awaiting(self, tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        record = tx.get(ns, KIND, str(request.get("consent_id")))
        if record is None or record["client_id"] != request["client_id"]:
            raise ApiError(400, "this consent is not known to the bank")
        status = record["consent"]["Status"]
        if status != "AwaitingAuthorisation":
            raise ApiError(409, f"the consent is {status}, not awaiting authorisation")
        return record
