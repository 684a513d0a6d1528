"""The AIS data endpoints: what a consent lets a TPP read, in OBIE's response shapes.

Every read goes through ``View``: the Authorised consent behind the token, the permissions it
grants (Basic or Detail decides the fields, Credits/Debits which transactions), the accounts the
PSU chose, and the transaction window of the consent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.paging import page_url, paginate
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import current_sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import access, resources

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
            chosen.append((booked, tx))
        # Stable: entries booked at the same moment keep the order they were booked in.
        return [tx for _, tx in sorted(chosen, key=lambda pair: pair[0])]


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


@contextmanager
def consented_view(*permissions: str) -> Iterator[tuple[View, set[str]]]:
    """The token's consent, checked for one of ``permissions``, inside a read transaction."""
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.read() as tx:
        now = sandbox.clock.now(ns, tx)
        record = access.authorised_consent(tx, ns, now)
        granted = access.require(record, *permissions) if permissions else set()
        yield View(tx, ns, record, now), granted


def listing(
    key: str,
    build: Callable[[View, set[str]], list[dict[str, Any]]],
    *permissions: str,
    page: int | None = None,
    query: dict[str, Any] | None = None,
    meta: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> ConnexionResponse:
    """``{"Data": {key: [...]}, "Links", "Meta"}`` for what ``build`` returns, one page of it."""
    with consented_view(*permissions) as (view, granted):
        items = build(view, granted)
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


# -- what each endpoint lists -----------------------------------------------------------------

ACCOUNTS = ("ReadAccountsBasic", "ReadAccountsDetail")
TRANSACTIONS = ("ReadTransactionsBasic", "ReadTransactionsDetail")


def accounts(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadAccountsDetail" in granted
        psu = view.psu()
        return [resources.account(a, psu, detail=detail) for a in view.accounts(account_id)]

    return listing("Account", build, *ACCOUNTS, page=page)


def balances(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        return [b for a in view.accounts(account_id) for b in resources.balances(a, at=view.now)]

    return listing("Balance", build, "ReadBalances", page=page)


def transactions(account_id: str | None, query: dict[str, Any]) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadTransactionsDetail" in granted
        return [
            resources.transaction(t, a, detail=detail)
            for a in view.accounts(account_id)
            for t in view.transactions(a, granted, query)
        ]

    return _transaction_listing(build, query)


def _transaction_listing(
    build: Callable[[View, set[str]], list[dict[str, Any]]], query: dict[str, Any]
) -> ConnexionResponse:
    page = query.get("page")
    return listing(
        "Transaction", build, *TRANSACTIONS, page=page, query=query, meta=transaction_meta
    )


def _mandates(view: View, account: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [m for m in view.children("psu.mandate", account) if m["kind"] == kind]


def direct_debits(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        return [
            resources.direct_debit(m)
            for a in view.accounts(account_id)
            for m in _mandates(view, a, "direct_debit")
        ]

    return listing("DirectDebit", build, "ReadDirectDebits", page=page)


def standing_orders(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadStandingOrdersDetail" in granted
        return [
            resources.standing_order(m, detail=detail)
            for a in view.accounts(account_id)
            for m in _mandates(view, a, "standing_order")
        ]

    return listing(
        "StandingOrder", build, "ReadStandingOrdersBasic", "ReadStandingOrdersDetail", page=page
    )


def scheduled_payments(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadScheduledPaymentsDetail" in granted
        return [
            resources.scheduled_payment(p, detail=detail)
            for a in view.accounts(account_id)
            for p in view.children("psu.scheduled_payment", a)
        ]

    permissions = ("ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail")
    return listing("ScheduledPayment", build, *permissions, page=page)


def beneficiaries(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadBeneficiariesDetail" in granted
        return [
            b
            for a in view.accounts(account_id)
            for b in resources.beneficiaries(a, view.children("psu.transaction", a), detail=detail)
        ]

    permissions = ("ReadBeneficiariesBasic", "ReadBeneficiariesDetail")
    return listing("Beneficiary", build, *permissions, page=page)


def offers(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        return [o for a in view.accounts(account_id) for o in resources.offers(a)]

    return listing("Offer", build, "ReadOffers", page=page)


def products(account_id: str | None, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        return [resources.product(a) for a in view.accounts(account_id)]

    return listing("Product", build, "ReadProducts", page=page)


def parties(account_id: str, page: int | None) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        (account,) = view.accounts(account_id)  # the account must be one of the consent's
        return resources.account_parties(account, view.psu())

    return listing("Party", build, "ReadParty", page=page)


def party(account_id: str | None) -> ConnexionResponse:
    """OBReadParty2: the account's owner (a business, for a business account), or the PSU."""
    permission = "ReadParty" if account_id else "ReadPartyPSU"
    with consented_view(permission) as (view, _):
        found = resources.party(view.psu())
        if account_id:
            (account,) = view.accounts(account_id)
            found = resources.account_parties(account, view.psu())[0]
    body = {"Data": {"Party": found}, "Links": {"Self": page_url(1, {})}, "Meta": {"TotalPages": 1}}
    return json_reply(body)


STATEMENTS = ("ReadStatementsBasic", "ReadStatementsDetail")


def _statements(view: View, account: dict[str, Any], detail: bool) -> list[dict[str, Any]]:
    rows = view.children("psu.transaction", account)
    return resources.statements(account, rows, detail=detail, at=view.now)


def statements(
    account_id: str | None, statement_id: str | None, query: dict[str, Any]
) -> ConnexionResponse:
    start = _wall(query.get("fromStatementDateTime"))
    end = _wall(query.get("toStatementDateTime"))

    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadStatementsDetail" in granted
        found = []
        for a in view.accounts(account_id):
            for s in _statements(view, a, detail):
                begins, ends = _wall(s["StartDateTime"]), _wall(s["EndDateTime"])
                assert begins is not None and ends is not None
                if (start and ends < start) or (end and begins > end):
                    continue
                found.append(s)
        if statement_id is not None:
            found = [s for s in found if s["StatementId"] == statement_id]
            if not found:
                raise ApiError(
                    400,
                    f"no statement {statement_id}",
                    code="UK.OBIE.Resource.NotFound",
                    path="StatementId",
                )
        return found

    return listing("Statement", build, *STATEMENTS, page=query.get("page"), query=query)


def _one_statement(view: View, account: dict[str, Any], statement_id: str) -> dict[str, Any]:
    for s in _statements(view, account, detail=True):
        if s["StatementId"] == statement_id:
            return s
    raise ApiError(
        400, f"no statement {statement_id}", code="UK.OBIE.Resource.NotFound", path="StatementId"
    )


def statement_transactions(
    account_id: str, statement_id: str, query: dict[str, Any]
) -> ConnexionResponse:
    def build(view: View, granted: set[str]) -> list[dict[str, Any]]:
        detail = "ReadTransactionsDetail" in granted
        (account,) = view.accounts(account_id)
        statement = _one_statement(view, account, statement_id)
        visible = {t["id"] for t in view.transactions(account, granted, query)}
        rows = [t for t in view.children("psu.transaction", account) if t["id"] in visible]
        in_period = resources.statement_transactions(statement, account, rows)
        return [resources.transaction(t, account, detail=detail) for t in in_period]

    return _transaction_listing(build, query)


def statement_file(account_id: str, statement_id: str) -> ConnexionResponse:
    with consented_view("ReadStatementsDetail") as (view, _):
        (account,) = view.accounts(account_id)
        statement = _one_statement(view, account, statement_id)
        pdf = resources.statement_pdf(statement, account, view.children("psu.transaction", account))
    # The header itself: Connexion sends no Content-Type for a bare mimetype.
    return ConnexionResponse(
        status_code=200,
        mimetype="application/pdf",
        body=pdf,
        headers={"Content-Type": "application/pdf"},
    )
