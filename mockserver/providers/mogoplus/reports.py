"""The report of an insights request, built when processing completes (see ``report``).

One report per order id of the request, each computed from the whole submission (the figures
are the same; each has its order's id as ``reportId``). Processing that fails (the magic
reference, or data the report cannot be computed from, such as an amount of ``NaN``) leaves
only ``{"meta": {"status": "FAILED"}}``.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from mockserver.core.sandbox import current_sandbox
from mockserver.providers.mogoplus import categories
from mockserver.providers.mogoplus.report import build_report
from mockserver.providers.mogoplus.report_input import ReportInputError

FAILED: dict[str, Any] = {"meta": {"status": "FAILED"}}


def table() -> categories.CategoryTable:
    path = current_sandbox().settings.fixtures / "mogoplus" / "categories.yaml"
    return categories.load_table(path)


def build(record: dict[str, Any], client: dict[str, Any], now: datetime) -> dict[str, Any]:
    if record["status"] == "FAILED":
        return dict(FAILED)
    payload = record["payload"]
    orders = list(payload["meta"]["orderIds"])
    try:
        report = build_report(
            payload,
            insights_id=record["insightsId"],
            report_id=orders[0],
            client_id=record["client_id"],
            client_name=str(client.get("name") or record["client_id"]),
            published_at=now,
            order_id=orders[0],
            categories=table(),
        )
    except ReportInputError:
        record["status"] = "FAILED"
        return dict(FAILED)
    (first,) = report["insightsHeader"]["reports"]
    report["insightsHeader"]["reports"] = [
        {**copy.deepcopy(first), "reportHeader": {**first["reportHeader"], "reportId": order}}
        for order in orders
    ]
    return report


def for_order(report: dict[str, Any], order_id: str) -> dict[str, Any]:
    """The report with only the given order's entry."""
    if "insightsHeader" not in report:
        return report
    header = report["insightsHeader"]
    chosen = [r for r in header["reports"] if r["reportHeader"]["reportId"] == order_id]
    return {**report, "insightsHeader": {**header, "reports": chosen}}
