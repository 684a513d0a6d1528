"""The accounts of the PSU being built: their identities and their running state.

:func:`open_ledger` gives each account of a profile its identity (sort code and account number,
IBAN, opening date, card number, mandate ids and references), all drawn from the seed; the
:class:`Ledger` then carries the running balance, accrued interest and booked rows while
:mod:`.simulation` replays the history. :class:`Context` bundles one PSU's ledgers with the seed
and the window for planning and simulation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mockserver.core.determinism import rng, stable_uuid
from mockserver.core.psu_history.dates import Window
from mockserver.core.psu_history.model import (
    ZERO,
    AccountSpec,
    Bank,
    Party,
    PsuDefinitionError,
    PsuSpec,
    Recurring,
)


@dataclass
class Ledger:
    """One account while its history is being replayed."""

    spec: AccountSpec
    psu: str
    account_id: str
    holder: str
    counterparty: dict[str, str]  # how the account appears to the other side of a transfer
    iban: str
    opened_on: date
    masked_pan: str | None
    mandate_ids: dict[int, str]  # recurring pattern index -> mandate id
    mandate_refs: dict[int, str | None]
    balance: Decimal
    statement_balance: Decimal
    window_opening: Decimal = ZERO  # the balance as the window opens, before its first row
    rows: list[dict[str, Any]] = field(default_factory=list)
    credit_interest: Decimal = ZERO  # accrued, owed to the customer
    debit_interest: Decimal = ZERO  # accrued, owed to the bank


@dataclass(frozen=True)
class Context:
    """One PSU being built: the seed, the window and the ledgers of its accounts."""

    seed: int
    username: str
    bank: Bank
    window: Window
    ledgers: dict[str, Ledger]

    @property
    def played(self) -> Window:
        """What is simulated: from the 1st of the window's first month.

        The YAML's opening balances apply on that 1st, so the monthly cycle (rent before payday)
        starts in the right place whatever day the window opens; earlier rows are dropped.
        """
        return Window(start=self.window.start.replace(day=1), end=self.window.end)


def open_ledger(
    psu: PsuSpec,
    spec: AccountSpec,
    seed: int,
    window: Window,
    psu_name: str,
    taken: set[tuple[str, str]],
) -> Ledger:
    """An account at its opening balance, with its identity drawn from the seed."""
    sort_code, account_number = _own_account_number(psu, spec, seed, taken)
    holder = spec.holder_name or psu_name
    r = rng(seed, "psu.account.profile", psu.username, spec.key)
    return Ledger(
        spec=spec,
        psu=psu.username,
        account_id=stable_uuid(seed, "psu.account", psu.username, spec.key),
        holder=holder,
        counterparty={"name": holder, "sort_code": sort_code, "account_number": account_number},
        iban=_iban(psu.bank.code, sort_code, account_number),
        opened_on=spec.opened_on or window.start - timedelta(days=r.randint(400, 3650)),
        masked_pan=f"{'*' * 12}{r.randrange(10**4):04d}" if spec.type == "credit_card" else None,
        mandate_ids={
            p.index: stable_uuid(seed, "psu.mandate", psu.username, spec.key, p.index)
            for p in spec.recurring
            if p.has_mandate
        },
        mandate_refs={
            p.index: _mandate_reference(seed, psu.username, spec.key, p)
            for p in spec.recurring
            if p.has_mandate
        },
        balance=spec.opening_balance,
        statement_balance=spec.opening_balance,
    )


def _own_account_number(
    psu: PsuSpec, spec: AccountSpec, seed: int, taken: set[tuple[str, str]]
) -> tuple[str, str]:
    """Sort code of the PSU's home branch and an account number no other account has."""
    branch = rng(seed, "psu.branch", psu.username).randrange(10**4)
    sort_code = spec.sort_code or f"{psu.bank.sort_code_prefix}{branch:04d}"
    for attempt in itertools.count():
        r = rng(seed, "psu.account.number", psu.username, spec.key, attempt)
        number = spec.account_number or str(r.randrange(10**7, 10**8))
        if (sort_code, number) not in taken:
            taken.add((sort_code, number))
            return sort_code, number
        if spec.account_number:
            raise PsuDefinitionError(f"{psu.username}/{spec.key}: account number already in use")
    raise AssertionError("unreachable")


def _iban(bank_code: str, sort_code: str, account_number: str) -> str:
    """A GB IBAN with valid ISO 13616 (mod-97) check digits."""
    bban = f"{bank_code}{sort_code}{account_number}"
    numeric = "".join(str(int(c, 36)) for c in f"{bban}GB00")
    return f"GB{98 - int(numeric) % 97:02d}{bban}"


def external_account(seed: int, party: Party) -> tuple[str, str]:
    """A stable sort code and account number for someone outside the sandbox bank."""
    r = rng(seed, "psu.counterparty", party.name)
    sort_code = party.sort_code or f"{r.randrange(10**6):06d}"
    return sort_code, party.account_number or str(r.randrange(10**7, 10**8))


def _mandate_reference(seed: int, username: str, account: str, pattern: Recurring) -> str | None:
    """The YAML's reference, else one like a customer number: payee initials and digits."""
    if pattern.reference is not None or not pattern.party.name:
        return pattern.reference
    r = rng(seed, "psu.mandate.reference", username, account, pattern.index)
    initials = "".join(w[0] for w in pattern.party.name.split() if w[:1].isalpha())[:3].upper()
    return f"{initials or 'REF'}{r.randrange(10**7, 10**8)}"
