"""``reportString``: the report as plain text, for people and logs (the shape says only "text").

Figures come from the same Decimal tallies as the JSON report, written with two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mockserver.providers.mogoplus.categories import CategoryTable
from mockserver.providers.mogoplus.income_streams import IncomeStream
from mockserver.providers.mogoplus.report_input import Applicant
from mockserver.providers.mogoplus.report_money import ZERO, money_text, monthly_average
from mockserver.providers.mogoplus.report_summary import Month, Summary
from mockserver.providers.mogoplus.report_tally import Tally


@dataclass(frozen=True, slots=True)
class Heading:
    insights_id: str
    report_id: str
    order_id: str | None
    client: str
    published: str
    application_type: str
    period: str
    days: int


def render(
    heading: Heading,
    table: CategoryTable,
    combined: Summary,
    months: Sequence[Month],
    applicants: Sequence[tuple[Applicant, Summary, list[IncomeStream]]],
) -> str:
    days = heading.days
    order = f", order {heading.order_id}" if heading.order_id else ""
    lines = [
        "MogoPlus banking data insights (sandbox)",
        f"Insights {heading.insights_id}, report {heading.report_id}{order}",
        f"Client: {heading.client}; published {heading.published}",
        f"Application type: {heading.application_type or '-'}",
        f"Reporting period: {heading.period} ({days} days)",
        f"Applicants: {len(applicants)}; transactions: {combined.total.count}",
        "",
        "Combined",
        *_totals(combined.total, days, combined.currency),
        "  Net monthly position:",
        *_months(combined, months),
        "  By category group (credits / debits):",
        *_groups(combined, table),
        f"  Income: {money_text(combined.income)} {combined.currency} in "
        f"{combined.income_count} credits, "
        f"{money_text(monthly_average(combined.income, days))} a month",
    ]
    for applicant, summary, streams in applicants:
        lines += [
            "",
            f"Applicant {applicant.applicant_id}: {applicant.name}",
            f"  Institutions: {', '.join(i.name for i in applicant.institutions.values()) or '-'}"
            f"; accounts: {len(applicant.accounts)}",
            *_totals(summary.total, days, summary.currency),
            f"  Income: {money_text(summary.income)} in {summary.income_count} credits",
        ]
        for stream in streams:
            lines.append(
                f"  Income stream: {stream.payer} ({stream.type}), {len(stream.entries)} credits"
                f" totalling {money_text(stream.total)}, from {stream.entries[0].day}"
                f" to {stream.entries[-1].day}"
            )
        for category in table.categories:
            if category.code not in summary.alerts:
                continue
            tally = summary.categories[category.code]
            lines.append(
                f"  ALERT {category.code}: {tally.count} transactions, "
                f"{money_text(tally.debit)} out, {money_text(tally.credit)} in"
            )
    return "\n".join(lines) + "\n"


def _totals(tally: Tally, days: int, currency: str) -> list[str]:
    return [
        f"  Credits: {tally.credits} totalling {money_text(tally.credit)} {currency}, "
        f"{money_text(monthly_average(tally.credit, days))} a month",
        f"  Debits: {tally.debits} totalling {money_text(tally.debit)} {currency}, "
        f"{money_text(monthly_average(tally.debit, days))} a month",
    ]


def _months(summary: Summary, months: Sequence[Month]) -> list[str]:
    return [
        f"    {y:04d}-{m:02d}  {money_text(summary.months.get((y, m), ZERO)):>14}"
        for y, m in months
    ]


def _groups(summary: Summary, table: CategoryTable) -> list[str]:
    return [
        f"    {group.code:<14} {money_text(tally.credit):>14} / {money_text(tally.debit):>14}"
        for group in table.groups
        if (tally := summary.groups.get(group.code)) is not None
    ]
