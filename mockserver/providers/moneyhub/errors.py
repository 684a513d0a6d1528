"""Moneyhub's error envelope: ``{code, message, correlationId}`` (Data API ``Error`` schema)."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError, phrase


def envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    default = "InternalServer" if error.status >= 500 else phrase(error.status).replace(" ", "")
    body: dict[str, Any] = {"code": error.code or default, "message": error.message}
    if interaction_id:
        body["correlationId"] = interaction_id
    return body
