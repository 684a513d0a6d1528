"""Fena's client authentication (``mockserver.providers.fena.auth``), through the real app."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import NamespacedClient

FENA = "/fena"
# fixtures/fena/clients.yaml
FENA_CLIENT = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}
# fixtures/ob/clients.yaml
OB_CLIENT = {"client_id": "ob-sandbox-client", "client_secret": "ob-sandbox-secret"}
OTHER_UUID = "0b6f3c55-2d1e-4c8a-9f7b-6a5e4d3c2b10"


@pytest.fixture
def fena(api: NamespacedClient) -> NamespacedClient:
    return api


def assert_unauthorized(response: Any, field: str | None) -> str:
    """A 401 in Fena's envelope; returns its message."""
    assert response.status_code == 401
    body = response.json()
    assert set(body) <= {"statusCode", "error", "message", "field"}
    assert body["statusCode"] == 401
    assert body["error"] == "Unauthorized"
    assert body.get("field") == field
    return str(body["message"])


def register(client: NamespacedClient, provider: str, client_id: str, secret: str) -> None:
    response = client.post(
        "/__admin/clients",
        json={
            "provider": provider,
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": ["http://localhost:3000/callback"],
        },
    )
    assert response.status_code == 201, response.text


def test_the_right_pair_is_let_in(fena: NamespacedClient) -> None:
    response = fena.get(f"{FENA}/providers", headers=FENA_CLIENT)
    assert response.status_code == 200, response.text


def test_no_headers_is_a_401(fena: NamespacedClient) -> None:
    # Connexion does not call the info functions without their header; its own 401 leaves in
    # Fena's envelope like every error.
    assert_unauthorized(fena.get(f"{FENA}/providers"), None)


def test_a_missing_secret_is_a_401(fena: NamespacedClient) -> None:
    # The client_id scheme runs first and names the header that is missing.
    headers = {"client_id": FENA_CLIENT["client_id"]}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert assert_unauthorized(response, "client_secret") == "The client_secret header is required."


def test_a_missing_client_id_is_a_401(fena: NamespacedClient) -> None:
    # Without client_id Connexion stops before either info function (as with no headers).
    headers = {"client_secret": FENA_CLIENT["client_secret"]}
    assert_unauthorized(fena.get(f"{FENA}/providers", headers=headers), None)


def test_a_wrong_secret_is_a_401(fena: NamespacedClient) -> None:
    headers = {**FENA_CLIENT, "client_secret": OTHER_UUID}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert assert_unauthorized(response, "client_secret") == "Invalid client_secret."


def test_an_empty_secret_is_a_401(fena: NamespacedClient) -> None:
    headers = {**FENA_CLIENT, "client_secret": ""}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert_unauthorized(response, "client_secret")


def test_an_unknown_client_is_a_401(fena: NamespacedClient) -> None:
    headers = {**FENA_CLIENT, "client_id": OTHER_UUID}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert assert_unauthorized(response, "client_id") == "Unknown client_id."


def test_another_providers_client_is_a_401(fena: NamespacedClient) -> None:
    # The OBIE fixture client, and an OBIE client whose credentials are UUIDs as Fena's are.
    response = fena.get(f"{FENA}/providers", headers=OB_CLIENT)
    assert assert_unauthorized(response, "client_id") == "Unknown client_id."
    secret = str(uuid.uuid4())
    register(fena, "ob", OTHER_UUID, secret)
    headers = {"client_id": OTHER_UUID, "client_secret": secret}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert assert_unauthorized(response, "client_id") == "Unknown client_id."


def test_a_registered_client_works_in_its_own_namespace_only(fena: NamespacedClient) -> None:
    secret = str(uuid.uuid4())
    register(fena, "fena", OTHER_UUID, secret)
    headers = {"client_id": OTHER_UUID, "client_secret": secret}
    response = fena.get(f"{FENA}/providers", headers=headers)
    assert response.status_code == 200, response.text
    elsewhere = NamespacedClient(fena.client, f"{fena.namespace}-other")
    try:
        response = elsewhere.get(f"{FENA}/providers", headers=headers)
        assert assert_unauthorized(response, "client_id") == "Unknown client_id."
    finally:
        fena.client.post("/__admin/reset", params={"namespace": elsewhere.namespace})


def test_secrets_are_compared_exactly(fena: NamespacedClient) -> None:
    upper = {**FENA_CLIENT, "client_secret": FENA_CLIENT["client_secret"].upper()}
    assert_unauthorized(fena.get(f"{FENA}/providers", headers=upper), "client_secret")
    longer = {**FENA_CLIENT, "client_secret": FENA_CLIENT["client_secret"] + "0"}
    assert_unauthorized(fena.get(f"{FENA}/providers", headers=longer), "client_secret")
