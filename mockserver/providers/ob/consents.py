"""Account access consents: created by a TPP, authorised or rejected by the PSU, deleted.

The rules are the Account and Transaction API profile's (v3.1.11): which permission sets are
allowed, that an unknown id is a 400 and another TPP's a 403, that an expired consent no longer
gives access, that deleting a consent ends the access of every token issued under it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.oauth.consents import ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob.owned import find_owned

KIND = "ob.account_access_consent"

# What each permission lets the TPP see, in the PSU's words (the consent page shows these).
PERMISSION_WORDS = {
    "ReadAccountsBasic": "Your account names and types",
    "ReadAccountsDetail": "Your account names, types, sort codes and account numbers",
    "ReadBalances": "Your balances",
    "ReadBeneficiariesBasic": "The people and businesses you pay",
    "ReadBeneficiariesDetail": "The people and businesses you pay, with their account details",
    "ReadDirectDebits": "Your direct debits",
    "ReadOffers": "Offers on your accounts",
    "ReadPAN": "Your full card numbers",
    "ReadParty": "The account holders' names and contact details",
    "ReadPartyPSU": "Your name and contact details",
    "ReadProducts": "The products behind your accounts",
    "ReadScheduledPaymentsBasic": "Your scheduled payments",
    "ReadScheduledPaymentsDetail": "Your scheduled payments, with payee account details",
    "ReadStandingOrdersBasic": "Your standing orders",
    "ReadStandingOrdersDetail": "Your standing orders, with payee account details",
    "ReadStatementsBasic": "Your statements",
    "ReadStatementsDetail": "Your statements, with the statement files",
    "ReadTransactionsBasic": "Your transactions",
    "ReadTransactionsDetail": "Your transactions, with payee and merchant details",
    "ReadTransactionsCredits": "Money coming in",
    "ReadTransactionsDebits": "Money going out",
}
TRANSACTION_LEVELS = {"ReadTransactionsBasic", "ReadTransactionsDetail"}
TRANSACTION_DIRECTIONS = {"ReadTransactionsCredits", "ReadTransactionsDebits"}


def bad_field(message: str, path: str, code: str = "UK.OBIE.Field.Invalid") -> ApiError:
    return ApiError(400, message, code=code, path=path)


def check_permissions(permissions: list[str]) -> None:
    """The combinations the profile says must be refused with a 400."""
    chosen = set(permissions)
    path = "Data.Permissions"
    if not chosen:
        raise bad_field("Permissions must not be empty", path)
    if not chosen & {"ReadAccountsBasic", "ReadAccountsDetail"}:
        raise bad_field("Permissions must include ReadAccountsBasic or ReadAccountsDetail", path)
    if chosen & TRANSACTION_LEVELS and not chosen & TRANSACTION_DIRECTIONS:
        raise bad_field(
            "ReadTransactionsBasic/Detail needs ReadTransactionsCredits or ReadTransactionsDebits",
            path,
        )
    if chosen & TRANSACTION_DIRECTIONS and not chosen & TRANSACTION_LEVELS:
        raise bad_field(
            "ReadTransactionsCredits/Debits needs ReadTransactionsBasic or ReadTransactionsDetail",
            path,
        )


def _instant(data: dict[str, Any], field: str) -> datetime | None:
    if data.get(field) is None:
        return None
    try:
        return parse_instant(str(data[field]))
    except ValueError as exc:
        raise bad_field(
            f"{field} is not a date-time with an offset",
            f"Data.{field}",
            "UK.OBIE.Field.InvalidDate",
        ) from exc


def create(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    data = body["Data"]
    check_permissions(list(data["Permissions"]))
    expires = _instant(data, "ExpirationDateTime")
    start, end = _instant(data, "TransactionFromDateTime"), _instant(data, "TransactionToDateTime")
    if expires is not None and expires <= now:
        raise bad_field(
            "ExpirationDateTime is in the past",
            "Data.ExpirationDateTime",
            "UK.OBIE.Field.InvalidDate",
        )
    if start is not None and end is not None and start > end:
        raise bad_field(
            "TransactionFromDateTime is after TransactionToDateTime",
            "Data.TransactionFromDateTime",
            "UK.OBIE.Field.InvalidDate",
        )
    stamp = isoformat(now)
    consent: dict[str, Any] = {
        "ConsentId": "aac-" + sandbox.ids.uuid(tx, ns, KIND),
        "CreationDateTime": stamp,
        "Status": "AwaitingAuthorisation",
        "StatusUpdateDateTime": stamp,
        "Permissions": list(dict.fromkeys(data["Permissions"])),
    }
    for field, value in (
        ("ExpirationDateTime", expires),
        ("TransactionFromDateTime", start),
        ("TransactionToDateTime", end),
    ):
        if value is not None:
            consent[field] = isoformat(value)
    record = {
        "consent": consent,
        "risk": body.get("Risk", {}),
        "client_id": client_id,
        "accounts": [],
        "psu": None,
    }
    tx.put(ns, KIND, consent["ConsentId"], record, tenant=client_id)
    return record


def find(tx: Tx, ns: str, consent_id: str, client_id: str, *, lock: bool = False) -> dict[str, Any]:
    """A TPP's consent: an unknown id is a 400, another TPP's consent a 403 (the profile)."""
    return find_owned(
        tx,
        ns,
        KIND,
        consent_id,
        client_id,
        what="account access consent",
        path="ConsentId",
        lock=lock,
    )


def expired(record: dict[str, Any], now: datetime) -> bool:
    expires = record["consent"].get("ExpirationDateTime")
    return expires is not None and parse_instant(expires) <= now


def delete(tx: Tx, ns: str, sandbox: Sandbox, consent_id: str, client_id: str) -> None:
    find(tx, ns, consent_id, client_id, lock=True)
    tx.delete(ns, KIND, consent_id)
    sandbox.identity.tokens.revoke_for_consent(tx, ns, consent_id)


class AccountAccessConsents:
    """The consent page's view of account access consents, and the PSU's decision on them."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        asks = tuple(PERMISSION_WORDS.get(p, p) for p in consent["Permissions"])
        window = [consent.get("TransactionFromDateTime"), consent.get("TransactionToDateTime")]
        if any(window):
            asks += (f"Transactions from {window[0] or 'the start'} to {window[1] or 'today'}",)
        return ConsentSummary(
            title="Share your account information",
            asks=asks,
            expires=consent.get("ExpirationDateTime"),
        )

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        now = self._sandbox.clock.now(ns, tx)
        consent["Status"] = "Authorised" if decision.approved else "Rejected"
        consent["StatusUpdateDateTime"] = isoformat(now)
        record["accounts"] = list(decision.accounts) if decision.approved else []
        record["psu"] = decision.psu
        tx.put(ns, KIND, consent["ConsentId"], record, tenant=record["client_id"])
        intent = {"openbanking_intent_id": consent["ConsentId"]}
        return Outcome(
            consent_id=consent["ConsentId"], id_token_claims=intent, access_token_claims=intent
        )

    def _awaiting(self, tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        consent_id = str(request.get("consent_id"))
        record = tx.get(ns, KIND, consent_id)
        if record is None or record["client_id"] != request["client_id"]:
            raise ApiError(400, f"no account access consent {consent_id} for this client")
        status = record["consent"]["Status"]
        if status != "AwaitingAuthorisation":
            raise ApiError(409, f"the consent is {status}, not awaiting authorisation")
        if expired(record, self._sandbox.clock.now(ns, tx)):
            raise ApiError(410, "the consent has expired")
        return record
