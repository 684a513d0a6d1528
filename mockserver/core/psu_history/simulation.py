"""Simulation: a PSU's planned events replayed in time order against running balances.

State-dependent behaviour lives here: card spend is declined and standing orders are not paid
when there is no room, direct debits come back unpaid (with a fee and a representment), savings
and overdraft interest accrue daily, credit-card repayments pay the last statement balance, and
transfers between the PSU's own accounts book both legs. The result is each ledger's booked
rows, with running balances.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from mockserver.core.psu_history.dates import add_working_days, clamped
from mockserver.core.psu_history.ledger import Context, Ledger
from mockserver.core.psu_history.model import CENT, MANDATE_METHODS, ZERO, format_money
from mockserver.core.psu_history.planning import Event

# Bank-generated interest and charges post at 00:30, before any planned event of the day.
_SYSTEM_TIME = time(0, 30)
_REPRESENT_AFTER_WORKING_DAYS = 3
_DAYS_PER_YEAR = Decimal(365)
_MIRROR_CATEGORY = {"transfer_out": "transfer_in", "transfer_in": "transfer_out"}


class Simulation:
    """Replays one PSU's events, all accounts together, in time order (a priority queue).

    Follow-ups (refunds, loan collections, unpaid-DD reversals, fees, representments) join the
    queue as they arise, so every account's rows come out already sorted by time.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ledgers = ctx.ledgers
        self.queue: list[tuple[datetime, int, Event]] = []
        self.order = itertools.count()
        # mandate id -> (date, amount) of every successful collection
        self.collections: dict[str, list[tuple[date, Decimal]]] = {}
        self.now = datetime.combine(ctx.played.start, time(0), UTC)

    def push(self, event: Event) -> None:
        if event.when < self.now:
            raise AssertionError(f"event in the past: {event}")
        heapq.heappush(self.queue, (event.when, next(self.order), event))

    def run(self) -> None:
        """Replay every day up to today; events beyond today stay unplayed."""
        day = self.ctx.played.start
        while day <= self.ctx.window.end:
            if day == self.ctx.window.start:
                for ledger in self.ledgers.values():
                    ledger.window_opening = ledger.balance
            self._start_of_day(day)
            while self.queue and self.queue[0][0].date() <= day:
                self.now, _, event = heapq.heappop(self.queue)
                self._apply(event)
            self._end_of_day()
            day += timedelta(days=1)

    def _apply(self, event: Event) -> None:
        ledger = self.ledgers[event.account]
        amount = event.amount if event.amount is not None else self._dynamic_amount(event)
        if amount is None or amount == 0:
            return  # nothing to pay off or sweep this time
        headroom = ledger.balance + amount - ledger.spec.floor
        if amount < 0 and headroom < 0:
            if event.method == "direct_debit":
                self._return_direct_debit(ledger, event, amount)
                return
            if event.discretionary:
                return  # card declined, standing order not paid: nothing is booked
        if event.discretionary and headroom < ledger.spec.spend_cushion * Decimal(event.restraint):
            return  # close to the limit, people put off what they can
        self._post(ledger, event, amount)
        if event.mandate and amount < 0:
            self.collections.setdefault(event.mandate, []).append((event.when.date(), -amount))
        if event.to_account:
            self._post_mirror(ledger, event, amount)
        for follow_up in event.follow_ups:
            self.push(follow_up)

    def _dynamic_amount(self, event: Event) -> Decimal | None:
        """Pay off a credit card's last statement, or sweep what a balance holds above a level."""
        assert event.to_account is not None and event.sizing is not None
        if event.sizing.excess_over is not None:
            excess = self.ledgers[event.account].balance - event.sizing.excess_over
            return -min(excess, event.sizing.high) if excess > 0 else None
        card = self.ledgers[event.to_account]
        owed = -card.statement_balance
        if owed <= 0:
            return None
        card.statement_balance = ZERO  # paid: a second collection this cycle finds nothing
        return -owed

    def _post_mirror(self, source: Ledger, event: Event, amount: Decimal) -> None:
        """The other leg of a transfer between two of the PSU's own accounts."""
        assert event.to_account is not None
        target = self.ledgers[event.to_account]
        mirror = Event(
            when=event.when,
            account=target.spec.key,
            amount=-amount,
            category=_MIRROR_CATEGORY.get(event.category, event.category),
            method="transfer",
            description=event.mirror_description or "TRANSFER",
            merchant=source.holder,
            counterparty=source.counterparty,
            reference=event.reference,
        )
        self._post(target, mirror, -amount)

    def _return_direct_debit(self, ledger: Ledger, event: Event, amount: Decimal) -> None:
        """Unpaid: the collection is presented and reversed, a fee charged, and it comes again."""
        self._post(ledger, event, amount)
        minute = timedelta(minutes=1)
        self.push(
            dataclasses.replace(
                event,
                when=event.when + minute,
                amount=-amount,
                category="returned_direct_debit",
                description=f"UNPAID DD {event.description}",
                to_account=None,
                follow_ups=(),
            )
        )
        fee = ledger.spec.unpaid_item_fee
        if fee:
            self.push(self._bank_event(ledger, event.when + 2 * minute, -fee, "UNPAID ITEM FEE"))
        if not event.represented:
            again = add_working_days(event.when.date(), _REPRESENT_AFTER_WORKING_DAYS)
            self.push(
                dataclasses.replace(
                    event,
                    when=datetime.combine(again, event.when.timetz()),
                    amount=amount,
                    description=f"{event.description} REPRESENTED",
                    represented=True,
                )
            )

    def _bank_event(
        self, ledger: Ledger, when: datetime, amount: Decimal, text: str, *, interest: bool = False
    ) -> Event:
        return Event(
            when=when,
            account=ledger.spec.key,
            amount=amount,
            category="interest" if interest and amount > 0 else "fees",
            method="interest" if interest else "fee",
            description=text,
            merchant=self.ctx.bank.name,
        )

    def _start_of_day(self, day: date) -> None:
        """Statements are cut and accrued interest paid or charged before the day's business."""
        at = datetime.combine(day, _SYSTEM_TIME, UTC)
        for ledger in self.ledgers.values():
            spec = ledger.spec
            if spec.statement_day and day == clamped(day.year, day.month, spec.statement_day):
                ledger.statement_balance = ledger.balance
            if spec.interest_rate is not None and day.day == spec.interest_day:
                paid = ledger.credit_interest.quantize(CENT, rounding=ROUND_HALF_UP)
                if paid > 0:
                    ledger.credit_interest -= paid
                    self._post(
                        ledger,
                        self._bank_event(ledger, at, paid, "CREDIT INTEREST", interest=True),
                        paid,
                    )
            if spec.overdraft_rate is not None and day.day == spec.charge_day:
                charged = ledger.debit_interest.quantize(CENT, rounding=ROUND_HALF_UP)
                if charged > 0:
                    ledger.debit_interest -= charged
                    event = self._bank_event(ledger, at, -charged, "OVERDRAFT INTEREST")
                    self._post(ledger, event, -charged)

    def _end_of_day(self) -> None:
        """Interest accrues daily on the closing balance."""
        for ledger in self.ledgers.values():
            spec, balance = ledger.spec, ledger.balance
            if spec.interest_rate is not None and balance > 0:
                ledger.credit_interest += balance * spec.interest_rate / _DAYS_PER_YEAR
            if spec.overdraft_rate is not None and balance < 0:
                ledger.debit_interest += -balance * spec.overdraft_rate / _DAYS_PER_YEAR

    def _post(self, ledger: Ledger, event: Event, amount: Decimal) -> None:
        ledger.balance += amount
        ledger.rows.append(
            {
                "id": "",  # numbered once the account's history is complete
                "account_id": ledger.account_id,
                "psu": ledger.psu,
                "booked_at": event.when.isoformat(),
                "value_date": event.when.date().isoformat(),
                "amount": format_money(amount),
                "currency": ledger.spec.currency,
                "credit_debit": "credit" if amount > 0 else "debit",
                "status": "booked",
                "description": event.description,
                "merchant": event.merchant,
                "category": event.category,
                "method": event.method,
                "mandate_id": event.mandate if event.method in MANDATE_METHODS else None,
                "reference": event.reference,
                "balance_after": format_money(ledger.balance),
                "counterparty": dict(event.counterparty) if event.counterparty else None,
                "mcc": event.mcc if event.method == "card" else None,
            }
        )
