"""A MogoPlus insights report as a page for demos: ``GET /__admin/insights/{insightsId}``.

The stored request is read as it is (``insights.KIND`` in the caller's namespace, whichever
client submitted it); the page never calls ``insights.progress``, so looking at a report that is
still processing neither counts as a poll nor finishes it. A completed report is shown with its
header, totals, a chart of monthly income and spending, spending by category, income streams,
alerts and accounts. The monthly chart needs credits and debits per month, which the report
only has as a net (``netMonthlyPosition``): they are summed from the submitted transactions by
the report's own reading rules (the date of ``report_input.transaction_day``, an undated
transaction on the last day of the period; a negative amount is a debit, zero a credit), so
each month's credits minus debits is the report's net position for it.

Rendered with Jinja2 from ``mockserver/core/templates/insights.html`` (autoescaped), like the
consent page: no scripts, no external assets, inline CSS and SVG.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.html import pages
from mockserver.core.oauth.page import BRANDS
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.providers.mogoplus import insights, processing
from mockserver.providers.mogoplus.report_input import transaction_day
from mockserver.providers.mogoplus.report_money import parse_amount

ZERO = Decimal(0)


# --- the monthly chart --------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class MonthColumn:
    month: str  # YYYY-MM
    credits: Decimal
    debits: Decimal
    net: str  # the report's netMonthlyPosition
    centre: float
    credit_bar: Bar
    debit_bar: Bar


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class MonthlyChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    baseline: float
    label_y: float
    # Drawn between 0.7 and 1.25 times its size: narrower, it scrolls sideways rather than
    # shrink its text; wider, it stops growing rather than blow its text up.
    min_width_px: int
    max_width_px: int
    ticks: list[Tick]
    columns: list[MonthColumn]


SLOT = 64.0
BAR = 22.0
GAP = 4.0
LEFT = 76.0
RIGHT = 12.0
TOP = 14.0
PLOT_HEIGHT = 200.0
BOTTOM = 30.0


def nice_ceiling(value: float) -> tuple[float, float]:
    """(top, step): an axis from 0 to ``top`` in four or five steps of 1, 2 or 5 x 10^n."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step - 1e-9), step


def monthly_flows(
    payload: Mapping[str, Any], months: list[str], undated_day: date
) -> dict[str, tuple[Decimal, Decimal]]:
    """Per month of ``months`` ("YYYY-MM"): (credits, debits as a positive sum)."""
    credits = dict.fromkeys(months, ZERO)
    debits = dict.fromkeys(months, ZERO)
    for txn in _transactions(payload):
        try:
            amount = parse_amount(txn.get("amount"))
        except ValueError:
            continue  # a completed report has none; never fail a page over one
        key = (transaction_day(txn) or undated_day).isoformat()[:7]
        if key not in credits:
            continue
        if amount < 0:
            debits[key] -= amount
        else:
            credits[key] += amount
    return {m: (credits[m], debits[m]) for m in months}


def monthly_chart(
    flows: dict[str, tuple[Decimal, Decimal]], net: Mapping[str, str]
) -> MonthlyChart:
    peak = max((float(max(c, d)) for c, d in flows.values()), default=0.0)
    top, step = nice_ceiling(peak)
    width = LEFT + SLOT * max(len(flows), 1) + RIGHT
    baseline = TOP + PLOT_HEIGHT

    def height(amount: Decimal) -> float:
        return round(float(amount) / top * PLOT_HEIGHT, 2)

    columns = []
    for n, (month, (credit, debit)) in enumerate(flows.items()):
        centre = LEFT + SLOT * n + SLOT / 2
        up, down = height(credit), height(debit)
        columns.append(
            MonthColumn(
                month=month,
                credits=credit,
                debits=debit,
                net=str(net.get(month, "")),
                centre=centre,
                credit_bar=Bar(centre - GAP / 2 - BAR, baseline - up, BAR, up),
                debit_bar=Bar(centre + GAP / 2, baseline - down, BAR, down),
            )
        )
    decimals = 0 if float(step).is_integer() else 2
    ticks = [
        Tick(round(baseline - k * step / top * PLOT_HEIGHT, 2), f"{k * step:,.{decimals}f}")
        for k in range(round(top / step) + 1)
    ]
    return MonthlyChart(
        width=width,
        height=baseline + BOTTOM,
        plot_left=LEFT,
        plot_right=width - RIGHT,
        plot_top=TOP,
        baseline=baseline,
        label_y=baseline + 20,
        min_width_px=round(width * 0.7),
        max_width_px=round(width * 1.25),
        ticks=ticks,
        columns=columns,
    )


# --- the rest of the report -----------------------------------------------------------------


@dataclass(frozen=True)
class CategorySpend:
    name: str
    code: str
    amount: Decimal
    count: int
    percent_of_largest: float
    share: str  # of all spending, "12.3%"


@dataclass
class View:
    insights_id: str
    status: str
    client_id: str
    client_name: str
    submitted_at: str
    reference: str
    order_ids: list[str]
    brand: dict[str, str]
    processing_note: str = ""
    failure: str = ""
    currency: str = ""
    net_total: Decimal = ZERO
    header: dict[str, Any] = field(default_factory=dict)
    combined: dict[str, Any] = field(default_factory=dict)
    chart: MonthlyChart | None = None
    spending: list[CategorySpend] = field(default_factory=list)
    streams: list[dict[str, Any]] = field(default_factory=list)
    employment: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)


def render(sandbox: Sandbox, ns: str, insights_id: str) -> str:
    """The page of the insights request ``insights_id`` of namespace ``ns`` (404 if none)."""
    with sandbox.store.read() as tx:
        record = tx.get(ns, insights.KIND, insights_id)
        if record is None:
            raise ApiError(404, f"insights {insights_id} not found", path="insightsId")
        client = tx.get(ns, CLIENT_KIND, record["client_id"]) or {}
        setting = processing.current(tx, ns)
    meta = record["payload"].get("meta") or {}
    view = View(
        insights_id=record["insightsId"],
        status=record["status"],
        client_id=record["client_id"],
        client_name=str(client.get("name") or record["client_id"]),
        submitted_at=str(record.get("submitted_at") or ""),
        reference=str(meta.get("reference") or ""),
        order_ids=[str(o) for o in meta.get("orderIds") or []],
        brand=BRANDS["mogoplus"],
    )
    if view.status == "PROCESSING":
        view.processing_note = _processing_note(setting, int(record.get("polls") or 0))
    elif view.status == "FAILED":
        view.failure = _failure(record)
    else:
        _completed(view, record)
    return pages.get_template("insights.html").render(v=view)


def _processing_note(setting: Mapping[str, Any], polls: int) -> str:
    mode = setting.get("mode")
    if mode == "polls":
        return (
            f"This namespace makes reports ready after {setting['polls']} polls of the API; "
            f"{polls} answered so far (this page does not count as one)."
        )
    if mode == "seconds":
        return (
            f"This namespace makes reports ready {setting['seconds']} seconds (sandbox clock) "
            "after submission, at the next poll of the API."
        )
    return "The report is computed at the next poll of the API."


def _failure(record: Mapping[str, Any]) -> str:
    reference = (record["payload"].get("meta") or {}).get("reference") or ""
    if reference == insights.FAIL_REFERENCE:
        return (
            f"The request's reference is {insights.FAIL_REFERENCE}, which makes processing fail "
            "in the sandbox."
        )
    return "The report could not be computed from the submitted data."


def _completed(view: View, record: Mapping[str, Any]) -> None:
    report = record["report"]
    (first, *_) = report["insightsHeader"]["reports"]
    header, combined = first["reportHeader"], first["combinedSummary"]
    view.header, view.combined = header, combined
    view.currency = str(combined.get("currency") or "")
    totals = combined["combinedTotalSummary"]
    view.net_total = Decimal(str(totals["credit"]["sumAmount"])) - Decimal(
        str(totals["debit"]["sumAmount"])
    )
    categories = combined["combinedCategorySummary"]["combined"]
    view.descriptions = {c["categoryCode"]: c["categoryCodeDescription"] for c in categories}

    net = combined["netMonthlyPosition"]
    end = date.fromisoformat(header["reportingPeriodEndDate"])
    view.chart = monthly_chart(monthly_flows(record["payload"], list(net), end), net)

    spent = [
        (c, Decimal(str(c["debit"]["sumAmount"])))
        for c in categories
        if Decimal(str(c["debit"]["sumAmount"])) > 0
    ]
    spent.sort(key=lambda pair: -pair[1])
    largest = spent[0][1] if spent else Decimal(1)
    total = sum((amount for _, amount in spent), ZERO) or Decimal(1)
    view.spending = [
        CategorySpend(
            name=c["categoryCodeDescription"],
            code=c["categoryCode"],
            amount=amount,
            count=int(c["debit"]["numberOfTransactions"]),
            percent_of_largest=round(float(amount / largest * 100), 2),
            share=f"{amount / total * 100:.1f}%",
        )
        for c, amount in spent
    ]

    for applicant in first["incomeSummary"]["applicants"]:
        name = applicant["applicantName"]
        for stream in applicant["IncomeInsights"]["inferentialIncomeInsights"]:
            view.streams.append({"applicant": name, **stream})
        for employer in applicant["employmentInsights"]:
            view.employment.append({"applicant": name, **employer})
    for applicant in first["applicantSummary"]["applicants"]:
        name = applicant["applicantName"]
        view.alerts += [{"applicant": name, **alert} for alert in applicant["alerts"]]
        institutions = applicant["applicantDetailedTransaction"]["institutions"]
        for institution in institutions:
            for account in institution["accounts"]:
                view.accounts.append(
                    {
                        "applicant": name,
                        "institution": institution["institutionName"],
                        **{k: v for k, v in account.items() if k != "transactions"},
                    }
                )


def _transactions(payload: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for applicant in _items(payload.get("applicantsData")):
        for data in _items(applicant.get("bankingTransactionData")):
            account_property = data.get("accountProperty")
            if not isinstance(account_property, Mapping):
                continue
            for account in _items(account_property.get("accounts")):
                yield from _items(account.get("transactions"))


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
