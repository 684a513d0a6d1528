"""The MogoPlus insights report as a page (``GET /__admin/insights/{insightsId}``), over HTTP.

Expected figures are computed here from the submitted payload (credits and debits per month by
the transaction's posting date, the sign of its amount) or read from the report the API answers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from mockserver.admin.insights_page import nice_ceiling
from tests.conftest import NamespacedClient
from tests.mogoplus.test_report import _payload

BASE = "/mogoplus/cdr-data/v2/banking-data-insights"
PAGE = "/__admin/insights"
CLIENT = ("mogoplus-sandbox-client", "mogoplus-sandbox-secret")


def token(api: NamespacedClient) -> dict[str, str]:
    response = api.post(
        "/mogoplus/api/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=CLIENT
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def processing(api: NamespacedClient, **setting: Any) -> None:
    assert api.put("/__admin/mogoplus/processing", json=setting).status_code == 200


def submit(api: NamespacedClient, body: dict[str, Any] | None = None) -> str:
    response = api.post(BASE, json=body or _payload(), headers=token(api))
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["insightsId"]["insightsId"])


def page(api: NamespacedClient, insights_id: str) -> str:
    response = api.get(f"{PAGE}/{insights_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    return str(response.text)


def money(amount: Any) -> str:
    return f"AUD {Decimal(str(amount)):,.2f}"


def admin_404(response: Any) -> None:
    assert response.status_code == 404, response.text
    body = response.json()
    assert set(body) == {"status", "code", "message"}
    assert body["status"] == 404


def test_a_processing_report_is_shown_without_consuming_polls(api: NamespacedClient) -> None:
    processing(api, mode="polls", polls=5)
    insights_id = submit(api)
    for _ in range(6):  # more looks than the polls it takes: none of them counts
        html = page(api, insights_id)
        assert "still processing" in html
        assert "0 answered so far" in html
    assert insights_id in html
    assert "mogoplus-sandbox-client" in html
    assert "PROCESSING" in html
    assert "<svg" not in html
    headers = token(api)
    assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 204
    assert "1 answered so far" in page(api, insights_id)
    for _ in range(4):
        assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 204
    assert "still processing" in page(api, insights_id)
    assert api.get(f"{BASE}/{insights_id}", headers=headers).status_code == 200
    assert "COMPLETED" in page(api, insights_id)


def test_a_completed_report_is_shown_with_its_figures_and_charts(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    body = _payload()
    insights_id = submit(api, body)
    response = api.get(f"{BASE}/{insights_id}", headers=token(api))
    assert response.status_code == 200, response.text
    (report,) = response.json()["insightsHeader"]["reports"]
    html = page(api, insights_id)

    header = report["reportHeader"]
    assert f"Insights {insights_id}" in html
    assert "COMPLETED" in html
    assert f"{header['reportingPeriodStartDate']} to {header['reportingPeriodEndDate']}" in html
    assert f"<dd>{header['numberOfDaysInReportingPeriod']}</dd>" in html
    assert "Alice Nguyen (CRN-001)" in html and "Ben Taylor (CRN-002)" in html

    rows = [
        t
        for applicant in body["applicantsData"]
        for data in applicant["bankingTransactionData"]
        for account in data["accountProperty"]["accounts"]
        for t in account["transactions"]
    ]
    credits = sum(Decimal(t["amount"]) for t in rows if Decimal(t["amount"]) >= 0)
    debits = -sum(Decimal(t["amount"]) for t in rows if Decimal(t["amount"]) < 0)
    totals = report["combinedSummary"]["combinedTotalSummary"]
    for figure in (
        credits,
        debits,
        credits - debits,
        totals["credit"]["monthlyAverage"],
        totals["debit"]["monthlyAverage"],
    ):
        assert money(figure) in html

    # The monthly chart: every month of the period, each with its credits and debits.
    assert "<svg" in html
    by_month: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for t in rows:
        amount = Decimal(t["amount"])
        by_month[t["postingDateTime"][:7]][0 if amount >= 0 else 1] += abs(amount)
    months = list(report["combinedSummary"]["netMonthlyPosition"])
    assert months[0] == header["reportingPeriodStartDate"][:7]
    assert months[-1] == header["reportingPeriodEndDate"][:7]
    assert set(by_month) <= set(months)
    for month in months:
        credit, debit = by_month[month]
        assert f">{month}</text>" in html
        assert f"{month} income: {money(credit)}" in html
        assert f"{month} spending: {money(debit)}" in html

    # Spending by category: every category with debits, with its amount.
    spending = [
        c for c in report["combinedSummary"]["combinedCategorySummary"]["combined"]
        if c["debit"]["sumAmount"] > 0
    ]  # fmt: skip
    assert {c["categoryCode"] for c in spending} >= {"RENT", "GROCERIES", "GAMBLING"}
    for category in spending:
        amount = money(category["debit"]["sumAmount"])
        assert f"{category['categoryCodeDescription']}: {amount}" in html
    assert html.index("Rent: AUD 6,300.00") < html.index("Groceries")  # the largest first

    # Income streams, alerts and accounts.
    assert "ACME WIDGETS PTY LTD" in html and "CENTRELINK JOBSEEKER" in html
    assert "Gambling, betting, casinos and lotteries" in html
    assert "SPORTSBET PTY LTD" in html
    assert "Payday, short-term and wage-advance lenders" in html
    assert "Low Rate Credit Card" in html and "xxxx xxxx xxxx 9876" in html
    assert money("5000.00") in html


def test_text_from_the_submission_is_escaped(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    body = _payload()
    body["applicantsData"][0]["applicant"]["firstName"] = "<script>alert(1)</script>"
    account = body["applicantsData"][0]["bankingTransactionData"][0]["accountProperty"]
    bet = next(t for t in account["accounts"][0]["transactions"] if t["transactionId"] == "bet")
    bet["description"] = 'SPORTSBET <img src=x onerror="x()"> & co'
    insights_id = submit(api, body)
    assert api.get(f"{BASE}/{insights_id}", headers=token(api)).status_code == 200
    html = page(api, insights_id)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nguyen" in html
    assert "SPORTSBET &lt;img src=x onerror=&#34;x()&#34;&gt; &amp; co" in html


def test_a_failed_report_says_why(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    body = _payload()
    body["meta"]["reference"] = "FAIL-PROCESSING"
    insights_id = submit(api, body)
    report = api.get(f"{BASE}/{insights_id}", headers=token(api))
    assert report.json()["meta"]["status"] == "FAILED"
    html = page(api, insights_id)
    assert "Processing failed" in html and "FAIL-PROCESSING" in html
    assert "FAILED" in html and "<svg" not in html


def test_unknown_ids_are_404(api: NamespacedClient) -> None:
    admin_404(api.get(f"{PAGE}/1f0e5f7a-0000-4000-8000-000000000000"))


def test_the_page_is_per_namespace(api: NamespacedClient) -> None:
    processing(api, mode="immediate")
    insights_id = submit(api)
    other = f"{api.namespace}-other"
    try:
        admin_404(api.get(f"{PAGE}/{insights_id}", headers={"X-Sandbox-Namespace": other}))
        admin_404(api.client.get(f"{PAGE}/{insights_id}", params={"sandbox_namespace": other}))
    finally:
        api.client.post("/__admin/reset", params={"namespace": other})
    # The namespace can be named in the query, as in a link handed to a browser.
    shown = api.client.get(f"{PAGE}/{insights_id}", params={"sandbox_namespace": api.namespace})
    assert shown.status_code == 200 and insights_id in shown.text


def test_the_chart_axis_has_round_steps() -> None:
    assert nice_ceiling(0) == (1.0, 0.25)
    assert nice_ceiling(7) == (8, 2)
    assert nice_ceiling(8500.2) == (10000, 2500)
    assert nice_ceiling(12345) == (15000, 5000)
    assert nice_ceiling(100000) == (100000, 25000)
