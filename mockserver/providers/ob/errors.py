"""OBIE's error envelope: OBErrorResponse1 with OBError1 entries (Read/Write Data API profile)."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError, phrase

# Default low-level ErrorCode per status, from the OBError1 namespaced enum.
_ERROR_CODES = {
    400: "UK.OBIE.Field.Invalid",
    401: "UK.OBIE.Header.Invalid",
    403: "UK.OBIE.Resource.ConsentMismatch",
    404: "UK.OBIE.Resource.NotFound",
    406: "UK.OBIE.Header.Invalid",
    415: "UK.OBIE.Header.Invalid",
}


def envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ErrorCode": error.code or _ERROR_CODES.get(error.status, "UK.OBIE.UnexpectedError"),
        "Message": error.message[:500],
    }
    if error.path:
        entry["Path"] = error.path
    body: dict[str, Any] = {
        "Code": f"{error.status} {phrase(error.status).replace(' ', '')}"[:40],
        "Message": error.message[:500],
        "Errors": [entry],
    }
    if interaction_id:
        body["Id"] = interaction_id[:40]
    return body
