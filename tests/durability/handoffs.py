"""Journeys split between two server processes: each step is answered by the one named.

``a`` and ``b`` are clients of two different processes (two workers of one server, or two
replicas) over one database. What one process wrote, the other must read and act on: a
consent created through A is approved through B, its code exchanged through A, and the data it
grants read through B (or A). Tokens signed by one are verified by the other.
"""

from __future__ import annotations

import httpx

from tests.durability import provider_calls as calls


def absolute(client: httpx.Client, path: str) -> str:
    """A URL of the server behind ``client`` (authorisation URLs are absolute)."""
    return str(client.base_url).rstrip("/") + path


def obie_consent(a: httpx.Client, b: httpx.Client) -> None:
    tpp = calls.ob_client_token(a, "accounts")
    created = calls.expect(calls.ob_ais_consent(a, tpp), 201)
    consent_id = str(created.json()["Data"]["ConsentId"])
    url = absolute(a, calls.ob_authorize_url(consent_id, "accounts"))
    code = calls.approve(b, url)["code"]
    psu = calls.ob_exchange(a, code)
    accounts = calls.expect(b.get(f"{calls.AISP}/accounts", headers=calls.bearer(psu)), 200)
    assert accounts.json()["Data"]["Account"], "no accounts"
    path = f"{calls.AISP}/account-access-consents/{consent_id}"
    status = calls.expect(b.get(path, headers=calls.bearer(tpp)), 200).json()["Data"]["Status"]
    assert status == "Authorised"


def fena_consent(a: httpx.Client, b: httpx.Client) -> None:
    result = calls.fena_access_consent(a)
    calls.approve(b, result["authUrl"])
    consent = f"/data/access-consents/{result['consentID']}"
    accounts = calls.expect(calls.fena(a, "GET", f"{consent}/accounts"), 200)
    assert accounts.json()["Data"]["Account"], "no accounts"
    read = calls.expect(calls.fena(b, "GET", consent), 200).json()
    assert read["Data"]["Status"] == "Authorised", read


def moneyhub_connection(a: httpx.Client, b: httpx.Client) -> None:
    creator = calls.moneyhub_token(a, "user:create")
    registered = calls.moneyhub_register(a, creator, "handoff")
    user_id = str(calls.expect(registered, 201).json()["userId"])
    code = calls.approve(b, absolute(a, calls.moneyhub_connect_path(user_id)))["code"]
    assert calls.moneyhub_exchange(a, code, user_id)["id_token"]
    reader = calls.moneyhub_token(b, "accounts:read", sub=user_id)
    accounts = b.get(f"{calls.MONEYHUB_DATA}/accounts", headers=calls.bearer(reader))
    assert calls.expect(accounts, 200).json()["data"], "no accounts"


def every_journey(a: httpx.Client, b: httpx.Client) -> None:
    obie_consent(a, b)
    fena_consent(a, b)
    moneyhub_connection(a, b)
