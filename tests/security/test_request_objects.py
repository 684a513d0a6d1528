"""Request objects (JAR, RFC 9101) at every door they come in by: the OBIE bank's authorisation
endpoint and PAR, Moneyhub's authorisation endpoint, its request-object endpoint and its PAR.
Only an object signed as the client registered (or unsigned, if it registered ``none``), by its
own key, for this server, unexpired and unaltered, is honoured; anything else is refused with a
400 shown to the caller, never redirected and never a 500."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import intent_claims, rsa_client_keys
from tests.moneyhub.helpers import MOCK_BANK, connection_claims
from tests.security import forge, sandbox_clients
from tests.security.calls import bearer
from tests.security.internals import assert_no_internals

REDIRECT = "http://localhost:3000/callback"
SIGNED_KID = "sec-request-object-key"
PRIVATE_KEY, JWKS = rsa_client_keys(SIGNED_KID)
OTHER_KEY = forge.strange_key()


@dataclass(frozen=True)
class Door:
    """One way a request object reaches an authorisation server."""

    provider: str
    issuer: str
    send: Callable[[NamespacedClient, str, str], Any]  # (api, client_id, request object)
    accepted: Callable[[Any], bool]


def _authorize(path: str, consent_page: str) -> tuple[Callable[..., Any], Callable[[Any], bool]]:
    def send(api: NamespacedClient, client_id: str, request_object: str) -> Any:
        query = {"client_id": client_id, "response_type": "code", "request": request_object}
        return api.get(path, params=query, follow_redirects=False)

    def accepted(response: Any) -> bool:
        return response.status_code == 303 and consent_page in response.headers["location"]

    return send, accepted


def _par(path: str) -> tuple[Callable[..., Any], Callable[[Any], bool]]:
    def send(api: NamespacedClient, client_id: str, request_object: str) -> Any:
        return api.post(path, data={"request": request_object}, auth=(client_id, "sec-secret"))

    return send, lambda response: response.status_code == 201


def _request_endpoint(api: NamespacedClient, client_id: str, request_object: str) -> Any:
    return api.post(
        "/moneyhub/identity/request",
        content=request_object.encode(),
        headers={"Content-Type": "application/jws"},
    )


OB_ISSUER = "http://testserver/ob"
MH_ISSUER = "http://testserver/moneyhub/identity/oidc"
DOORS = {
    "ob authorize": Door("ob", OB_ISSUER, *_authorize("/ob/oauth2/authorize", "/ob/consent/")),
    "ob par": Door("ob", OB_ISSUER, *_par("/ob/oauth2/par")),
    "moneyhub authorize": Door(
        "moneyhub",
        MH_ISSUER,
        *_authorize("/moneyhub/identity/oidc/auth", "/moneyhub/identity/consent/"),
    ),
    "moneyhub request endpoint": Door(
        "moneyhub", MH_ISSUER, _request_endpoint, lambda r: r.status_code == 201
    ),
    "moneyhub par": Door("moneyhub", MH_ISSUER, *_par("/moneyhub/identity/oidc/request")),
}


@dataclass
class Setting:
    api: NamespacedClient
    consent: str  # an OBIE consent the request objects name

    def claims(self, door: Door, sender: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        if door.provider == "ob":
            scope, claims = "openid accounts", intent_claims(self.consent)
        else:
            scope, claims = f"openid id:{MOCK_BANK}", connection_claims(None)
        made = {
            "iss": sender,
            "aud": door.issuer,
            "client_id": sender,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": REDIRECT,
            "state": "st",
            "nonce": "n",
            "claims": claims,
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
            **changes,
        }
        return {k: v for k, v in made.items() if v is not None}


def _client(provider: str, kind: str) -> str:
    return f"sec-{provider}-{kind}-objects"


@pytest.fixture(scope="module")
def setting(client: TestClient) -> Iterator[Setting]:
    api = NamespacedClient(client, f"sec-jar-{secrets.token_hex(4)}")
    for provider in ("ob", "moneyhub"):
        for kind, extra in (
            ("signed", {"request_object_signing_alg": "PS256", "jwks": JWKS}),
            ("unsigned", {"request_object_signing_alg": "none"}),
        ):
            registered = api.post(
                "/__admin/clients",
                json={
                    "provider": provider,
                    "client_id": _client(provider, kind),
                    "client_secret": "sec-secret",
                    "redirect_uris": [REDIRECT],
                    **extra,
                },
            )
            assert registered.status_code == 201, registered.text
    body = {"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}}
    made = api.post(
        "/ob/open-banking/v3.1/aisp/account-access-consents",
        json=body,
        headers=bearer(sandbox_clients.token(api, "ob")),
    )
    assert made.status_code == 201, made.text
    yield Setting(api, made.json()["Data"]["ConsentId"])
    client.post("/__admin/reset", params={"namespace": api.namespace})


def signed(claims: dict[str, Any], key: Any = PRIVATE_KEY, kid: str = SIGNED_KID) -> str:
    return jwt.encode(claims, key, algorithm="PS256", headers={"kid": kid})


def assert_refused_here(response: Any, context: object) -> None:
    """Refused to the caller's face: a 400, no redirect to anywhere."""
    assert response.status_code == 400, f"{context}: {response.status_code} {response.text}"
    assert "location" not in response.headers
    assert_no_internals(response, context)


# Each: (the client it is sent for, the request object built from good claims).
Forgery = Callable[[Setting, Door, str], str]
SIGNED = "signed"
FORGERIES: dict[str, tuple[str, Forgery]] = {
    "alg none from a client that signs": (
        SIGNED,
        lambda s, d, c: forge.unsigned(s.claims(d, c)),
    ),
    "signed with another key": (SIGNED, lambda s, d, c: signed(s.claims(d, c), OTHER_KEY)),
    "HS256 keyed with the client's public key": (
        SIGNED,
        lambda s, d, c: forge.hs256_keyed_with_public_key(
            s.claims(d, c), PRIVATE_KEY.public_key(), kid=SIGNED_KID
        ),
    ),
    "claims changed, signature kept": (
        SIGNED,
        lambda s, d, c: forge.with_claims(
            signed(s.claims(d, c)), redirect_uri="https://attacker.example/cb"
        ),
    ),
    "signature broken": (
        SIGNED,
        lambda s, d, c: forge.with_broken_signature(signed(s.claims(d, c))),
    ),
    "expired": (SIGNED, lambda s, d, c: signed(s.claims(d, c, exp=int(time.time()) - 10))),
    "not valid yet": (SIGNED, lambda s, d, c: signed(s.claims(d, c, nbf=int(time.time()) + 3600))),
    "another audience": (
        SIGNED,
        lambda s, d, c: signed(s.claims(d, c, aud="https://else.example")),
    ),
    "another issuer": (SIGNED, lambda s, d, c: signed(s.claims(d, c, iss="sec-someone-else"))),
    "another client's": (
        SIGNED,
        lambda s, d, c: signed(s.claims(d, c, client_id=_client(d.provider, "unsigned"))),
    ),
    "an expiry that is no time (signed)": (
        SIGNED,
        lambda s, d, c: signed(s.claims(d, c, exp="soon")),
    ),
    "an expiry that is no time (unsigned)": (
        "unsigned",
        lambda s, d, c: forge.unsigned(s.claims(d, c, exp="soon")),
    ),
    "an expiry of null (unsigned)": (
        "unsigned",
        lambda s, d, c: forge.unsigned({**s.claims(d, c), "exp": None}),
    ),
    "expired (unsigned)": (
        "unsigned",
        lambda s, d, c: forge.unsigned(s.claims(d, c, exp=int(time.time()) - 10)),
    ),
    "a payload that is not an object (unsigned)": (
        "unsigned",
        lambda s, d, c: f"{forge.segment({'alg': 'none'})}.{forge.segment([s.claims(d, c)])}.",
    ),
    "a payload that is not JSON (unsigned)": (
        "unsigned",
        lambda s, d, c: f"{forge.segment({'alg': 'none'})}.{forge.b64url(b'not json')}.",
    ),
}


def _unsigned_works(setting: Setting, door: Door, client_id: str) -> Any:
    return door.send(setting.api, client_id, forge.unsigned(setting.claims(door, client_id)))


@pytest.mark.parametrize("forgery", list(FORGERIES))
@pytest.mark.parametrize("door_name", list(DOORS))
def test_bad_request_objects_are_refused(setting: Setting, door_name: str, forgery: str) -> None:
    door = DOORS[door_name]
    kind, make = FORGERIES[forgery]
    client_id = _client(door.provider, kind)
    genuine = (
        signed(setting.claims(door, client_id))
        if kind == SIGNED
        else forge.unsigned(setting.claims(door, client_id))
    )
    good = door.send(setting.api, client_id, genuine)
    assert door.accepted(good), f"the genuine object: {good.status_code} {good.text}"
    response = door.send(setting.api, client_id, make(setting, door, client_id))
    assert_refused_here(response, f"{door_name}: {forgery}")


def test_the_request_endpoint_refuses_bytes_that_are_not_text(setting: Setting) -> None:
    response = setting.api.post(
        "/moneyhub/identity/request",
        content=b"\xff\xfe\xfd.\x80.",
        headers={"Content-Type": "application/jws"},
    )
    assert_refused_here(response, "not UTF-8")
    assert json.loads(response.text)["error"] == "invalid_request_object"
