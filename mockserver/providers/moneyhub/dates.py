"""Dates a Data API client sends (list filters, transaction dates, analysis ranges): read, or
refused with Moneyhub's 400 naming the field.

The specs' ``format: date`` and ``date-time`` are not checked before the handlers: Connexion
validates with JSON Schema draft 4, which has neither format.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mockserver.core.clock import parse_instant
from mockserver.core.errors import ApiError


def _refuse(field: str, value: Any, what: str) -> ApiError:
    return ApiError(400, f"{field} {value!r} is not {what}", code="BadRequest", path=field)


def day(value: Any, field: str) -> date | None:
    """A calendar date (a date-time's day will do); None when not given."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise _refuse(field, value, "a date (YYYY-MM-DD)") from exc


def instant(value: Any, field: str) -> datetime:
    try:
        return parse_instant(str(value).replace(" ", "T"))
    except ValueError as exc:
        raise _refuse(field, value, "a date-time (ISO 8601)") from exc
