"""String formats the request validators check beyond Connexion's Draft 4 set.

Connexion validates with jsonschema's Draft 4 format checker, which knows no ``date``: a
Moneyhub ``date`` field or query parameter of ``""`` or ``"null"`` reached the handlers (and
broke them with a 500, or was stored and served back breaking our own spec). OpenAPI 3.0 defines
``date`` as an RFC 3339 full-date, ``YYYY-MM-DD``; ``REQUEST_FORMATS`` is Draft 4's checker
plus that, for the request validators.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped]

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_full_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True  # the type keyword judges non-strings
    if not _FULL_DATE.fullmatch(instance):
        return False
    date.fromisoformat(instance)  # a real calendar day: raises ValueError for 2026-02-30
    return True


REQUEST_FORMATS = FormatChecker(formats=list(Draft4Validator.FORMAT_CHECKER.checkers))
REQUEST_FORMATS.checks("date", raises=ValueError)(is_full_date)


def checked_formats(schema: Any) -> bool:
    """Whether a parameter schema (or its array items) has a format only we check."""
    if not isinstance(schema, dict):
        return False
    if schema.get("format") in _EXTRA_FORMATS:
        return True
    return checked_formats(schema.get("items"))


_EXTRA_FORMATS = frozenset(REQUEST_FORMATS.checkers) - frozenset(
    Draft4Validator.FORMAT_CHECKER.checkers
)
