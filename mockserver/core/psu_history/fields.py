"""Typed, validated access to one mapping of psus.yaml.

:class:`Fields` reads text, whole numbers, probabilities, decimal money, dates, digit strings
and amounts (fixed, ranged or sized at run time) from one YAML mapping, rejecting unknown keys.
Every error is a :class:`PsuDefinitionError` naming the path of the offending value, e.g.
``psus[alice].accounts[0](current).opening_balance: expected a quoted decimal string``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.core.psu_history.model import CENT, ZERO, Amount, PsuDefinitionError

_MISSING: Any = object()


class Fields:
    """Typed access to one YAML mapping; errors name the path of the offending value."""

    def __init__(self, data: object, where: str, allowed: Collection[str]) -> None:
        if not isinstance(data, dict):
            raise PsuDefinitionError(f"{where}: expected a mapping, got {type(data).__name__}")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise PsuDefinitionError(f"{where}: unknown field(s): {', '.join(unknown)}")
        self._data: dict[str, Any] = data
        self.where = where

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if self.has(key):
            return self._data[key]
        if default is _MISSING:
            raise PsuDefinitionError(f"{self.where}: {key!r} is required")
        return default

    def fail(self, key: str, problem: str) -> PsuDefinitionError:
        return PsuDefinitionError(f"{self.where}.{key}: {problem}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, _MISSING if default is None else default)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(key, "expected text")
        return str(value)

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.raw(key, _MISSING if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "expected a whole number")
        return value

    def number(self, key: str, default: float) -> float:
        """A probability or weight: internal tuning only, never money."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "expected a number")
        return float(value)

    def probability(self, key: str, default: float) -> float:
        value = self.number(key, default)
        if not 0 <= value <= 1:
            raise self.fail(key, "expected a probability between 0 and 1")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def decimal(self, key: str, default: Decimal | None = None) -> Decimal:
        """Money or a rate: a quoted decimal string (a YAML float would lose precision)."""
        return _to_decimal(self.raw(key, _MISSING if default is None else default), self, key)

    def optional_decimal(self, key: str) -> Decimal | None:
        return self.decimal(key) if self.has(key) else None

    def money(self, key: str, default: Decimal | None = None) -> Decimal:
        value = self.decimal(key, default)
        if value != value.quantize(CENT):
            raise self.fail(key, "money has at most two decimal places")
        return value

    def optional_money(self, key: str) -> Decimal | None:
        return self.money(key) if self.has(key) else None

    def choice(self, key: str, options: Collection[str], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.fail(key, f"{value!r} is not one of {', '.join(sorted(options))}")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.raw(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def int_pair(self, key: str) -> tuple[int, int] | None:
        if not self.has(key):
            return None
        value = self._data[key]
        valid = isinstance(value, list) and len(value) == 2
        if not valid or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail(key, "expected [low, high] whole numbers")
        low, high = value
        if not 0 <= low <= high:
            raise self.fail(key, "expected 0 <= low <= high")
        return low, high

    def day(self, key: str, default: int | None = None) -> int:
        value = self.integer(key, default)
        if not 1 <= value <= 31:
            raise self.fail(key, "expected a day of month, 1 to 31")
        return value

    def iso_date(self, key: str) -> date | None:
        if not self.has(key):
            return None
        value = self._data[key]
        if isinstance(value, date):  # an unquoted date in YAML
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, "expected an ISO date, e.g. '1990-04-12'") from None

    def digits(self, key: str, length: int) -> str | None:
        value = self.optional_text(key)
        if value is not None:
            value = value.replace("-", "")
            if len(value) != length or not value.isdigit():
                raise self.fail(key, f"expected {length} digits")
        return value

    def amount(self, key: str = "amount", *, dynamic: bool = False) -> Amount:
        """Money as "12.30" or a ["low", "high"] range.

        Transfers between the PSU's own accounts may instead be sized when they run:
        "statement_balance" pays off a credit card, {excess_over: "9000.00", max: "3000.00"}
        sweeps out what the balance holds above a working level.
        """
        step = self.money("step", CENT) if self.has("step") else CENT
        value = self.raw(key)
        if (value == "statement_balance" or isinstance(value, dict)) and not dynamic:
            raise self.fail(key, "only transfers to another own account have dynamic amounts")
        if value == "statement_balance":
            return Amount(ZERO, ZERO, step, statement_balance=True)
        if isinstance(value, dict):
            sweep = Fields(value, f"{self.where}.{key}", ("excess_over", "max"))
            cap = sweep.money("max")
            return Amount(cap, cap, step, excess_over=sweep.money("excess_over"))
        bounds = value if isinstance(value, list) else [value, value]
        if len(bounds) != 2:
            raise self.fail(key, "expected an amount or a [low, high] range")
        low, high = (_to_decimal(v, self, key) for v in bounds)
        if not ZERO < low <= high or low != low.quantize(CENT) or high != high.quantize(CENT):
            raise self.fail(key, "expected positive money with 0 < low <= high")
        return Amount(low, high, step)


def _to_decimal(value: object, fields: Fields, key: str) -> Decimal:
    if isinstance(value, Decimal):  # a default given in code
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise fields.fail(key, f"expected a quoted decimal string, got {value!r}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise fields.fail(key, f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise fields.fail(key, f"{value!r} is not a finite number")
    return result
