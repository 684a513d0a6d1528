"""Provider-agnostic PSU (bank customer) test data: seeded, deterministic 13-month histories.

``fixtures/psus.yaml`` describes each PSU as a *profile*: accounts, recurring payments, a spend
and income profile, payday loans, upcoming scheduled payments. This package expands the profiles
into booked transactions, direct debits / standing orders and scheduled payments. Every provider
emulation (OBIE, Fena, Moneyhub, ...) maps this one dataset onto its own API shapes, so balances,
transfer legs and mandates must agree with each other.

Each PSU is built in two steps:

1. *plan*: every pattern in the profile yields dated events from its own seeded random stream,
   so editing one pattern never reshuffles the others;
2. *simulate*: the events of all the PSU's accounts are replayed in time order against running
   balances. State-dependent behaviour lives here: card spend is declined and standing orders
   are not paid when there is no room, direct debits come back unpaid (with a fee and a
   representment), savings and overdraft interest accrue daily, credit-card repayments pay the
   last statement balance.

Money is ``decimal.Decimal`` throughout and leaves as two-place strings ("-12.30"). The output
depends only on ``(definitions, seed, today)``.

The names below are the whole public API; the modules behind them are internal:

- ``model``: the vocabularies, money formatting and the parsed profile dataclasses;
- ``fields`` and ``definitions``: reading and validating psus.yaml into those dataclasses;
- ``dates``: the window, month arithmetic, bank holidays and working days;
- ``ledger``: each account's identity and running state while its history is built;
- ``planning``: profile patterns to dated events;
- ``simulation``: events to booked rows with running balances;
- ``dataset``: :class:`PsuDataset` and the assembly of its records.
"""

from mockserver.core.psu_history.dataset import PsuDataset, build_psu_dataset
from mockserver.core.psu_history.definitions import load_psu_definitions
from mockserver.core.psu_history.model import (
    ACCOUNT_TYPES,
    CATEGORIES,
    FREQUENCIES,
    METHODS,
    PsuDefinitionError,
)

__all__ = [
    "ACCOUNT_TYPES",
    "CATEGORIES",
    "FREQUENCIES",
    "METHODS",
    "PsuDataset",
    "PsuDefinitionError",
    "build_psu_dataset",
    "load_psu_definitions",
]
