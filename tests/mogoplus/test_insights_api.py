"""MogoPlus over HTTP: token, submit, 204 while processing then the report, purge, errors."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import NamespacedClient
from tests.mogoplus.test_report import _payload as cdr_payload

BASE = "/mogoplus/cdr-data/v2/banking-data-insights"
CLIENT = ("mogoplus-sandbox-client", "mogoplus-sandbox-secret")
ORDERS = ["9e58813c-7c2a-41ee-b962-0242ac120002", "5b0c1d2e-3f40-4a51-8b62-7c8d9e0f1a2b"]


def token(api: NamespacedClient, client: tuple[str, str] = CLIENT) -> dict[str, str]:
    response = api.post(
        "/mogoplus/api/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=client
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def payload(**meta: Any) -> dict[str, Any]:
    body = cdr_payload()
    body["meta"] |= {"orderIds": ORDERS, **meta}
    return body


def submit(api: NamespacedClient, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return api.post(BASE, json=body or payload(), headers=token(api), **kwargs)


def processing(api: NamespacedClient, **setting: Any) -> None:
    assert api.put("/__admin/mogoplus/processing", json=setting).status_code == 200


def path_of(url: str) -> str:
    return urlsplit(url).path


def cdr_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert set(error) == {"code", "title", "detail"}
    assert error["code"].startswith("urn:au-cds:error:")
    return dict(error)


def test_tokens_need_the_clients_credentials(api: NamespacedClient) -> None:
    wrong = api.post(
        "/mogoplus/api/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT[0], "nope"),
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert api.post(BASE, json=payload()).status_code == 401


def test_submit_then_204_until_ready_then_the_report(api: NamespacedClient) -> None:
    processing(api, mode="polls", polls=2)
    accepted = submit(api)
    assert accepted.status_code == 202, accepted.text
    data = accepted.json()["data"]
    insights_id = data["insightsId"]["insightsId"]
    assert path_of(accepted.json()["links"]["self"]) == f"{BASE}/{insights_id}"
    assert [o["orderId"] for o in data["orderReports"]] == ORDERS
    assert [path_of(o["report"]) for o in data["orderReports"]] == [
        f"{BASE}/{insights_id}/orders/{order}" for order in ORDERS
    ]
    headers = token(api)
    first = api.get(f"{BASE}/{insights_id}", headers=headers)
    second = api.get(f"{BASE}/{insights_id}/orders/{ORDERS[0]}", headers=headers)
    assert first.status_code == second.status_code == 204
    assert first.content == b"" and second.content == b""
    report = api.get(f"{BASE}/{insights_id}", headers=headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["meta"]["status"] == "COMPLETED"
    header = body["insightsHeader"]
    assert header["insightsId"] == insights_id
    assert [r["reportHeader"]["reportId"] for r in header["reports"]] == ORDERS
    # Once ready, it stays ready; an order URL answers that order's report only.
    one = api.get(f"{BASE}/{insights_id}/orders/{ORDERS[1]}", headers=headers).json()
    assert [r["reportHeader"]["reportId"] for r in one["insightsHeader"]["reports"]] == ORDERS[1:]
    unknown = api.get(f"{BASE}/{insights_id}/orders/{insights_id}", headers=headers)
    cdr_error(unknown, 404)


def _transactions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        t
        for applicant in body["applicantsData"]
        for data in applicant["bankingTransactionData"]
        for account in data["accountProperty"]["accounts"]
        for t in account["transactions"]
    ]


def test_the_report_is_computed_from_the_submitted_data(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    body = payload()
    insights_id = submit(api, body).json()["data"]["insightsId"]["insightsId"]
    report = api.get(f"{BASE}/{insights_id}", headers=token(api)).json()
    (entry,) = report["insightsHeader"]["reports"][:1]
    rows = _transactions(body)
    credits = [Decimal(t["amount"]) for t in rows if Decimal(t["amount"]) >= 0]
    debits = [-Decimal(t["amount"]) for t in rows if Decimal(t["amount"]) < 0]
    days = sorted(t["postingDateTime"][:10] for t in rows)
    header = entry["reportHeader"]
    assert (header["reportingPeriodStartDate"], header["reportingPeriodEndDate"]) == (
        days[0],
        days[-1],
    )
    assert header["numberOfApplicants"] == 2
    combined = entry["combinedSummary"]
    assert combined["combinedNumberOfTransactions"] == len(rows)
    assert combined["combinedNumberOfAccounts"] == 4
    totals = combined["combinedTotalSummary"]
    assert Decimal(str(totals["credit"]["sumAmount"])) == sum(credits)
    assert totals["credit"]["numberOfTransactions"] == len(credits)
    assert Decimal(str(totals["debit"]["sumAmount"])) == sum(debits)
    assert totals["debit"]["numberOfTransactions"] == len(debits)
    months = {t["postingDateTime"][:7] for t in rows}
    assert set(combined["netMonthlyPosition"]) >= months


def test_seconds_of_the_sandbox_clock(api: NamespacedClient) -> None:
    api.put("/__admin/clock", json={"frozen": True})
    processing(api, mode="seconds", seconds=30)
    insights_id = submit(api).json()["data"]["insightsId"]["insightsId"]
    headers = token(api)
    assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 204
    api.post("/__admin/clock/advance", json={"seconds": 30})
    assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 200


def test_the_default_takes_a_few_seconds(api: NamespacedClient) -> None:
    assert api.get("/__admin/mogoplus/processing").json() == {"mode": "seconds", "seconds": 3}
    bad = api.put("/__admin/mogoplus/processing", json={"mode": "polls", "polls": -1})
    assert bad.status_code == 400


def test_the_magic_reference_fails_processing(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    accepted = submit(api, payload(reference="FAIL-PROCESSING"))
    insights_id = accepted.json()["data"]["insightsId"]["insightsId"]
    failed = api.get(f"{BASE}/{insights_id}", headers=token(api))
    assert failed.status_code == 200 and failed.json() == {"meta": {"status": "FAILED"}}


def test_purge_removes_everything(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    insights_id = submit(api).json()["data"]["insightsId"]["insightsId"]
    headers = token(api)
    assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 200
    assert api.delete(f"{BASE}/{insights_id}", headers=headers).status_code == 204
    cdr_error(api.get(f"{BASE}/{insights_id}", headers=headers), 404)
    cdr_error(api.get(f"{BASE}/{insights_id}/orders/{ORDERS[0]}", headers=headers), 404)
    cdr_error(api.delete(f"{BASE}/{insights_id}", headers=headers), 404)
    state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    kinds = {r["kind"] for r in state["namespaces"][api.namespace]["records"]}
    assert "mogoplus.insights" not in kinds


def test_another_clients_insights_are_not_found(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    insights_id = submit(api).json()["data"]["insightsId"]["insightsId"]
    other = ("other-cdr-participant", "other-secret")
    registered = {"provider": "mogoplus", "client_id": other[0], "client_secret": other[1]}
    assert api.post("/__admin/clients", json={**registered, "redirect_uris": []}).status_code == 201
    theirs = token(api, other)
    cdr_error(api.get(f"{BASE}/{insights_id}", headers=theirs), 404)
    cdr_error(api.delete(f"{BASE}/{insights_id}", headers=theirs), 404)


def _accounts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        account
        for applicant in body["applicantsData"]
        for data in applicant["bankingTransactionData"]
        for account in data["accountProperty"]["accounts"]
    ]


def _no_accounts(body: dict[str, Any]) -> None:
    body["applicantsData"][0]["bankingTransactionData"][0]["accountProperty"]["accounts"] = []


def _no_transactions(body: dict[str, Any]) -> None:
    for account in _accounts(body):
        account["transactions"] = []


def _repeated_account(body: dict[str, Any]) -> None:
    _accounts(body)[-1]["accountId"] = _accounts(body)[0]["accountId"]


def _no_orders(body: dict[str, Any]) -> None:
    del body["meta"]["orderIds"]


def _comma_amount(body: dict[str, Any]) -> None:
    _accounts(body)[0]["transactions"][0]["amount"] = "12,50"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        (_no_accounts, 422, "accounts"),
        (_no_transactions, 422, "applicantsData"),
        (_repeated_account, 422, "accountId"),
        (_no_orders, 400, "orderIds"),
        (_comma_amount, 400, "amount"),
    ],
)
def test_bad_submissions_name_the_field(
    api: NamespacedClient, change: Any, status: int, field: str
) -> None:
    body = copy.deepcopy(payload())
    change(body)
    error = cdr_error(submit(api, body), status)
    assert field in error["detail"]


def test_the_documents_other_errors_in_the_cdr_envelope(api: NamespacedClient) -> None:
    headers = token(api)
    unknown = "0b6f3c55-2d1e-4c8a-9f7b-6a5e4d3c2b10"
    cdr_error(api.put(f"{BASE}/{unknown}", json={}, headers=headers), 405)
    cdr_error(api.get(f"{BASE}/{unknown}", headers={**headers, "Accept": "application/xml"}), 406)
    form = api.post(BASE, content=b"a=1", headers={**headers, "Content-Type": "text/plain"})
    cdr_error(form, 415)
    cdr_error(api.get(f"{BASE}/not-a-uuid", headers=headers), 400)
    # Rate limits, outages and failures come from the admin API's rate limit and fault rules,
    # still in the provider's envelope.
    api.put("/__admin/rate-limit", json={"enabled": True, "requests": 1, "per_seconds": 3600})
    api.get(f"{BASE}/{unknown}", headers=headers)
    limited = api.get(f"{BASE}/{unknown}", headers=headers)
    cdr_error(limited, 429)
    assert limited.headers["Retry-After"]
    api.put("/__admin/rate-limit", json={"enabled": False})
    for status in (500, 503):
        rule = {"provider": "mogoplus", "path": f"{BASE}/*", "status": status, "times": 1}
        assert api.post("/__admin/faults", json=rule).status_code == 201
        cdr_error(api.get(f"{BASE}/{unknown}", headers=headers), status)
