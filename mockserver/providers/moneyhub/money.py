"""Moneyhub amounts: integer minor units (pence), with major and minor parts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def pence(value: Decimal | str) -> int:
    return int((Decimal(value) * 100).to_integral_value())


def amount(value: int, currency: str = "GBP") -> dict[str, Any]:
    """``{"value", "majorUnits", "minorUnits", "currency"}``; the parts carry the sign."""
    sign = -1 if value < 0 else 1
    major, minor = divmod(abs(value), 100)
    return {
        "value": value,
        "majorUnits": sign * major,
        "minorUnits": sign * minor,
        "currency": currency,
    }
