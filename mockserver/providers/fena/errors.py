"""Fena's error envelope.

Fena's public document shows no error bodies, so the sandbox uses one consistent shape for
every Fena error: ``{"statusCode", "error", "message"}`` (the shape of Fena's NestJS-based
API), plus ``field`` when one input is at fault.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError, phrase


def envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "statusCode": error.status,
        "error": error.code or phrase(error.status),
        "message": error.message,
    }
    if error.path:
        body["field"] = error.path
    return body
