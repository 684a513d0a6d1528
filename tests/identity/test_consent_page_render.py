"""The consent page's content for what providers will ask: payments, limits, expiry, brands."""

from __future__ import annotations

import pytest

from mockserver.core.errors import ApiError
from mockserver.core.oauth.consents import ConsentSummary, ScopeConsent
from mockserver.core.oauth.page import render
from mockserver.core.store import Store
from mockserver.providers.ob.auth import OB_AUTH


def test_payment_details_are_shown_in_plain_words() -> None:
    summary = ConsentSummary(
        title="Set up variable recurring payments",
        asks=("Make payments from your account when you are not present",),
        payment=(("Payee", "Acme Energy"), ("Maximum per payment", "GBP 250.00")),
        choose_accounts=False,
        expires="2027-01-31",
    )
    html = render(OB_AUTH, step="decide", summary=summary, client_name="Sweepr", psu_name="alice")
    for text in (
        "Sweepr",
        "Set up variable recurring payments",
        "Acme Energy",
        "Maximum per payment",
        "GBP 250.00",
        "2027-01-31",
        "Approve",
        "Deny",
    ):
        assert text in html
    assert "Choose the accounts to share" not in html  # a payment comes from one account


def test_accounts_are_shown_with_formatted_details() -> None:
    summary = ConsentSummary(title="Share", asks=("Your balances",))
    account = {
        "id": "acc-1",
        "name": "Everyday Current Account",
        "sort_code": "779728",
        "account_number": "66627018",
        "currency": "GBP",
        "balance": "-12345.6",
    }
    html = render(OB_AUTH, step="decide", summary=summary, accounts=[account], psu_name="alice")
    assert "77-97-28 66627018" in html
    assert "-GBP 12,345.60" in html
    assert 'value="acc-1"' in html


def test_text_is_escaped() -> None:
    summary = ConsentSummary(title="<script>alert(1)</script>", asks=())
    html = render(OB_AUTH, step="login", summary=summary, client_name="<b>x</b>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_scope_consent_describes_scopes_and_refuses_a_named_consent() -> None:
    adapter = ScopeConsent("Connect your bank", {"accounts:read": "Read your accounts"})
    store = Store("sqlite://")
    with store.transaction() as tx:
        summary = adapter.describe(tx, "ns", {"scope": ["openid", "accounts:read", "other"]})
        assert summary.title == "Connect your bank"
        assert summary.asks == ("Read your accounts", "other")
        with pytest.raises(ApiError) as refused:
            adapter.describe(tx, "ns", {"scope": [], "consent_id": "c-1"})
    assert refused.value.status == 400
