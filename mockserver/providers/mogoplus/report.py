"""The MogoPlus insights report, computed from the submitted banking data (pure: no HTTP, no store).

``build_report(payload, insights_id=..., ...)`` takes the body of
``POST /cdr-data/v2/banking-data-insights`` (already validated by the HTTP layer) and returns
the report of ``GET .../{insightsId}`` in the documented shape: every key of the example, no
other, amounts as JSON numbers, net monthly positions and income buckets as strings.

How the figures are made (the README's formulas):
- Reading the payload: ``report_input`` (applicants, institutions, accounts, dates).
- Category: the category table, ``categories.CategoryTable.categorise`` (first rule wins).
- Credit or debit: by the sign of the amount (CDR: negative = money out); zero is a credit.
  Debit sums are the size of the money out (positive).
- Reporting period: the earliest to the latest transaction date, of all applicants;
  ``numberOfDaysInReportingPeriod`` = end - start + 1.
- Every ``monthlyAverage`` and ``averageMonthly`` = sumAmount x 30.4375 / days in the
  reporting period (the whole report's period, for applicants too), rounded half-even to
  two decimals; sums are exact.
- Summaries (combined and per applicant): totals, per category group and per category; groups
  and categories in table order, only those with transactions. Counts and sums add up to the
  submitted transactions exactly (every transaction is in exactly one category).
- ``netMonthlyPosition``: every calendar month of the reporting period, "YYYY-MM" -> credits
  minus debits of that month, a decimal string ("0.00" for a month without transactions).
- Income: credits of income categories; ``incomeBuckets``: every income category -> its
  income, a decimal string. Income streams: ``income_streams``; employment: ``income_employment``.
- Alerts (per applicant): one entry per alert category (gambling, dishonours, payday lenders,
  debt collection) with transactions: its tallies and its transactions.
- Accounts: balances from the account's ``balance`` (null when absent), the number of its
  transactions, how many of them a rule categorised (not the uncategorised defaults), and its
  transactions by date.
- ``reportString``: the report as plain text (``report_text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.paths import bundled_dir
from mockserver.providers.mogoplus import income_employment, income_streams, report_text
from mockserver.providers.mogoplus.categories import CategoryTable, load_table
from mockserver.providers.mogoplus.report_input import (
    Account,
    Applicant,
    ReportInputError,
    read_payload,
)
from mockserver.providers.mogoplus.report_money import number
from mockserver.providers.mogoplus.report_summary import (
    Summary,
    alerts_json,
    basic_income_json,
    categories_json,
    groups_json,
    months_between,
    net_monthly_json,
    totals_json,
    transaction_json,
)

__all__ = ["ReportInputError", "build_report"]


def build_report(
    payload: Mapping[str, Any],
    *,
    insights_id: str,
    report_id: str,
    client_id: str,
    client_name: str,
    published_at: datetime,
    order_id: str | None = None,
    status: str = "COMPLETED",
    categories: CategoryTable | None = None,
) -> dict[str, Any]:
    """The insights report of ``payload`` (see the module docstring).

    ``published_at``: an aware datetime from the sandbox clock (the publish dates);
    ``order_id``: the order the report answers, named in ``reportString`` only (the report
    shape has no field for it); ``status``: ``meta.status``; ``categories``: the category
    table, ``categories.load_table(settings.fixtures / "mogoplus" / "categories.yaml")`` to
    honour ``--fixtures``; by default the bundled fixtures' table (loaded once per process).
    Raises ``ReportInputError`` (a ``ValueError`` with ``.path``) for an amount that is not a
    finite decimal, such as "NaN".
    """
    table = categories
    if table is None:
        table = load_table(bundled_dir("fixtures") / "mogoplus" / "categories.yaml")
    published = isoformat(published_at)
    applicants = read_payload(payload, table, published_at.date())
    combined = Summary()
    per_applicant = []
    start: date | None = None
    end: date | None = None
    for applicant in applicants:
        mine = Summary()
        for entry in applicant.entries:
            combined.add(entry)
            mine.add(entry)
            if start is None or entry.day < start:
                start = entry.day
            if end is None or entry.day > end:
                end = entry.day
        per_applicant.append(mine)
    start = start or published_at.date()
    end = end or published_at.date()
    days = (end - start).days + 1
    months = months_between(start, end)
    streams = [income_streams.detect(a.entries, table) for a in applicants]
    meta = payload.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    application_type = str(meta.get("applicationType") or "")
    institution_keys = {key for a in applicants for key in a.institutions}

    report = {
        "reportHeader": {
            "reportId": report_id,
            "reportPublishDate": published,
            "reportingPeriodStartDate": start.isoformat(),
            "reportingPeriodEndDate": end.isoformat(),
            "applicationType": application_type,
            "numberOfApplicants": len(applicants),
            "numberOfDaysInReportingPeriod": days,
            "applicants": [
                {"applicantId": a.applicant_id, "applicantName": a.name} for a in applicants
            ],
        },
        "combinedSummary": {
            "combinedNumberOfInstitutions": len(institution_keys),
            "combinedNumberOfAccounts": sum(len(a.accounts) for a in applicants),
            "combinedNumberOfTransactions": combined.total.count,
            "currency": combined.currency,
            "combinedTotalSummary": totals_json(combined.total, days),
            "combinedCategoryGroupSummary": {
                "combinedCategoryGroups": groups_json(combined, table, days)
            },
            "combinedCategorySummary": {"combined": categories_json(combined, table, days)},
            "netMonthlyPosition": net_monthly_json(combined, months),
            "combinedIncomeInsights": {
                "basicIncomeInsights": basic_income_json(combined, table, days)
            },
        },
        "applicantSummary": {
            "applicants": [
                _applicant_json(a, s, table, days, months)
                for a, s in zip(applicants, per_applicant, strict=True)
            ]
        },
        "incomeSummary": {
            "applicants": [
                {
                    "applicantName": a.name,
                    "employmentInsights": income_employment.employment_insights(
                        a.employer_names, a.entries
                    ),
                    "IncomeInsights": {
                        "basicIncomeInsights": basic_income_json(s, table, days),
                        "inferentialIncomeInsights": [
                            income_streams.stream_json(stream, end, days) for stream in found
                        ],
                    },
                }
                for a, s, found in zip(applicants, per_applicant, streams, strict=True)
            ]
        },
    }
    heading = report_text.Heading(
        insights_id=insights_id,
        report_id=report_id,
        order_id=order_id,
        client=f"{client_name} ({client_id})",
        published=published,
        application_type=application_type,
        period=f"{start.isoformat()} to {end.isoformat()}",
        days=days,
    )
    text = report_text.render(
        heading, table, combined, months, list(zip(applicants, per_applicant, streams, strict=True))
    )
    return {
        "meta": {"status": status},
        "insightsHeader": {
            "insightsId": insights_id,
            "insightsPublishDate": published,
            "clientId": client_id,
            "clientName": client_name,
            "reports": [report],
        },
        "reportString": text,
    }


def _applicant_json(
    applicant: Applicant,
    summary: Summary,
    table: CategoryTable,
    days: int,
    months: list[tuple[int, int]],
) -> dict[str, Any]:
    return {
        "applicantName": applicant.name,
        "numberOfInstitutions": len(applicant.institutions),
        "numberOfAccounts": len(applicant.accounts),
        "numberOfTransactions": summary.total.count,
        "currency": summary.currency,
        "applicantTotalSummary": totals_json(summary.total, days),
        "applicantCategoryGroupSummary": {
            "applicantCategoryGroups": groups_json(summary, table, days)
        },
        "applicantCategorySummary": {"categories": categories_json(summary, table, days)},
        "applicantDetailedTransaction": {
            "institutions": [
                {
                    "institutionId": institution.institution_id,
                    "institutionName": institution.name,
                    "accounts": [_account_json(account) for account in institution.accounts],
                }
                for institution in applicant.institutions.values()
            ]
        },
        "netMonthlyPosition": net_monthly_json(summary, months),
        "alerts": alerts_json(summary, table, days),
    }


def _account_json(account: Account) -> dict[str, Any]:
    entries = sorted(account.entries, key=lambda e: (e.day, e.order))
    return {
        "accountNumber": account.number,
        "accountName": account.name,
        "currentBalance": _optional(account.current_balance),
        "availableBalance": _optional(account.available_balance),
        "creditLimit": _optional(account.credit_limit),
        "numberOfTransactionsInTotal": len(entries),
        "numberOfTransactionsCategorised": sum(1 for e in entries if not e.category.default),
        "transactions": [transaction_json(e) for e in entries],
    }


def _optional(value: Any) -> float | None:
    return None if value is None else number(value)
