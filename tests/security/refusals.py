"""What a refusal looks like in each provider's envelope, and whether a response leaked data."""

from __future__ import annotations

import json
from typing import Any

from tests.security.calls import Call


def error_code(provider: str, body: dict[str, Any]) -> str:
    """The provider's error code in its envelope (OBIE's first ErrorCode, CDR's code...)."""
    if provider == "ob":
        return str(body["Errors"][0]["ErrorCode"])
    if provider == "fena":
        return str(body["statusCode"])
    if provider == "moneyhub":
        return str(body["code"])
    (error,) = body["errors"]
    return str(error["code"])


def assert_refused(
    provider: str, response: Any, refused: dict[int, frozenset[str]], call: Call
) -> None:
    assert response.status_code in refused, f"{call}: {response.status_code} {response.text}"
    codes = refused[response.status_code]
    code = error_code(provider, response.json())
    assert not codes or code in codes, f"{call}: {code} is not one of {sorted(codes)}"


def mentioned(call: Call) -> str:
    """Everything the caller itself sent: echoing it back reveals nothing."""
    sent = call.content.decode() if call.content is not None else json.dumps(call.body)
    return f"{call.path} {sent} {json.dumps(call.params)}"


def leaked(response: Any, owner: Any, call: Call) -> list[str]:
    """The owner's ids and marker found in a response to someone else's call."""
    asked = mentioned(call)
    private = {*owner.ids.values(), owner.marker}
    return sorted(v for v in private if v not in asked and v in response.text)


def assert_unauthorized(provider: str, response: Any, call: Call) -> None:
    """A 401 in the provider's envelope; bearer-token APIs say why in ``WWW-Authenticate``."""
    assert response.status_code == 401, f"{call}: {response.status_code} {response.text}"
    if provider == "ob":  # the profile: a 401 has no body
        assert response.content == b""
    else:
        error_code(provider, response.json())
    if provider != "fena":  # Fena's credentials are headers, not a bearer token
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer"), challenge
