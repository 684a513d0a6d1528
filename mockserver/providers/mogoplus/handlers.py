"""Operation handlers of specs/mogoplus.yaml: the token endpoint and the insights requests."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.oauth import endpoints
from mockserver.core.responses import empty_reply, json_reply
from mockserver.core.sandbox import current_sandbox
from mockserver.core.urls import absolute_url
from mockserver.providers.mogoplus import insights, reports
from mockserver.providers.mogoplus.auth import MOGOPLUS_AUTH

BASE = "/mogoplus/cdr-data/v2/banking-data-insights"
JSON = "application/json"


def _client_id() -> str:
    return str(context.current().extra["token"]["client_id"])


async def token(body: dict[str, Any]) -> ConnexionResponse:
    return endpoints.token(MOGOPLUS_AUTH, body)


async def submit_insights(body: dict[str, Any]) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        record = insights.submit(tx, ns, sandbox, _client_id(), body, sandbox.clock.now(ns, tx))
    insights_id = record["insightsId"]
    orders = [
        {"orderId": order, "report": absolute_url(f"{BASE}/{insights_id}/orders/{order}")}
        for order in body["meta"]["orderIds"]
    ]
    accepted = {
        "data": {"insightsId": {"insightsId": insights_id}, "orderReports": orders},
        "links": {"self": absolute_url(f"{BASE}/{insights_id}")},
    }
    return json_reply(accepted, status=202, media_type=JSON)


def _report(insights_id: str, order_id: str | None) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        record = insights.find(tx, ns, _client_id(), insights_id, lock=True)
        if order_id is not None:
            insights.check_order(record, order_id)
        report = insights.progress(tx, ns, record, sandbox.clock.now(ns, tx), reports.build)
    if report is None:
        return empty_reply(204)
    if order_id is not None:
        report = reports.for_order(report, order_id)
    return json_reply(report, media_type=JSON)


async def get_insights(insightsId: str) -> ConnexionResponse:
    return _report(insightsId, None)


async def get_insights_order(insightsId: str, orderId: str) -> ConnexionResponse:
    return _report(insightsId, orderId)


async def purge_insights(insightsId: str) -> ConnexionResponse:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        insights.purge(tx, ns, _client_id(), insightsId)
    return empty_reply(204)
