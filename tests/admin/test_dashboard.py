"""The dashboard: its page (``GET /__admin/``) and the resources it lists per provider."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.core.clock import isoformat
from tests.conftest import NamespacedClient
from tests.fena.test_fena_journey import create_consent as fena_consent
from tests.identity.oauth_helpers import REDIRECT, TPP, intent_claims, start
from tests.mogoplus.test_insights_api import submit
from tests.ob.test_ais_journey import FULL, create

RESOURCES = "/__admin/dashboard/resources"


def resources(api: NamespacedClient, provider: str) -> list[dict[str, Any]]:
    response = api.get(RESOURCES)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["namespace"] == api.namespace
    groups = {group["provider"]: group["resources"] for group in body["providers"]}
    assert set(groups) == {"ob", "fena", "moneyhub", "mogoplus"}
    return groups[provider]


def one(rows: list[dict[str, Any]], id: str) -> dict[str, Any]:
    (row,) = [r for r in rows if r["id"] == id]
    return row


def open_authorisation(api: NamespacedClient, consent_id: str) -> None:
    """The PSU's browser arrives at the authorisation endpoint (and is sent to the page)."""
    start(
        api,
        {
            "client_id": TPP[0],
            "response_type": "code",
            "scope": "openid accounts",
            "redirect_uri": REDIRECT,
            "state": "s",
            "claims": json.dumps(intent_claims(consent_id)),
        },
    )


def test_the_page_has_every_section_and_no_outside_assets(api: NamespacedClient) -> None:
    page = api.get("/__admin/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for section in ("requests", "resources", "faults", "webhooks"):
        assert f'<section id="{section}">' in html
    for part in ('id="chart"', 'id="fault-form"', 'id="ns-form"', 'id="clock-form"', 'id="psu"'):
        assert part in html
    assert f'data-namespace="{api.namespace}"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from outside
    assert "<script src" not in html and "<link" not in html
    # Without the slash: sent to the page, in the namespace of the request.
    bare = api.get("/__admin", follow_redirects=False)
    assert bare.status_code == 308
    assert bare.headers["location"].endswith(f"/__admin/?sandbox_namespace={api.namespace}")


def test_the_namespace_given_by_query_reaches_the_page(api: NamespacedClient) -> None:
    page = api.client.get("/__admin/", params={"sandbox_namespace": "dash-q", "token": "t"})
    assert page.status_code == 200
    assert 'data-namespace="dash-q"' in page.text


def test_the_address_without_its_slash_keeps_the_namespace(api: NamespacedClient) -> None:
    bare = api.client.get(
        "/__admin", params={"sandbox_namespace": "dash-q"}, follow_redirects=False
    )
    assert bare.status_code == 308
    assert bare.headers["location"].endswith("/__admin/?sandbox_namespace=dash-q")
    page = api.client.get(bare.headers["location"])
    assert 'data-namespace="dash-q"' in page.text


def test_journal_entries_carry_the_real_time_beside_the_sandbox_clock(
    api: NamespacedClient, frozen_clock: datetime
) -> None:
    # The chart counts requests per real second: under a frozen clock "time" stays put.
    for _ in range(2):
        api.get("/ob/open-banking/v3.1/aisp/accounts")
        time.sleep(0.01)
    entries = api.get("/__admin/requests").json()["entries"][:2]
    assert {e["time"] for e in entries} == {isoformat(frozen_clock)}
    received = [datetime.fromisoformat(e["received_at"].replace("Z", "+00:00")) for e in entries]
    assert received[0] > received[1]  # newest first
    assert abs(received[0] - datetime.now(UTC)) < timedelta(minutes=1)


def test_an_obie_consent_is_pending_once_its_authorisation_request_is_open(
    api: NamespacedClient,
) -> None:
    created = create(api, FULL)
    assert created.status_code == 201, created.text
    consent_id = created.json()["Data"]["ConsentId"]
    row = one(resources(api, "ob"), consent_id)
    assert row["kind"] == "ob.account_access_consent" and row["category"] == "consent"
    assert row["status"] == "AwaitingAuthorisation"
    assert row["client"] == TPP[0] and row["created"] and "ReadBalances" in row["summary"]
    assert row["pending"] is False  # nothing for the PSU to decide yet

    open_authorisation(api, consent_id)
    assert one(resources(api, "ob"), consent_id)["pending"] is True

    decided = api.post(f"/__admin/consents/ob/{consent_id}/authorise", json={"psu": "bob"})
    assert decided.status_code == 200, decided.text
    row = one(resources(api, "ob"), consent_id)
    assert (row["status"], row["pending"], row["psu"]) == ("Authorised", False, "bob")


def test_a_fena_consent_and_a_mogoplus_report(api: NamespacedClient) -> None:
    consent = fena_consent(api)
    row = one(resources(api, "fena"), consent["consentID"])
    assert (row["kind"], row["status"]) == ("fena.access_consent", "AwaitingAuthorisation")
    assert row["pending"] is True  # Fena opens the bank's authorisation request at once

    accepted = submit(api)
    assert accepted.status_code == 202, accepted.text
    insights_id = accepted.json()["data"]["insightsId"]["insightsId"]
    report = one(resources(api, "mogoplus"), insights_id)
    assert report["kind"] == "mogoplus.insights" and report["category"] == "insights"
    assert report["status"] in ("PROCESSING", "COMPLETED", "FAILED")
    assert report["client"] == "mogoplus-sandbox-client"
    assert report["report_url"] == f"/__admin/insights/{insights_id}"
    assert api.get(report["report_url"]).status_code == 200


def test_namespaces_see_only_their_own(api: NamespacedClient) -> None:
    consent_id = create(api, FULL).json()["Data"]["ConsentId"]
    other = NamespacedClient(api.client, api.namespace + "-other")
    try:
        body = other.get(RESOURCES).json()
        assert body["namespace"] == other.namespace
        assert all(group["resources"] == [] for group in body["providers"])
        assert body["psus"] == ["alice", "bob", "carol", "dave"]
        assert consent_id in {r["id"] for r in resources(api, "ob")}
    finally:
        api.client.post("/__admin/reset", params={"namespace": other.namespace})
