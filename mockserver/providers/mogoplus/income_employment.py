"""Employment insights: is each employer the applicant declared a payer in the submitted data?

The rule, for each name in ``applicant.employerNames`` (in the order given):
- the name is normalised (``categories.words``; "P/L" read as "PL") and its legal-form and
  filler words (``LEGAL_WORDS``: PTY, LTD, LIMITED, GROUP, AUSTRALIA, THE, ...) are dropped,
  leaving its core words ("Acme Widgets Pty Ltd" -> ACME WIDGETS);
- the employer is verified when the core words appear, in sequence, in the description,
  reference or merchant name of at least one of the applicant's credits (amount > 0, any
  category, any account);
- ``latestEmployerVerifiedSalaryDate`` is the date of the latest such credit and
  ``latestEmployerVerifiedSalaryAmount`` the sum of such credits on that date (pay split
  across accounts is one pay); both are null when the employer is not verified, and a name
  with no core words is never verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from mockserver.providers.mogoplus.categories import words
from mockserver.providers.mogoplus.report_input import Entry
from mockserver.providers.mogoplus.report_money import number

LEGAL_WORDS = frozenset(
    {
        "PTY", "LTD", "LIMITED", "PL", "INC", "INCORPORATED", "CORP", "CORPORATION", "CO",
        "COMPANY", "GROUP", "HOLDINGS", "AUSTRALIA", "AUST", "AUS", "AU", "THE", "AND",
    }
)  # fmt: skip


def core_words(employer: str) -> tuple[str, ...]:
    text = employer.upper().replace("P/L", "PL")
    return tuple(w for w in words(text) if w not in LEGAL_WORDS)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    first = needle[0]
    return any(
        haystack[i] == first and haystack[i : i + size] == needle
        for i in range(len(haystack) - size + 1)
    )


def employment_insights(employer_names: Sequence[str], entries: Sequence[Entry]) -> list[Any]:
    if not employer_names:
        return []
    credits = [
        (e, (words(e.description), words(e.reference), words(e.merchant)))
        for e in entries
        if e.amount > 0
    ]
    insights: list[Any] = []
    for declared in employer_names:
        core = core_words(declared)
        latest: date | None = None
        amount = Decimal(0)
        if core:
            for entry, fields in credits:
                if not any(_contains(f, core) for f in fields):
                    continue
                if latest is None or entry.day > latest:
                    latest, amount = entry.day, entry.amount
                elif entry.day == latest:
                    amount += entry.amount
        insights.append(
            {
                "declaredEmployerName": declared,
                "employerNameVerified": latest is not None,
                "latestEmployerVerifiedSalaryDate": latest.isoformat() if latest else None,
                "latestEmployerVerifiedSalaryAmount": number(amount) if latest else None,
            }
        )
    return insights
