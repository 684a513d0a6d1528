"""MogoPlus's error envelope: the CDR ``ResponseErrorListV2``, ``{"errors": [...]}``."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError, phrase

_CDR = "urn:au-cds:error:cds-all:"

# Default CDR error code URN and title per status.
_CODES = {
    400: ("Field/Invalid", "Invalid Field"),
    404: ("Resource/NotFound", "Resource Not Found"),
    406: ("Header/Invalid", "Invalid Header"),
    415: ("Header/Invalid", "Invalid Header"),
    422: ("Field/Invalid", "Invalid Field"),
    500: ("GeneralError/Unexpected", "Unexpected Error Encountered"),
    503: ("Service/Unavailable", "Service Unavailable"),
}


def envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    suffix, title = _CODES.get(error.status, ("GeneralError/Expected", phrase(error.status)))
    detail = f"{error.path}: {error.message}" if error.path else error.message
    return {"errors": [{"code": error.code or _CDR + suffix, "title": title, "detail": detail}]}
