"""Handler replies with an explicit Content-Type.

Connexion 3.3 answers 500 when an operation declares several response media types (OBIE
declares ``application/json; charset=utf-8`` and ``application/jose+jwe``) and the handler
leaves the choice to it; every provider handler returns through here instead.
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core.jsoncodec import to_bytes

JSON_UTF8 = "application/json; charset=utf-8"


def json_reply(
    body: Any, status: int = 200, headers: dict[str, str] | None = None, media_type: str = JSON_UTF8
) -> ConnexionResponse:
    payload = to_bytes(body)
    return ConnexionResponse(
        status_code=status,
        mimetype=media_type.split(";")[0].strip(),
        body=payload,
        headers={**(headers or {}), "Content-Type": media_type},
    )


def empty_reply(status: int = 204, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, body=b"", headers=headers or {})
