"""Assembly: the PSU profiles become the dataset's records.

:func:`build_psu_dataset` parses the definitions, opens each PSU's ledgers, plans and simulates
its history over the 13-month window ending today, and turns the result into plain
JSON-serialisable records: PSUs, accounts, transactions (the trailing card spend of the last
days pending), direct debit and standing order mandates, and scheduled payments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mockserver.core.determinism import faker, rng, stable_uuid
from mockserver.core.psu_history.dates import Window, add_months, to_working_day
from mockserver.core.psu_history.definitions import parse_psus
from mockserver.core.psu_history.ledger import Context, Ledger, external_account, open_ledger
from mockserver.core.psu_history.model import PsuSpec, Recurring, Scheduled, format_money
from mockserver.core.psu_history.planning import payee, plan, recurring_dates, render_reference
from mockserver.core.psu_history.simulation import Simulation

WINDOW_MONTHS = 13
# Card spend of today and yesterday has not been booked by the bank yet.
PENDING_DAYS = 2


@dataclass(frozen=True)
class PsuDataset:
    """Everything generated for the PSUs, as plain JSON-serialisable dicts."""

    psus: tuple[dict[str, Any], ...]
    accounts: tuple[dict[str, Any], ...]
    transactions: tuple[dict[str, Any], ...]
    mandates: tuple[dict[str, Any], ...]
    scheduled_payments: tuple[dict[str, Any], ...]

    def records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(kind, id, data)`` for the store; parents come before their children."""
        groups = (
            ("psu", self.psus),
            ("psu.account", self.accounts),
            ("psu.transaction", self.transactions),
            ("psu.mandate", self.mandates),
            ("psu.scheduled_payment", self.scheduled_payments),
        )
        for kind, items in groups:
            for item in items:
                yield kind, str(item["id"]), item


def build_psu_dataset(definitions: list[dict[str, Any]], seed: int, today: date) -> PsuDataset:
    """Expand PSU definitions into the 13 months of history ending at ``today``."""
    specs = parse_psus(definitions)
    window = Window(start=add_months(today, -WINDOW_MONTHS), end=today)
    taken: set[tuple[str, str]] = set()  # (sort code, account number) already handed out
    parts = [_build_psu(spec, seed, window, taken) for spec in specs]
    return PsuDataset(
        psus=tuple(p.psu for p in parts),
        accounts=tuple(a for p in parts for a in p.accounts),
        transactions=tuple(t for p in parts for t in p.transactions),
        mandates=tuple(m for p in parts for m in p.mandates),
        scheduled_payments=tuple(s for p in parts for s in p.scheduled_payments),
    )


@dataclass(frozen=True)
class _PsuParts:
    psu: dict[str, Any]
    accounts: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    mandates: list[dict[str, Any]]
    scheduled_payments: list[dict[str, Any]]


def _build_psu(spec: PsuSpec, seed: int, window: Window, taken: set[tuple[str, str]]) -> _PsuParts:
    psu = _psu_record(spec, seed)
    ledgers = {a.key: open_ledger(spec, a, seed, window, psu["name"], taken) for a in spec.accounts}
    ctx = Context(seed, spec.username, spec.bank, window, ledgers)
    sim = Simulation(ctx)
    for event in plan(ctx):
        sim.push(event)
    sim.run()
    # Rows first: dropping the lead-in and marking pending rows settle the account balances.
    transactions = [row for ledger in ledgers.values() for row in _finish_rows(ledger, ctx)]
    return _PsuParts(
        psu=psu,
        accounts=[_account_record(ledger, spec) for ledger in ledgers.values()],
        transactions=transactions,
        mandates=[
            _mandate_record(ledger, pattern, sim)
            for ledger in ledgers.values()
            for pattern in ledger.spec.recurring
            if pattern.has_mandate
        ],
        scheduled_payments=[
            _scheduled_record(ledger, item, ctx)
            for ledger in ledgers.values()
            for item in ledger.spec.scheduled
        ],
    )


def _psu_record(spec: PsuSpec, seed: int) -> dict[str, Any]:
    """The PSU; anything the YAML leaves out is made up from the seed."""
    made_up = (
        _made_up_identity(seed, spec.username) if spec.name is None or spec.address is None else {}
    )
    r = rng(seed, "psu.profile", spec.username)
    born = date(1950, 1, 1) + timedelta(days=r.randrange(365 * 50))
    phone = f"+447700900{r.randrange(1000):03d}"  # Ofcom's range reserved for drama
    return {
        "id": spec.username,
        "username": spec.username,
        "password": spec.password,
        "name": spec.name or made_up["name"],
        "email": spec.email or f"{spec.username}@example.com",
        "phone": spec.phone or phone,
        "address": spec.address or made_up["address"],
        "birth_date": (spec.birth_date or born).isoformat(),
        "persona": spec.persona,
    }


def _made_up_identity(seed: int, username: str) -> dict[str, Any]:
    """A fake name and address; only called when the YAML leaves them out (Faker is slow)."""
    fake = faker(seed, "psu", username)
    # The Faker is shared and re-seeded per call: take every value before anything else runs.
    name, street, town, postcode = fake.name(), fake.street_address(), fake.city(), fake.postcode()
    lines = str(street).split("\n")
    address = {"lines": lines, "town": str(town), "postcode": str(postcode), "country": "GB"}
    return {"name": str(name), "address": address}


def _finish_rows(ledger: Ledger, ctx: Context) -> list[dict[str, Any]]:
    """Drop the lead-in, number the rows, mark the trailing card spend of the last days pending.

    Only a *trailing* run is pending, so every pending row comes after the last booked one and
    the account's booked balance is simply the last booked row's running balance.
    """
    first_day = ctx.window.start.isoformat()
    rows = ledger.rows = [row for row in ledger.rows if row["value_date"] >= first_day]
    for n, row in enumerate(rows):
        row["id"] = stable_uuid(ctx.seed, "psu.transaction", ledger.psu, ledger.spec.key, n)
    cutoff = (ctx.window.end - timedelta(days=PENDING_DAYS - 1)).isoformat()
    for row in reversed(rows):
        if row["method"] != "card" or row["value_date"] < cutoff:
            break
        row["status"] = "pending"
    return rows


def _account_record(ledger: Ledger, psu: PsuSpec) -> dict[str, Any]:
    spec = ledger.spec
    booked = [row for row in ledger.rows if row["status"] == "booked"]
    record: dict[str, Any] = {
        "id": ledger.account_id,
        "psu": psu.username,
        "key": spec.key,
        "type": spec.type,
        "name": spec.name,
        "holder_name": ledger.holder,
        "currency": spec.currency,
        "sort_code": ledger.counterparty["sort_code"],
        "account_number": ledger.counterparty["account_number"],
        "iban": ledger.iban,
        "opened_on": ledger.opened_on.isoformat(),
        "opening_balance": format_money(ledger.window_opening),
        "balance": booked[-1]["balance_after"] if booked else format_money(ledger.window_opening),
        # Booked balance plus pending card spend; any credit line is the provider's business.
        "available_balance": format_money(ledger.balance),
    }
    if ledger.masked_pan is not None:
        record["masked_pan"] = ledger.masked_pan
    if spec.overdraft_limit is not None:
        record["overdraft_limit"] = format_money(spec.overdraft_limit)
    if spec.credit_limit is not None:
        record["credit_limit"] = format_money(spec.credit_limit)
    return record


def _mandate_record(ledger: Ledger, p: Recurring, sim: Simulation) -> dict[str, Any]:
    """A direct debit or standing order, dated from its collections and its schedule."""
    window = sim.ctx.window
    mandate_id = ledger.mandate_ids[p.index]
    collected = [c for c in sim.collections.get(mandate_id, []) if c[0] >= window.start]
    upcoming = recurring_dates(
        p, window, window.end + timedelta(days=1), window.end + timedelta(days=400)
    )
    target = sim.ledgers[p.to_account] if p.to_account else None
    reference = ledger.mandate_refs.get(p.index, p.reference)
    name, counterparty = payee(sim.ctx, p, target)
    target_name = target.spec.name.upper() if target else ""
    fixed = p.amount.low == p.amount.high and not p.amount.dynamic
    # A variable collection (card payoff, metered bill) shows what it last took.
    amount = p.amount.low if fixed or not collected else collected[-1][1]
    first = _first_payment_date(ledger, p, sim, collected, upcoming)
    record: dict[str, Any] = {
        "id": mandate_id,
        "account_id": ledger.account_id,
        "psu": ledger.psu,
        "kind": p.method,
        "name": name,
        # An own-account standing order without a reference shows the account it feeds.
        "reference": render_reference(reference, 1, window.end)
        if reference
        else (target_name or None),
        "amount": format_money(amount),
        "currency": ledger.spec.currency,
        "category": p.category,
        "frequency": p.frequency,
        "first_payment_date": first.isoformat() if first else None,
        "last_payment_date": collected[-1][0].isoformat() if collected else None,
        "next_payment_date": upcoming[0].isoformat() if upcoming else None,
        "status": "active" if upcoming else "cancelled",
        "counterparty": counterparty,
    }
    if p.day_of_month is not None:
        record["day_of_month"] = p.day_of_month
    if p.weekday is not None:
        record["day_of_week"] = p.weekday + 1  # ISO: Monday is 1
    return record


def _first_payment_date(
    ledger: Ledger,
    p: Recurring,
    sim: Simulation,
    collected: list[tuple[date, Decimal]],
    upcoming: list[date],
) -> date | None:
    """Patterns running from the window start were set up some months before it."""
    window = sim.ctx.window
    if p.from_month > 0 or not collected:
        return collected[0][0] if collected else (upcoming[0] if upcoming else None)
    r = rng(sim.ctx.seed, "psu.mandate.since", ledger.psu, ledger.spec.key, p.index)
    since = max(ledger.opened_on, add_months(window.start, -r.randint(1, 36)))
    earlier = recurring_dates(p, window, since, window.start, bounded=False)
    return earlier[0] if earlier else collected[0][0]


def _scheduled_record(ledger: Ledger, item: Scheduled, ctx: Context) -> dict[str, Any]:
    """A future one-off payment, on a working day no more than 30 days ahead."""
    sort_code, account_number = external_account(ctx.seed, item.payee)
    due = ctx.window.end + timedelta(days=item.in_days)
    execution = to_working_day(due, "next")
    if execution > ctx.window.end + timedelta(days=30):
        execution = to_working_day(due, "previous")
    uid = stable_uuid(ctx.seed, "psu.scheduled_payment", ledger.psu, ledger.spec.key, item.index)
    return {
        "id": uid,
        "account_id": ledger.account_id,
        "psu": ledger.psu,
        "execution_date": execution.isoformat(),
        "amount": format_money(item.amount),
        "currency": ledger.spec.currency,
        "payee": {
            "name": item.payee.name,
            "sort_code": sort_code,
            "account_number": account_number,
        },
        "reference": item.reference,
    }
