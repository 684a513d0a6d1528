"""Client authentication at the token endpoints: a client assertion (``private_key_jwt``,
``client_secret_jwt``) is accepted once, signed by the client's registered key, for this server,
while it is valid; anything else is ``401 invalid_client`` (RFC 6749 5.2), never a 500."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import rsa_client_keys
from tests.security import forge
from tests.security.internals import assert_no_internals

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Client:
    """A registered client that authenticates with assertions, and where it does."""

    provider: str
    client_id: str
    alg: str
    key: Any  # what signs its assertions: its private key, or its secret
    token_path: str
    scope: str

    @property
    def audience(self) -> str:
        return f"http://testserver{self.token_path}"

    def assertion(self, **changes: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.audience,
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
            **changes,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        headers = {"kid": f"{self.client_id}-key"} if self.alg != "HS256" else None
        return jwt.encode(claims, self.key, algorithm=self.alg, headers=headers)

    def token(self, api: NamespacedClient, assertion: str, **form: str) -> Any:
        data = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            **form,
        }
        return api.post(self.token_path, data=data)


OTHER_KEY = forge.strange_key()


def _register(api: NamespacedClient, provider: str, client_id: str, **extra: Any) -> None:
    body = {"provider": provider, "client_id": client_id, "redirect_uris": ["http://localhost/cb"]}
    response = api.post("/__admin/clients", json={**body, **extra})
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def clients(client: TestClient) -> Iterator[tuple[NamespacedClient, dict[str, Client]]]:
    api = NamespacedClient(client, f"sec-clientauth-{secrets.token_hex(4)}")
    made: dict[str, Client] = {}
    for provider, token_path, scope in (
        ("ob", "/ob/oauth2/token", "accounts"),
        ("moneyhub", "/moneyhub/identity/oidc/token", "user:read"),
    ):
        client_id = f"sec-{provider}-private-key"
        private, jwks = rsa_client_keys(f"{client_id}-key")
        _register(api, provider, client_id, jwks=jwks, token_endpoint_auth_method="private_key_jwt")
        made[f"{provider} private_key_jwt"] = Client(
            provider, client_id, "PS256", private, token_path, scope
        )
        client_id = f"sec-{provider}-secret-jwt"
        secret = secrets.token_hex(32)
        _register(
            api,
            provider,
            client_id,
            client_secret=secret,
            token_endpoint_auth_method="client_secret_jwt",
        )
        made[f"{provider} client_secret_jwt"] = Client(
            provider, client_id, "HS256", secret.encode(), token_path, scope
        )
    yield api, made
    client.post("/__admin/reset", params={"namespace": api.namespace})


def assert_invalid_client(response: Any, context: object = "") -> str:
    assert response.status_code == 401, f"{context}: {response.status_code} {response.text}"
    body = response.json()
    assert body["error"] == "invalid_client", body
    assert response.headers["www-authenticate"].startswith("Basic")
    assert_no_internals(response, context)
    return str(body["error_description"])


def _hour_from_now() -> int:
    return int(time.time()) + 3600


BROKEN: dict[str, Callable[[Client], str]] = {
    "alg none": lambda c: forge.unsigned(forge.parts(c.assertion())[1]),
    "alg none, signature kept": lambda c: (
        f"{forge.segment({'alg': 'none'})}.{c.assertion().split('.', 1)[1]}"
    ),
    "signed with another key": lambda c: (
        jwt.encode(forge.parts(c.assertion())[1], OTHER_KEY, "PS256", {"kid": f"{c.client_id}-key"})
        if c.alg != "HS256"
        else jwt.encode(forge.parts(c.assertion())[1], b"not-the-secret" * 4, "HS256")
    ),
    "claims changed, signature kept": lambda c: forge.with_claims(c.assertion(), jti="other"),
    "signature broken": lambda c: forge.with_broken_signature(c.assertion()),
    "expired": lambda c: c.assertion(exp=int(time.time()) - 10),
    "not valid yet": lambda c: c.assertion(nbf=_hour_from_now()),
    "issued in the future": lambda c: c.assertion(iat=_hour_from_now()),
    "another audience": lambda c: c.assertion(aud="https://elsewhere.example/token"),
    "another issuer": lambda c: c.assertion(iss="sec-someone-else"),
    "another subject": lambda c: c.assertion(sub="sec-someone-else"),
    "no jti": lambda c: c.assertion(jti=None),
    "no expiry": lambda c: c.assertion(exp=None),
    "not a JWT": lambda c: "not.a.jwt",
}


@pytest.mark.parametrize("broken", list(BROKEN))
@pytest.mark.parametrize(
    "who",
    [
        "ob private_key_jwt",
        "ob client_secret_jwt",
        "moneyhub private_key_jwt",
        "moneyhub client_secret_jwt",
    ],
)
def test_broken_assertions_are_invalid_client(
    clients: tuple[NamespacedClient, dict[str, Client]], who: str, broken: str
) -> None:
    api, registered = clients
    client = registered[who]
    assert client.token(api, client.assertion()).status_code == 200, "a good one works"
    assert_invalid_client(client.token(api, BROKEN[broken](client)), f"{who}: {broken}")


@pytest.mark.parametrize(
    "who", ["ob private_key_jwt", "ob client_secret_jwt", "moneyhub private_key_jwt"]
)
def test_an_assertion_is_accepted_once(
    clients: tuple[NamespacedClient, dict[str, Client]], who: str
) -> None:
    api, registered = clients
    client = registered[who]
    assertion = client.assertion()
    assert client.token(api, assertion).status_code == 200
    reason = assert_invalid_client(client.token(api, assertion), "replayed")
    assert "jti" in reason


def test_a_long_jti_is_accepted_once_too(
    clients: tuple[NamespacedClient, dict[str, Client]],
) -> None:
    """The jti is the client's to choose: its length must not matter (the store's keys are
    bounded; on PostgreSQL a long one failed the insert)."""
    api, registered = clients
    client = registered["ob private_key_jwt"]
    assertion = client.assertion(jti="j" * 400)
    assert client.token(api, assertion).status_code == 200
    assert_invalid_client(client.token(api, assertion), "replayed")


def test_the_method_is_the_registered_one(
    clients: tuple[NamespacedClient, dict[str, Client]],
) -> None:
    """A private_key_jwt client cannot fall back on a secret, nor on an HMAC keyed with its
    own public key."""
    api, registered = clients
    client = registered["ob private_key_jwt"]
    claims = forge.parts(client.assertion())[1]
    confused = forge.hs256_keyed_with_public_key(claims, client.key.public_key())
    assert_invalid_client(client.token(api, confused), "HS256 with the public key")
    basic = api.post(
        client.token_path,
        data={"grant_type": "client_credentials", "scope": client.scope},
        auth=(client.client_id, "guess"),
    )
    assert_invalid_client(basic, "client_secret_basic")


@pytest.mark.parametrize(
    "authorization",
    [
        b"Basic \xe9\xe9\xe9",  # not base64, not even ASCII
        b"Basic ====",
        b"Basic " + forge.b64url(b"\xff\xfe:\xff").encode(),  # base64 of bytes that are not UTF-8
        b"Basic b2Itc2FuZGJveC1jbGllbnQ=",  # no colon
        b"Basic",
    ],
)
@pytest.mark.parametrize(
    "token_path",
    ["/ob/oauth2/token", "/moneyhub/identity/oidc/token", "/mogoplus/api/v1/oauth2/token"],
)
def test_malformed_basic_credentials_are_invalid_client(
    clients: tuple[NamespacedClient, dict[str, Client]], token_path: str, authorization: bytes
) -> None:
    api, _ = clients
    response = api.post(
        token_path,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": authorization},  # type: ignore[dict-item]
    )
    assert_invalid_client(response, authorization)
