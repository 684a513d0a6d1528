"""Money in insights reports: Decimal throughout, one rounding rule, one way onto the wire.

Every amount is a ``Decimal`` from the submitted string to the final figure; nothing is computed
in binary floating point. The report's documented shape has amounts as JSON numbers, so
``number`` turns a finished Decimal into a Python float only at the very end, for the JSON
encoder: the amounts here have at most 15 significant digits, for which the float's shortest
representation (what ``json.dumps`` writes) is exactly the decimal digits. The shape has the
monthly net positions and the income buckets as strings: ``money_text`` writes those.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal(0)
CENT = Decimal("0.01")
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12


def parse_amount(value: Any) -> Decimal:
    """A CDR AmountString (or a number) as a finite Decimal; ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a decimal amount") from exc
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def parse_optional(value: Any) -> Decimal | None:
    """An amount, or None when absent or unreadable (e.g. balances)."""
    if value is None:
        return None
    try:
        return parse_amount(value)
    except ValueError:
        return None


def round2(value: Decimal) -> Decimal:
    """Half-even to two decimals (banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def monthly_average(total: Decimal, days: int) -> Decimal:
    """``total`` x 30.4375 / ``days``, rounded half-even to two decimals."""
    return round2(total * DAYS_PER_MONTH / Decimal(days))


def number(value: Decimal) -> float:
    """A finished amount as a JSON number (see the module docstring); never ``-0.0``."""
    return 0.0 if value == 0 else float(value)


def money_text(value: Decimal) -> str:
    """An amount as a decimal string with at least two decimals ("12.50", "-3.00"), exact."""
    if value == 0:
        value = abs(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(CENT)
    return f"{value:f}"
