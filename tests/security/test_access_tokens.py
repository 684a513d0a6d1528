"""Access tokens: only the sandbox's own, unaltered, current tokens of the right issuer and
namespace open a provider API; anything else is a 401 saying why in ``WWW-Authenticate``
(``error="invalid_token"``), in the provider's envelope (OBIE: no body)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from mockserver.app import SandboxApp
from tests.conftest import NamespacedClient
from tests.security import forge, sandbox_clients
from tests.security.calls import Call, bearer
from tests.security.guarded import GUARDED
from tests.security.internals import assert_no_internals
from tests.security.ob_tenant import AISP, ob_tenant
from tests.security.refusals import assert_unauthorized
from tests.security.world import World

# RFC 6750 3: the challenge of a refused token, its description in the allowed characters.
CHALLENGE = re.compile(r'Bearer error="invalid_token", error_description="([ !#-\[\]-~]*)"')


def assert_invalid_token(provider: str, response: Any, call: Call) -> str:
    """The 401 of a refused token; returns the reason it gives."""
    assert_unauthorized(provider, response, call)
    challenge = CHALLENGE.fullmatch(response.headers["www-authenticate"])
    assert challenge, response.headers["www-authenticate"]
    assert_no_internals(response, call)
    return challenge.group(1)


def _hs256_with_public_key(token: str, app: SandboxApp) -> str:
    """Algorithm confusion: HS256 keyed with the sandbox's published RSA key."""
    header, claims, _ = forge.parts(token)
    published = app.sandbox.identity.keys.by_kid(header["kid"])
    assert published is not None
    public_key = published.private_key.public_key()
    return forge.hs256_keyed_with_public_key(claims, public_key, kid=header["kid"])


def _with_alg(token: str, alg: str) -> str:
    return f"{forge.segment({'alg': alg})}.{token.split('.', 1)[1]}"


FORGERIES: dict[str, Callable[[str, SandboxApp], str]] = {
    "alg none": lambda t, app: forge.unsigned(forge.parts(t)[1], kid=forge.parts(t)[0]["kid"]),
    "alg none with the real signature": lambda t, app: (
        f"{forge.segment({**forge.parts(t)[0], 'alg': 'none'})}.{t.split('.', 1)[1]}"
    ),
    "another key, the sandbox's kid": lambda t, app: forge.resigned(t, forge.strange_key()),
    "HS256 keyed with the public key": _hs256_with_public_key,
    "claims changed, signature kept": lambda t, app: forge.with_claims(t, sub="someone-else"),
    "scope widened, signature kept": lambda t, app: forge.with_claims(
        t, scope=f"{forge.parts(t)[1]['scope']} payments user:delete"
    ),
    "signature broken": lambda t, app: forge.with_broken_signature(t),
    "signature missing": lambda t, app: t.rsplit(".", 1)[0] + ".",
    "not a JWT": lambda t, app: "not-a-token",
    "header not JSON": lambda t, app: f"{forge.b64url(b'{nope')}.{t.split('.', 1)[1]}",
    # The reason names the algorithm: it must still make a valid header.
    "alg not latin-1": lambda t, app: _with_alg(t, "PS256\u20ac"),
    "alg with a quote": lambda t, app: _with_alg(t, 'PS"256'),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
@pytest.mark.parametrize("api_name", list(GUARDED))
def test_forged_tokens_are_refused(
    world: World, app: SandboxApp, api_name: str, forgery: str
) -> None:
    guarded = GUARDED[api_name]
    genuine = guarded.token(world)
    accepted = guarded.call(world, genuine)
    assert accepted.send(world.api).status_code == 200, "the genuine token must work"
    call = guarded.call(world, FORGERIES[forgery](genuine, app))
    assert_invalid_token(guarded.provider, call.send(world.api), call)


def _sandbox_signed(app: SandboxApp, token: str, **changes: Any) -> str:
    """The token re-signed by the sandbox's own key with its claims changed: only the claims
    can be wrong (the signature verifies)."""
    header = forge.parts(token)[0]
    key = app.sandbox.identity.keys.by_kid(header["kid"])
    assert key is not None
    claims = {k: v for k, v in {**forge.parts(token)[1], **changes}.items() if v is not None}
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers=header)


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


CLAIM_PROBLEMS: dict[str, Callable[[str], dict[str, Any]]] = {
    "another audience": lambda t: {"aud": "https://elsewhere.example"},
    "another issuer": lambda t: {"iss": "https://elsewhere.example"},
    "another namespace": lambda t: {"namespace": "someone-elses"},
    "a jti the sandbox never issued": lambda t: {"jti": "00000000-0000-4000-8000-000000000000"},
    "no expiry": lambda t: {"exp": None},
    "expired": lambda t: {"exp": _now() - 60},
    "not valid yet": lambda t: {"nbf": _now() + 3600},
}


@pytest.mark.parametrize("problem", list(CLAIM_PROBLEMS))
@pytest.mark.parametrize("api_name", list(GUARDED))
def test_tokens_signed_by_the_sandbox_with_wrong_claims_are_refused(
    world: World, app: SandboxApp, api_name: str, problem: str
) -> None:
    guarded = GUARDED[api_name]
    genuine = guarded.token(world)
    unchanged = guarded.call(world, _sandbox_signed(app, genuine))
    assert unchanged.send(world.api).status_code == 200, "re-signing alone changes nothing"
    token = _sandbox_signed(app, genuine, **CLAIM_PROBLEMS[problem](genuine))
    call = guarded.call(world, token)
    assert_invalid_token(guarded.provider, call.send(world.api), call)


@pytest.mark.parametrize("provider", ["ob", "moneyhub", "mogoplus"])
def test_tokens_expire_by_the_sandbox_clock(api: NamespacedClient, provider: str) -> None:
    call = sandbox_clients.reader(provider, sandbox_clients.token(api, provider))
    assert call.send(api).status_code in (200, 400, 404)
    assert api.post("/__admin/clock/advance", json={"seconds": 3599}).status_code == 200
    assert call.send(api).status_code in (200, 400, 404), "valid for an hour"
    assert api.post("/__admin/clock/advance", json={"seconds": 2}).status_code == 200
    reason = assert_invalid_token(provider, call.send(api), call)
    assert "expired" in reason


@pytest.mark.parametrize(
    ("issued_by", "used_at"),
    [("ob", "moneyhub"), ("ob", "mogoplus"), ("moneyhub", "ob"), ("mogoplus", "ob")],
)
def test_one_providers_token_is_refused_by_another(
    world: World, issued_by: str, used_at: str
) -> None:
    token = sandbox_clients.token(world.api, issued_by)
    call = sandbox_clients.reader(used_at, token)
    reason = assert_invalid_token(used_at, call.send(world.api), call)
    assert "another issuer" in reason or "another audience" in reason


def test_deleting_a_consent_revokes_its_tokens(api: NamespacedClient) -> None:
    tpp = ob_tenant(api, "sec-revoking-tpp", "alice")
    reads = Call("GET", f"{AISP}/accounts", bearer(tpp.ais_token))
    assert reads.send(api).status_code == 200
    consent = tpp.ids["ais_consent"]
    deleted = Call("DELETE", f"{AISP}/account-access-consents/{consent}", bearer(tpp.tpp_token))
    assert deleted.send(api).status_code == 204
    reason = assert_invalid_token("ob", reads.send(api), reads)
    assert "revoked" in reason
    refreshed = api.post(
        "/ob/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tpp.refresh_tokens["accounts"]},
        auth=(tpp.client_id, tpp.secret),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
