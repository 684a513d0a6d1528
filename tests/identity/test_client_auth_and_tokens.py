"""Client authentication methods at the token endpoint, and what token verification refuses."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mockserver.core.ids import Ids
from mockserver.core.keys import SigningKeys
from mockserver.core.oauth import grants
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.store import Store
from mockserver.core.tokens import Tokens
from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import (
    CONSENTS,
    ISSUER,
    TOKEN_URL,
    approve_via_page,
    assertion,
    authorize_params,
    basic,
    bearer,
    client_token,
    create_consent,
    exchange,
    rsa_client_keys,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def register(api: NamespacedClient, **fields: Any) -> dict[str, Any]:
    body = {"provider": "ob", "redirect_uris": ["http://localhost:3000/callback"], **fields}
    response = api.post("/__admin/clients", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def token_with(api: NamespacedClient, data: dict[str, str], **kwargs: Any) -> Any:
    return api.post("/ob/oauth2/token", data={"grant_type": "client_credentials", **data}, **kwargs)


def test_client_secret_post(api: NamespacedClient) -> None:
    client = register(api, token_endpoint_auth_method="client_secret_post")
    ok = token_with(
        api, {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    )
    assert ok.status_code == 200
    wrong = token_with(api, {"client_id": client["client_id"], "client_secret": "nope-nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    # Registered for post: Basic is not this client's method.
    assert (
        token_with(api, {}, headers=basic(client["client_id"], client["client_secret"])).status_code
        == 401
    )


def test_client_secret_jwt(api: NamespacedClient) -> None:
    client = register(api, token_endpoint_auth_method="client_secret_jwt")
    signed = assertion(client["client_id"], client["client_secret"].encode(), "HS256")
    form = {"client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}
    assert token_with(api, form).status_code == 200
    replayed = token_with(api, form)
    assert replayed.status_code == 401 and "replayed" in replayed.json()["error_description"]
    forged = assertion(client["client_id"], b"another-secret-entirely-32bytes!", "HS256")
    form = {"client_assertion_type": ASSERTION_TYPE, "client_assertion": forged}
    assert token_with(api, form).status_code == 401


def test_private_key_jwt(api: NamespacedClient) -> None:
    private, jwks = rsa_client_keys()
    client = register(api, token_endpoint_auth_method="private_key_jwt", jwks=jwks)
    cid = client["client_id"]

    def attempt(**kwargs: Any) -> Any:
        signed = assertion(cid, private, "PS256", kid="tpp-key-1", **kwargs)
        return token_with(
            api, {"client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}
        )

    assert attempt().status_code == 200
    assert attempt(audience=ISSUER).status_code == 200  # the issuer is an accepted audience too
    assert attempt(audience="https://elsewhere/token").status_code == 401
    assert attempt(exp=int(time.time()) - 10).status_code == 401
    assert attempt(jti="same").status_code == 200
    assert attempt(jti="same").status_code == 401
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong = assertion(cid, other_key, "PS256", kid="tpp-key-1")
    form = {"client_assertion_type": ASSERTION_TYPE, "client_assertion": wrong}
    assert token_with(api, form).status_code == 401


def test_assertion_needs_the_right_type_and_claims(api: NamespacedClient) -> None:
    private, jwks = rsa_client_keys()
    client = register(api, token_endpoint_auth_method="private_key_jwt", jwks=jwks)
    signed = assertion(client["client_id"], private, "PS256")
    assert (
        token_with(api, {"client_assertion_type": "x", "client_assertion": signed}).status_code
        == 401
    )
    other_subject = jwt.encode(
        {
            "iss": client["client_id"],
            "sub": "someone-else",
            "aud": TOKEN_URL,
            "jti": "j",
            "exp": int(time.time()) + 60,
        },
        private,
        algorithm="PS256",
    )
    form = {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": other_subject,
        "client_id": client["client_id"],
    }
    assert token_with(api, form).status_code == 401


def test_unknown_client_and_no_credentials(api: NamespacedClient) -> None:
    assert token_with(api, {}, headers=basic("who", "knows")).status_code == 401
    assert token_with(api, {}).status_code == 401
    garbled = token_with(api, {}, headers={"Authorization": "Basic !!!"})
    assert garbled.status_code == 401


def test_clients_of_other_providers_cannot_use_this_server(api: NamespacedClient) -> None:
    response = token_with(
        api, {}, headers=basic("moneyhub-sandbox-client", "moneyhub-sandbox-secret")
    )
    assert response.status_code == 401


# -- verification of access tokens at a resource ---------------------------------------------


def authorised_token(api: NamespacedClient) -> str:
    params = approve_via_page(api, authorize_params(create_consent(api)))
    return str(exchange(api, params["code"]).json()["access_token"])


def data(api: NamespacedClient, token: str | None) -> Any:
    headers = bearer(token) if token is not None else {}
    return api.get("/ob/__authprobe/data", headers=headers)


def assert_401(response: Any, words: str) -> None:
    """OBIE: a 401 has no body; the reason travels in WWW-Authenticate."""
    assert response.status_code == 401, response.text
    assert response.content == b""
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"') and words in challenge


def test_no_token(api: NamespacedClient) -> None:
    response = data(api, None)
    assert response.status_code == 401
    assert response.content == b""


def test_malformed_token(api: NamespacedClient) -> None:
    assert_401(data(api, "not-a-jwt"), "well-formed")


def test_alg_none_token(api: NamespacedClient) -> None:
    claims = jwt.decode(authorised_token(api), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert_401(data(api, unsigned), "'none'")


def test_token_signed_by_another_key(api: NamespacedClient) -> None:
    token = authorised_token(api)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="PS256", headers={"kid": header["kid"]})
    assert_401(data(api, forged), "signature")


def test_tampered_token(api: NamespacedClient) -> None:
    head, body, signature = authorised_token(api).split(".")
    claims = json.loads(jwt.utils.base64url_decode(body))
    claims["sub"] = "mallory"
    tampered_body = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    assert_401(data(api, f"{head}.{tampered_body}.{signature}"), "signature")


def test_expired_by_the_sandbox_clock(api: NamespacedClient) -> None:
    token = authorised_token(api)
    assert data(api, token).status_code == 200
    api.post("/__admin/clock/advance", json={"seconds": 3601})
    assert_401(data(api, token), "expired")


def test_token_of_another_namespace(api: NamespacedClient) -> None:
    token = authorised_token(api)
    other = NamespacedClient(api.client, api.namespace + "-other")
    assert_401(data(other, token), "another sandbox namespace")
    other.post("/__admin/reset")


def test_token_for_another_issuer(api: NamespacedClient) -> None:
    token = authorised_token(api)
    proxied = api.get(
        "/ob/__authprobe/data", headers={**bearer(token), "X-Forwarded-Host": "other.example"}
    )
    assert_401(proxied, "issuer")


def test_missing_scope_is_403(api: NamespacedClient) -> None:
    token = client_token(api, scope="openid")
    response = api.post(CONSENTS, json={"Permissions": []}, headers=bearer(token))
    assert response.status_code == 403
    assert "Errors" in response.json()


def test_client_token_is_not_a_psu_token(api: NamespacedClient) -> None:
    response = data(api, client_token(api))
    assert response.status_code == 403  # no consent behind a client_credentials token


def test_another_clients_resources_are_not_found(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    other = register(api, client_id="tpp-two", client_secret="tpp-two-secret", scopes=["accounts"])
    response = api.post(
        "/ob/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        headers=basic(other["client_id"], "tpp-two-secret"),
    )
    theirs = response.json()["access_token"]
    assert api.get(f"{CONSENTS}/{consent_id}", headers=bearer(theirs)).status_code == 404


# -- Moneyhub's user-scoped client_credentials (profile option) -------------------------------


def test_client_credentials_subject_parameter() -> None:
    store = Store("sqlite://")
    tokens = Tokens(SigningKeys(store), Ids(1))
    profile = AuthServerProfile(
        provider="moneyhub",
        issuer_path="/oidc",
        authorization_path="/oidc/auth",
        token_path="/oidc/token",
        jwks_path="/oidc/certs",
        consent_path="/consent",
        scopes_supported=("openid", "accounts:read"),
        client_credentials_subject_param="sub",
    )
    client = {"client_id": "mh", "scopes": []}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with store.transaction() as tx:
        body = grants.exchange(
            tx,
            "ns",
            client,
            {"grant_type": "client_credentials", "scope": "accounts:read", "sub": "user-1"},
            profile=profile,
            tokens=tokens,
            issuer="http://h/oidc",
            now=now,
        )
        plain = grants.exchange(
            tx,
            "ns",
            client,
            {"grant_type": "client_credentials", "scope": "accounts:read"},
            profile=profile,
            tokens=tokens,
            issuer="http://h/oidc",
            now=now,
        )
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["sub"] == "user-1"
    assert jwt.decode(plain["access_token"], options={"verify_signature": False})["sub"] == "mh"
    assert "refresh_token" not in body


@pytest.mark.parametrize("alg", ["PS256", "RS256"])
def test_id_tokens_in_either_algorithm_verify_with_the_jwks(alg: str) -> None:
    store = Store("sqlite://")
    keys = SigningKeys(store)
    tokens = Tokens(keys, Ids(1))
    now = datetime.now(UTC)
    id_token = tokens.issue_id_token(
        issuer="http://h/oidc",
        client_id="c",
        subject="u",
        now=now,
        lifetime=60,
        nonce="n",
        access_token="at",
        extra_claims={"mh:con_id": "conn-1"},
        alg=alg,
    )
    header = jwt.get_unverified_header(id_token)
    jwk = next(k for k in keys.jwks()["keys"] if k["kid"] == header["kid"])
    assert jwk["alg"] == alg
    claims = jwt.decode(id_token, jwt.PyJWK(jwk).key, algorithms=[alg], audience="c")
    assert claims["mh:con_id"] == "conn-1" and claims["nonce"] == "n"
    assert (
        claims["at_hash"]
        == jwt.utils.base64url_encode(__import__("hashlib").sha256(b"at").digest()[:16]).decode()
    )
