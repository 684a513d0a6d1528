"""Typed API errors, rendered in the envelope of the provider that was called.

Models raise ``ApiError``; Connexion's own failures (validation, routing, security, content
negotiation) are converted into one by ``from_exception``. Each provider supplies an
``Envelope`` that turns it into that provider's documented body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from starlette.exceptions import HTTPException


@dataclass
class ApiError(Exception):
    status: int
    message: str
    # Provider-specific error code; None lets the envelope pick its default for the status.
    code: str | None = None
    # The offending field or header, when there is one (OBIE ``Path``, CDR ``detail``).
    path: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A body fixed by a protocol rather than the provider's envelope (OAuth's token errors).
    body: dict[str, Any] | None = None
    # What kind of input was at fault, for envelopes with finer codes (OBIE's Header.Missing):
    # "missing_header", "invalid_header", "missing_field", "invalid_field", ... or None.
    kind: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.message}"


class Envelope(Protocol):
    """Renders an ``ApiError`` as a provider's error body."""

    def __call__(self, error: ApiError, interaction_id: str | None) -> dict[str, Any]: ...


def oauth_error(status: int, error: str, description: str, **headers: str) -> ApiError:
    """An RFC 6749 error: ``{"error", "error_description"}``, whoever the provider is."""
    return ApiError(
        status,
        description,
        code=error,
        headers=dict(headers),
        body={"error": error, "error_description": description},
    )


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_exception(exc: Exception) -> ApiError:
    """Turn any exception raised while serving a request into an ``ApiError``."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, HTTPException):
        # Connexion's ProblemException is an HTTPException with a title and detail.
        detail = (
            getattr(exc, "detail", None) or getattr(exc, "title", None) or phrase(exc.status_code)
        )
        return _from_problem(exc.status_code, str(detail), dict(exc.headers or {}))
    # Never leak internals (stack traces, SQL) to a client.
    return ApiError(500, "The sandbox could not process the request.")


def _from_problem(status: int, detail: str, headers: dict[str, str]) -> ApiError:
    """An ``ApiError`` naming the input at fault, and what kind of input it was."""
    parameter = _PARAMETER.match(detail)
    if parameter is not None:
        # From the request validator (and ``NamedParameterValidator``): which parameter.
        kind = f"{parameter['problem'].lower()}_{parameter['where']}"
        return ApiError(status, _plain(detail), path=parameter["name"], headers=headers, kind=kind)
    message, path = _split_field(detail)
    required = _REQUIRED.match(message)
    if status != 400 or (path is None and required is None):
        return ApiError(status, _plain(message), path=path, headers=headers)
    if required is not None:
        # "'X' is a required property - 'Data'": the missing field is Data.X.
        field = required["field"]
        path = f"{path}.{field}" if path else field
        return ApiError(status, _plain(message), path=path, headers=headers, kind="missing_field")
    return ApiError(status, _plain(message), path=path, headers=headers, kind="invalid_field")


# Connexion appends the failing field to validation messages: "<message> - 'Data.Amount'".
_FIELD_SUFFIX = re.compile(r"^(?P<message>.*) - '(?P<path>[^']+)'$", re.DOTALL)
_REQUIRED = re.compile(r"^'(?P<field>[^']+)' is a required property$")
_PARAMETER = re.compile(
    r"^(?P<problem>Missing|Invalid) (?P<where>header|query|path|cookie) parameter '(?P<name>[^']+)'"
)


def _split_field(detail: str) -> tuple[str, str | None]:
    match = _FIELD_SUFFIX.match(detail)
    if match is None:
        return detail, None
    return match["message"], match["path"].replace("/", ".")


def _plain(detail: str) -> str:
    # jsonschema messages can quote whole bodies; keep errors readable and bounded.
    return detail if len(detail) <= 480 else detail[:477] + "..."


def sandbox_envelope(error: ApiError, interaction_id: str | None) -> dict[str, Any]:
    """The control plane's own envelope, also used for paths outside every provider."""
    return {
        "status": error.status,
        "code": error.code or phrase(error.status).replace(" ", ""),
        "message": error.message,
    }
