"""Moneyhub amounts: integer minor units (pence), with major and minor parts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def pence(value: Decimal | str) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def amount(value: int, currency: str = "GBP") -> dict[str, Any]:
    """``{"value", "majorUnits", "minorUnits", "currency"}``: ``value`` carries the sign, the
    parts are those of its size (the swagger: -2300 is 23 major units and 0 minor)."""
    major, minor = divmod(abs(value), 100)
    return {"value": value, "majorUnits": major, "minorUnits": minor, "currency": currency}
