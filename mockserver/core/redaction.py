"""Secrets never leave the sandbox in full: journal entries and state exports keep a fingerprint.

A fingerprint (``redacted:sha256:1a2b3c4d``) still lets two entries be told apart.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED_PREFIX = "redacted:sha256:"

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "client_secret", "x-api-key"}
)
SECRET_FIELDS = frozenset(
    {
        "password",
        "client_secret",
        "clientsecret",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "assertion",
        "client_assertion",
        "code_verifier",
        "private_key",
    }
)
# Private members of a JWK (a dict with "kty"); elsewhere these short names mean other things.
JWK_PRIVATE_FIELDS = frozenset({"d", "p", "q", "dp", "dq", "qi", "k"})


def fingerprint(value: str) -> str:
    return REDACTED_PREFIX + hashlib.sha256(value.encode()).hexdigest()[:8]


def is_redacted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(REDACTED_PREFIX)


def redact_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in SECRET_HEADERS:
            # Keep the scheme of an Authorization header visible: "Bearer redacted:..."
            scheme, _, credential = value.partition(" ")
            value = f"{scheme} {fingerprint(credential)}" if credential else fingerprint(value)
        out[lower] = f"{out[lower]}, {value}" if lower in out else value
    return out


def redact_data(data: Any) -> Any:
    """A copy of a JSON-like value with every secret field replaced by its fingerprint."""
    if isinstance(data, dict):
        secret = SECRET_FIELDS | JWK_PRIVATE_FIELDS if "kty" in data else SECRET_FIELDS
        return {
            k: (
                fingerprint(v)
                if k.lower() in secret and isinstance(v, str) and not is_redacted(v)
                else redact_data(v)
            )
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_data(v) for v in data]
    return data


def redact_body(text: str, content_type: str) -> str:
    """Redact a request or response body, JSON or form-encoded; other bodies are kept."""
    if "json" in content_type:
        try:
            return json.dumps(redact_data(json.loads(text)), ensure_ascii=False)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            return text
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(text, keep_blank_values=True)
        return urlencode(
            [(k, fingerprint(v) if k.lower() in SECRET_FIELDS else v) for k, v in pairs]
        )
    return text
