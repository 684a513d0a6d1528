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


# Finer codes for malformed input, by what was at fault (see ``ApiError.kind``).
_KIND_CODES = {
    "missing_header": "UK.OBIE.Header.Missing",
    "invalid_header": "UK.OBIE.Header.Invalid",
    "missing_field": "UK.OBIE.Field.Missing",
    "invalid_field": "UK.OBIE.Field.Invalid",
}


def error_code(error: ApiError) -> str:
    if error.code:
        return error.code
    if error.kind in _KIND_CODES:
        return _KIND_CODES[error.kind]
    return _ERROR_CODES.get(error.status, "UK.OBIE.UnexpectedError")


def envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ErrorCode": error_code(error),
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
