"""The one Jinja environment of the sandbox's own pages (mockserver/core/templates/): the
consent page, the dashboard, the API explorer and landing page, the MogoPlus report page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def money(value: Any, currency: str = "") -> str:
    """An amount as "GBP 1,234.56" ("-GBP 12.00" below zero); a dash when there is none."""
    if value is None:
        return "\u2014"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}"
    return f"{sign}{currency} {text}" if currency else f"{sign}{text}"


def sort_code(value: str) -> str:
    return "-".join(value[i : i + 2] for i in range(0, 6, 2)) if len(value) == 6 else value


pages = Environment(
    loader=PackageLoader("mockserver.core", "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)
pages.filters["money"] = money
pages.filters["sort_code"] = sort_code
