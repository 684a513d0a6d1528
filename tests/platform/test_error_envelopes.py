"""Every error leaving a provider is in that provider's envelope, whoever raised it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NamespacedClient

CLIENT = {"X-Probe-Client": "c1"}
PREFIXES = {"ob": "/ob", "fena": "/fena", "moneyhub": "/moneyhub", "mogoplus": "/mogoplus"}


# The reference OBIE v3.1.11 specs declare these error responses without content.
OB_BODILESS = {401, 404, 405, 406, 415, 429}


def assert_envelope(provider: str, response: Any, status: int) -> str | None:
    """Checks the provider's error shape; returns its message (None: OBIE sends no body)."""
    assert response.status_code == status
    if provider == "ob" and status in OB_BODILESS:
        assert response.content == b""
        assert "content-type" not in response.headers
        assert response.headers["x-fapi-interaction-id"]
        return None
    body = response.json()
    if provider == "ob":
        assert set(body) <= {"Code", "Id", "Message", "Errors"}
        assert body["Code"].startswith(str(status))
        assert body["Errors"] and all({"ErrorCode", "Message"} <= set(e) for e in body["Errors"])
        assert body["Errors"][0]["ErrorCode"].startswith("UK.OBIE.")
        return str(body["Message"])
    if provider == "fena":
        assert set(body) <= {"statusCode", "error", "message", "field"}
        assert body["statusCode"] == status
        return str(body["message"])
    if provider == "moneyhub":
        assert set(body) <= {"code", "message", "correlationId"}
        assert isinstance(body["code"], str) and body["code"]
        return str(body["message"])
    assert list(body) == ["errors"]
    (error,) = body["errors"]
    assert set(error) == {"code", "title", "detail"}
    assert error["code"].startswith("urn:au-cds:error:")
    return str(error["detail"])


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_unknown_path_is_a_provider_404(api: NamespacedClient, provider: str) -> None:
    response = api.get(f"{PREFIXES[provider]}/no/such/thing")
    if assert_envelope(provider, response, 404) is not None:
        assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_validation_failure_names_the_field(api: NamespacedClient, provider: str) -> None:
    url = f"{PREFIXES[provider]}/__probe/items"
    response = api.post(url, json={"name": "x", "amount": "1.5"}, headers=CLIENT)
    assert response.status_code == 400
    body = response.json()
    assert "does not match" in str(assert_envelope(provider, response, 400))
    if provider == "ob":
        assert body["Errors"][0]["Path"] == "amount"
        assert body["Errors"][0]["ErrorCode"] == "UK.OBIE.Field.Invalid"
    if provider == "fena":
        assert body["field"] == "amount"


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_missing_required_header_is_a_provider_400(api: NamespacedClient, provider: str) -> None:
    response = api.get(f"{PREFIXES[provider]}/__probe/items")
    assert response.status_code == 400
    assert "X-Probe-Client" in str(assert_envelope(provider, response, 400))


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_unknown_field_is_refused(api: NamespacedClient, provider: str) -> None:
    body = {"name": "x", "amount": "1.00", "extra": True}
    response = api.post(f"{PREFIXES[provider]}/__probe/items", json=body, headers=CLIENT)
    assert response.status_code == 400
    assert_envelope(provider, response, 400)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_invalid_utf8_json_is_a_400_not_a_500(api: NamespacedClient, provider: str) -> None:
    response = api.post(
        f"{PREFIXES[provider]}/__probe/items",
        content=b'{"name": "\xff\xfe", "amount": "1.00"}',
        headers={**CLIENT, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "UTF-8" in str(assert_envelope(provider, response, 400))


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_malformed_json_is_a_400(api: NamespacedClient, provider: str) -> None:
    response = api.post(
        f"{PREFIXES[provider]}/__probe/items",
        content=b'{"name": ',
        headers={**CLIENT, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert_envelope(provider, response, 400)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_wrong_content_type_is_a_provider_415(api: NamespacedClient, provider: str) -> None:
    response = api.post(
        f"{PREFIXES[provider]}/__probe/items",
        content=b"name=x",
        headers={**CLIENT, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert_envelope(provider, response, 415)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_405_lists_every_method_of_the_path(api: NamespacedClient, provider: str) -> None:
    response = api.request("PATCH", f"{PREFIXES[provider]}/__probe/items/abc", headers=CLIENT)
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert_envelope(provider, response, 405)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_model_errors_use_the_envelope(api: NamespacedClient, provider: str) -> None:
    response = api.get(f"{PREFIXES[provider]}/__probe/items/none", headers=CLIENT)
    assert response.status_code == 404
    message = assert_envelope(provider, response, 404)
    assert message is None if provider == "ob" else "no item none" in str(message)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_unexpected_exception_is_an_enveloped_500_without_internals(
    api: NamespacedClient, provider: str
) -> None:
    response = api.get(f"{PREFIXES[provider]}/__probe/boom")
    assert response.status_code == 500
    message = assert_envelope(provider, response, 500)
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "line 42" not in str(message)


@pytest.mark.parametrize("provider", list(PREFIXES))
def test_operation_with_several_media_types_answers(api: NamespacedClient, provider: str) -> None:
    url = f"{PREFIXES[provider]}/__probe/items"
    item = api.post(url, json={"name": "x", "amount": "1.00"}, headers=CLIENT).json()
    response = api.get(f"{url}/{item['id']}", headers=CLIENT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == item


def test_paths_outside_every_mount_get_a_json_404(api: NamespacedClient) -> None:
    for path in ("/nothing", "/obx/accounts", "/__adminx", "/__explorerx"):  # "/": the landing page
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"status": 404, "code": "NotFound", "message": "Not Found"}


def test_admin_errors_use_the_sandbox_envelope(api: NamespacedClient) -> None:
    response = api.get("/__admin/nothing")
    assert response.status_code == 404
    assert set(response.json()) == {"status", "code", "message"}
    response = api.request("PATCH", "/__admin/clock")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT"


@pytest.mark.parametrize("provider", ["ob", "mogoplus"])
def test_fapi_interaction_id_is_echoed(api: NamespacedClient, provider: str) -> None:
    given = "93bac548-d2de-4546-b106-880a5018460d"
    for url in (f"{PREFIXES[provider]}/__probe/items", f"{PREFIXES[provider]}/nowhere"):
        response = api.get(url, headers={**CLIENT, "x-fapi-interaction-id": given})
        assert response.headers["x-fapi-interaction-id"] == given


@pytest.mark.parametrize("provider", ["ob", "mogoplus"])
def test_fapi_interaction_id_is_minted_on_success_and_error(
    api: NamespacedClient, provider: str
) -> None:
    ok = api.get(f"{PREFIXES[provider]}/__probe/items", headers=CLIENT)
    bad = api.get(f"{PREFIXES[provider]}/__probe/items")
    assert ok.status_code == 200 and bad.status_code == 400
    minted = {ok.headers["x-fapi-interaction-id"], bad.headers["x-fapi-interaction-id"]}
    assert len(minted) == 2
    assert all(len(value) == 36 for value in minted)
    if provider == "ob":
        assert bad.json()["Id"] == bad.headers["x-fapi-interaction-id"]


@pytest.mark.parametrize("provider", ["fena", "moneyhub"])
def test_non_fapi_providers_do_not_add_the_header(api: NamespacedClient, provider: str) -> None:
    response = api.get(f"{PREFIXES[provider]}/__probe/items", headers=CLIENT)
    assert "x-fapi-interaction-id" not in response.headers
