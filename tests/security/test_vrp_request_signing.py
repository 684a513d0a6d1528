"""OBIE VRP requests are signed (``x-jws-signature``, a detached PS256 JWS of the exact body by a
key the TPP registered): unsigned, ``alg: none``, another key, another TPP's key, an altered body
or header are all refused with the profile's 400 ``UK.OBIE.Signature.*``, never a 500."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.ob.vrp_helpers import consent_body, payment_body
from tests.security import forge
from tests.security.internals import assert_no_internals
from tests.security.ob_tenant import ObTenant
from tests.security.world import World

IAT = "http://openbanking.org.uk/iat"
OTHER_KEY = forge.strange_key()


def _header(value: str) -> dict[str, Any]:
    head = value.split(".")[0]
    parsed: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return parsed


def _rehead(value: str, **changes: Any) -> str:
    """The signature with its protected header changed (the signature part kept)."""
    return f"{forge.segment({**_header(value), **changes})}..{value.split('..')[1]}"


def _altered(raw: bytes) -> bytes:
    """The body with its first amount changed by a penny."""
    changed = raw.replace(b'.00"', b'.01"', 1)
    assert changed != raw
    return changed


Tamper = Callable[[ObTenant, ObTenant, bytes], tuple[bytes, str | None]]
TAMPERING: dict[str, Tamper] = {
    "no signature": lambda a, b, raw: (raw, None),
    "alg none": lambda a, b, raw: (
        raw,
        f"{forge.segment({**_header(a.signature(raw)), 'alg': 'none'})}..",
    ),
    "alg none, signature kept": lambda a, b, raw: (raw, _rehead(a.signature(raw), alg="none")),
    "HS256": lambda a, b, raw: (raw, _rehead(a.signature(raw), alg="HS256")),
    "another key, the TPP's kid": lambda a, b, raw: (raw, a.signature(raw, key=OTHER_KEY)),
    "another TPP's key and kid": lambda a, b, raw: (
        raw,
        a.signature(raw, key=b.private_key, kid=b.kid),
    ),
    "another TPP's signature": lambda a, b, raw: (
        raw,
        b.signature(raw),
    ),
    "body altered after signing": lambda a, b, raw: (_altered(raw), a.signature(raw)),
    "body re-spaced after signing": lambda a, b, raw: (raw + b" ", a.signature(raw)),
    "header altered after signing": lambda a, b, raw: (
        raw,
        _rehead(a.signature(raw), **{IAT: _header(a.signature(raw))[IAT] - 5}),
    ),
    "signature broken": lambda a, b, raw: (raw, a.signature(raw)[:-4] + "AAAA"),
    "issued in the future": lambda a, b, raw: (
        raw,
        a.signature(raw, **{IAT: int(time.time()) + 3600}),
    ),
    "crit not a list of names": lambda a, b, raw: (raw, _rehead(a.signature(raw), crit=[[IAT]])),
    "not a detached JWS": lambda a, b, raw: (raw, "a.b.c"),
    "not base64": lambda a, b, raw: (raw, "%%%..%%%"),
}


def _payment(tpp: ObTenant) -> tuple[str, dict[str, Any], str]:
    return (
        "/domestic-vrps",
        payment_body(tpp.ids["vrp_consent"], tpp.vrp_request, "1.00"),
        tpp.vrp_token,
    )


def _consent(tpp: ObTenant) -> tuple[str, dict[str, Any], str]:
    return "/domestic-vrp-consents", consent_body(), tpp.tpp_token


def _funds(tpp: ObTenant) -> tuple[str, dict[str, Any], str]:
    consent = tpp.ids["vrp_consent"]
    body = {
        "Data": {"ConsentId": consent, "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"}}
    }
    return f"/domestic-vrp-consents/{consent}/funds-confirmation", body, tpp.vrp_token


OPERATIONS = {"create a consent": _consent, "confirm funds": _funds, "pay": _payment}


@pytest.mark.parametrize("tampering", list(TAMPERING))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_badly_signed_vrp_requests_are_refused(
    world: World, operation: str, tampering: str
) -> None:
    a, b = world.ob
    path, body, token = OPERATIONS[operation](a)
    raw = json.dumps(body).encode()
    good = a.vrp_post(path, raw, token, a.signature(raw)).send(world.api)
    assert good.status_code == 201, f"the genuine signature: {good.text}"
    sent, jws = TAMPERING[tampering](a, b, raw)
    response = a.vrp_post(path, sent, token, jws).send(world.api)
    assert response.status_code == 400, f"{tampering}: {response.status_code} {response.text}"
    (error,) = response.json()["Errors"]
    assert error["ErrorCode"].startswith("UK.OBIE.Signature."), error
    assert error["Path"] == "x-jws-signature"
    assert_no_internals(response, tampering)
