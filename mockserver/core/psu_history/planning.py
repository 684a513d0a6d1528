"""Planning: the patterns of a PSU profile become dated events.

Every recurring payment, spend or income profile entry and payday loan draws its dates, amounts
and times from its own seeded random stream, so editing one pattern never reshuffles the others.
What an event's fate is (declined, returned unpaid, sized from a statement) is decided later,
when :mod:`.simulation` replays it against the balances.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random

from mockserver.core.determinism import rng
from mockserver.core.psu_history.dates import Window, clamped, month_starts, to_working_day
from mockserver.core.psu_history.ledger import Context, Ledger, external_account
from mockserver.core.psu_history.model import (
    CENT,
    MINUTES,
    WEEKLY_PERIODS,
    Amount,
    Loan,
    Party,
    PsuDefinitionError,
    RandomEntry,
    Recurring,
)

_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Payday lenders collect by card (continuous payment authority) just after the salary lands.
_LOAN_COLLECTION_MINUTES = (390, 419)
_EPOCH_MONDAY = date(2000, 1, 3)  # fixes the phase of fortnightly and four-weekly patterns


@dataclass(frozen=True)
class Event:
    """Something that will (try to) happen to an account at ``when``."""

    when: datetime
    account: str
    amount: Decimal | None  # signed; None: sized when it runs, by ``sizing``
    category: str
    method: str
    description: str
    merchant: str
    counterparty: dict[str, str] | None = None
    mcc: str | None = None
    reference: str | None = None
    mandate: str | None = None
    to_account: str | None = None
    mirror_description: str | None = None
    sizing: Amount | None = None  # a dynamic amount (card statement, sweep)
    discretionary: bool = False  # declined (not an error) when funds are short
    restraint: float = 0.0  # 0..1: how much of the account's spend cushion this purchase respects
    represented: bool = False
    follow_ups: tuple[Event, ...] = ()


def plan(ctx: Context) -> Iterator[Event]:
    """Every event the profile plans for the played period, account by account."""
    for ledger in ctx.ledgers.values():
        spec = ledger.spec
        paydays = sorted(
            d
            for p in spec.recurring
            if p.category == "salary" and p.credit
            for d in recurring_dates(p, ctx.played, ctx.played.start, ctx.played.end)
        )
        for pattern in spec.recurring:
            yield from _plan_recurring(ctx, ledger, pattern)
        for entry in spec.randoms:
            yield from _plan_random(ctx, ledger, entry)
        for loan in spec.loans:
            yield from _plan_loan(ctx, ledger, loan, paydays)


def recurring_dates(
    p: Recurring, window: Window, start: date, end: date, *, bounded: bool = True
) -> list[date]:
    """Payment dates of a pattern in [start, end], moved off non-working days as configured.

    ``bounded`` applies from_month/until_month (counted from the window start); without it the
    pattern is imagined running indefinitely, to date mandates set up before the window.
    """
    margin = timedelta(days=7)  # a nominal date just outside may be moved inside
    if p.frequency in WEEKLY_PERIODS:
        nominal = _weekly_dates(p, start - margin, end + margin)
    else:
        nominal = _monthly_dates(p, start - margin, end + margin)
    dates = []
    for day in nominal:
        month = window.month_index(day)
        if bounded and (
            month < p.from_month or (p.until_month is not None and month >= p.until_month)
        ):
            continue
        actual = to_working_day(day, p.business_day)
        if start <= actual <= end:
            dates.append(actual)
    return dates


def _monthly_dates(p: Recurring, start: date, end: date) -> Iterator[date]:
    assert p.day_of_month is not None
    for first in month_starts(start, end):
        if p.months is None or first.month in p.months:
            day = clamped(first.year, first.month, p.day_of_month)
            if start <= day <= end:
                yield day


def _weekly_dates(p: Recurring, start: date, end: date) -> Iterator[date]:
    assert p.weekday is not None
    period = WEEKLY_PERIODS[p.frequency]
    day = start + timedelta(days=(p.weekday - start.weekday()) % 7)
    while day <= end:
        if ((day - _EPOCH_MONDAY).days // 7) % period == p.week_offset:
            yield day
        day += timedelta(days=7)


def _plan_recurring(ctx: Context, ledger: Ledger, p: Recurring) -> Iterator[Event]:
    r = rng(ctx.seed, "psu.recurring", ctx.username, ledger.spec.key, p.index)
    mandate = ledger.mandate_ids.get(p.index)
    reference = ledger.mandate_refs.get(p.index, p.reference)
    target = ctx.ledgers[p.to_account] if p.to_account else None
    merchant, counterparty = payee(ctx, p, target)
    for n, day in enumerate(recurring_dates(p, ctx.played, ctx.played.start, ctx.played.end)):
        # Draw everything before the probability check so skipping never shifts later draws.
        happens = r.random() < p.probability
        amount = None if p.amount.dynamic else _draw(r, p.amount)
        when = _at(day, MINUTES[p.method], r)
        if not happens:
            continue
        ref = render_reference(reference, n + 1, day)
        yield Event(
            when=when,
            account=ledger.spec.key,
            amount=None if amount is None else (amount if p.credit else -amount),
            sizing=p.amount if p.amount.dynamic else None,
            category=p.category,
            method=p.method,
            description=_describe(p.party.statement or None, target, ref),
            merchant=merchant,
            counterparty=counterparty,
            mcc=p.party.mcc if p.method == "card" else None,
            reference=ref,
            mandate=mandate,
            to_account=p.to_account,
            mirror_description=p.mirror_statement or _mirror_description(p.category, ledger),
            # Without funds card subscriptions are declined, standing orders and transfers to own
            # accounts not made; direct debits have their own fate (returned unpaid).
            discretionary=p.method in ("standing_order", "card")
            or (target is not None and p.method != "direct_debit"),
        )


def payee(ctx: Context, p: Recurring, target: Ledger | None) -> tuple[str, dict[str, str] | None]:
    """Who a recurring payment names: its payee, else (own-account transfers) the own account.

    A named payee wins even for an own-account transfer: a card is paid off by direct debit to
    the card issuer, not to the cardholder.
    """
    if target is None or p.party.name:
        return p.party.name, _counterparty(ctx, p.party, p.method)
    return target.holder, dict(target.counterparty)


def _describe(statement: str | None, target: Ledger | None, ref: str | None) -> str:
    """Statement text: the payee as the bank prints it (or the own account), then the reference."""
    base = statement or f"TRANSFER TO {target.spec.name.upper() if target else 'ACCOUNT'}"
    return f"{base} {ref}" if ref else base


def _mirror_description(category: str, source: Ledger) -> str:
    if category == "credit_card_repayment":
        return "PAYMENT RECEIVED - THANK YOU"
    return f"TRANSFER FROM {source.spec.name.upper()}"


def _counterparty(ctx: Context, party: Party, method: str) -> dict[str, str] | None:
    """Who the money went to or came from, as far as the bank knows."""
    if method in ("card", "fee", "interest"):
        return None
    if method == "direct_debit":  # only the originator's name travels with a direct debit
        return {"name": party.name}
    sort_code, account_number = external_account(ctx.seed, party)
    return {"name": party.name, "sort_code": sort_code, "account_number": account_number}


def _random_dates(r: Random, entry: RandomEntry, window: Window) -> list[date]:
    """``count`` random days in each week or month overlapping the window."""
    days: list[date] = []
    if entry.per == "week":
        monday = window.start - timedelta(days=window.start.weekday())
        periods = [
            (monday + timedelta(weeks=w), 7) for w in range((window.end - monday).days // 7 + 1)
        ]
    else:
        periods = [
            (first, calendar.monthrange(first.year, first.month)[1])
            for first in month_starts(window.start, window.end)
        ]
    for first, length in periods:
        candidates = [first + timedelta(days=i) for i in range(length)]
        if entry.weekdays_only:
            candidates = [d for d in candidates if d.weekday() < 5]
        count = r.randint(*entry.count)
        days.extend(d for d in (r.choice(candidates) for _ in range(count)) if d in window)
    return sorted(days)


def _plan_random(ctx: Context, ledger: Ledger, entry: RandomEntry) -> Iterator[Event]:
    r = rng(ctx.seed, "psu.random", ctx.username, ledger.spec.key, entry.section, entry.index)
    weights = [p.weight for p in entry.parties]
    target = ctx.ledgers[entry.to_account] if entry.to_account else None
    for n, day in enumerate(_random_dates(r, entry, ctx.played), start=entry.counter_start):
        party = r.choices(entry.parties, weights)[0]
        amount = _draw(r, entry.amount)
        when = _at(day, entry.minutes, r)
        refund_after = r.randint(2, 12) if r.random() < entry.refund_probability else None
        restraint = r.random()
        ref = render_reference(entry.reference, n, day)
        event = Event(
            when=when,
            account=ledger.spec.key,
            amount=amount if entry.credit else -amount,
            category=entry.category,
            method=entry.method,
            description=_describe(None if target else party.statement, target, ref),
            merchant=target.holder if target else party.name,
            counterparty=target.counterparty if target else _counterparty(ctx, party, entry.method),
            mcc=party.mcc if entry.method == "card" else None,
            reference=ref,
            to_account=entry.to_account,
            mirror_description=_mirror_description(entry.category, ledger),
            discretionary=not entry.credit,
            restraint=restraint,
        )
        if refund_after is not None and not entry.credit:
            refund = dataclasses.replace(
                event,
                when=_at(day + timedelta(days=refund_after), MINUTES[entry.method], r),
                amount=amount,
                category="refund",
                description=f"REFUND {party.statement}",
                discretionary=False,
            )
            event = dataclasses.replace(event, follow_ups=(refund,))
        yield event


def _plan_loan(ctx: Context, ledger: Ledger, loan: Loan, paydays: list[date]) -> Iterator[Event]:
    """Payday loans: paid out mid-month, collected in one go on the next payday."""
    r = rng(ctx.seed, "psu.loan", ctx.username, ledger.spec.key, loan.index)
    lender = loan.lender
    for first in month_starts(ctx.played.start, ctx.played.end):
        takes_loan = r.random() < loan.probability
        day = clamped(first.year, first.month, r.randint(*loan.days))
        principal = _draw(r, loan.amount)
        paid_out = _at(day, MINUTES["faster_payment"], r)
        if not takes_loan or day not in ctx.played:
            continue
        payday = next((d for d in paydays if d > day), day + timedelta(days=30))
        due = (principal * (1 + loan.cost_rate)).quantize(CENT, rounding=ROUND_HALF_UP)
        repayment = Event(
            when=_at(payday, _LOAN_COLLECTION_MINUTES, r),
            account=ledger.spec.key,
            amount=-due,
            category="loan_repayment",
            method="card",
            description=f"{lender.statement} REPAYMENT",
            merchant=lender.name,
            mcc=lender.mcc,
        )
        yield Event(
            when=paid_out,
            account=ledger.spec.key,
            amount=principal,
            category="loan_credit",
            method="faster_payment",
            description=f"{lender.statement} LOAN",
            merchant=lender.name,
            counterparty=_counterparty(ctx, lender, "faster_payment"),
            follow_ups=(repayment,),
        )


def _at(day: date, minutes: tuple[int, int], r: Random) -> datetime:
    """A moment of ``day`` in the minute-of-day range (UTC)."""
    minute = r.randint(*minutes)
    return datetime.combine(day, time(minute // 60, minute % 60), UTC)


def _draw(r: Random, amount: Amount) -> Decimal:
    """An amount from the range, skewed to the low end (most shops are small ones)."""
    if amount.low == amount.high:
        return amount.low
    low, high = int(amount.low * 100), int(amount.high * 100)
    pennies = round(r.triangular(low, high, low + (high - low) / 4))
    step = int(amount.step * 100)
    pennies = max(step, round(pennies / step) * step)
    return Decimal(pennies).scaleb(-2)


def render_reference(template: str | None, counter: int, day: date) -> str | None:
    """Fill a reference template: {n} counts occurrences, {month} and {year} date them."""
    if template is None:
        return None
    try:
        return template.format(n=counter, month=_MONTH_ABBR[day.month - 1], year=day.year)
    except (KeyError, IndexError, ValueError) as error:
        raise PsuDefinitionError(f"bad reference template {template!r}: {error}") from None
