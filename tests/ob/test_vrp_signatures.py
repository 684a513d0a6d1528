"""x-jws-signature on VRP requests: verified against the client's registered key, or relaxed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient, build_app
from tests.identity.oauth_helpers import bearer, client_token, rsa_client_keys
from tests.ob.vrp_helpers import PISP, Tpp, consent_body, signature

CONSENTS = f"{PISP}/domestic-vrp-consents"


def send(tpp: Tpp, raw: bytes, jws: str | None, token: str | None = None) -> Any:
    headers = {
        **bearer(token or tpp.client_token()),
        "Content-Type": "application/json",
        "x-idempotency-key": tpp.next_key(),
    }
    if jws is not None:
        headers["x-jws-signature"] = jws
    return tpp.api.post(CONSENTS, content=raw, headers=headers)


def code_of(response: Any) -> str:
    assert response.status_code == 400, response.text
    entry = response.json()["Errors"][0]
    assert entry["Path"] == "x-jws-signature"
    return str(entry["ErrorCode"])


RAW = json.dumps(consent_body()).encode()


def test_a_signed_request_is_accepted(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    assert send(tpp, RAW, signature(RAW)).status_code == 201


def test_the_signature_is_required(api: NamespacedClient) -> None:
    assert code_of(send(Tpp(api), RAW, None)) == "UK.OBIE.Signature.Missing"


def test_a_changed_body_or_another_key_does_not_verify(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    changed = RAW.replace(b"100.00", b"900.00")
    assert code_of(send(tpp, changed, signature(RAW))) == "UK.OBIE.Signature.Invalid"
    stranger, _ = rsa_client_keys("vrp-signing-key")
    assert code_of(send(tpp, RAW, signature(RAW, key=stranger))) == "UK.OBIE.Signature.Invalid"
    assert code_of(send(tpp, RAW, signature(RAW, kid="unknown"))) == "UK.OBIE.Signature.Invalid"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ({"http://openbanking.org.uk/tan": None}, "UK.OBIE.Signature.MissingClaim"),
        ({"kid": None}, "UK.OBIE.Signature.MissingClaim"),
        ({"http://openbanking.org.uk/tan": "example.com"}, "UK.OBIE.Signature.InvalidClaim"),
        ({"http://openbanking.org.uk/iss": "someone-else"}, "UK.OBIE.Signature.InvalidClaim"),
        (
            {"http://openbanking.org.uk/iat": int(time.time()) + 3600},
            "UK.OBIE.Signature.InvalidClaim",
        ),
        ({"crit": ["http://openbanking.org.uk/iat"]}, "UK.OBIE.Signature.InvalidClaim"),
        ({"typ": "JWT"}, "UK.OBIE.Signature.InvalidClaim"),
        ({"alg": "RS256"}, "UK.OBIE.Signature.InvalidClaim"),
    ],
)
def test_the_obie_header_claims_are_checked(
    api: NamespacedClient, header: dict[str, Any], code: str
) -> None:
    tpp = Tpp(api)
    # PyJWT refuses to sign with crit entries missing from the header; those cases drop crit's
    # members before signing, which is what a broken signer would send.
    assert code_of(send(tpp, RAW, signature(RAW, **header))) == code


def test_a_signature_that_is_not_detached_is_malformed(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    head, _, sig = signature(RAW).split(".")
    assert code_of(send(tpp, RAW, f"{head}.e30.{sig}")) == "UK.OBIE.Signature.Malformed"
    assert code_of(send(tpp, RAW, "not-a-jws")) == "UK.OBIE.Signature.Malformed"


def test_a_client_without_registered_keys_cannot_sign(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    token = client_token(api, "payments")  # ob-sandbox-client: no JWKS registered
    jws = signature(RAW, **{"http://openbanking.org.uk/iss": "org/ob-sandbox-client"})
    assert code_of(send(tpp, RAW, jws, token)) == "UK.OBIE.Signature.Invalid"


@pytest.fixture(scope="module")
def relaxed() -> Iterator[TestClient]:
    app = build_app(relax_jws=True)
    with TestClient(app) as client:
        yield client


def test_relax_jws_accepts_unsigned_requests(relaxed: TestClient) -> None:
    api = NamespacedClient(relaxed, "relaxed-jws")
    token = client_token(api, "payments")
    headers = {**bearer(token), "x-idempotency-key": "relaxed-1"}
    created = api.post(CONSENTS, json=consent_body(), headers=headers)
    assert created.status_code == 201, created.text
