"""Connexion's request body validators, with every body it cannot read a 400, not a 500.

- Its JSON parser lets two kinds of malformed JSON escape as errors the app can only answer
  with a 500: nesting deeper than Python's recursion limit (``RecursionError``) and an integer
  of more digits than Python converts (``ValueError``).
- A request with no ``Content-Type`` is validated as the operation's first declared media type,
  but its handler was then given the raw bytes (a 500). The validators now say in the headers
  what they took the body for, so the handler reads it the same way.
- That first declared type may have parameters (the OBIE specs list ``application/json;
  charset=utf-8`` first), which Connexion's map (``*/*json``) did not match: such bodies
  skipped validation altogether.
"""

from __future__ import annotations

from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
)
from starlette.datastructures import Headers

from mockserver.core.formats import REQUEST_FORMATS


def _declare(scope: Any, media_type: bytes) -> None:
    """Give a request without a Content-Type the one its body was validated as."""
    headers = scope["headers"]
    if not any(name.lower() == b"content-type" for name, _ in headers):
        scope["headers"] = [*headers, (b"content-type", media_type)]


class _DateFormats:
    """Validate with Draft 4's formats and ``date`` (core/formats.py); Connexion's checker has
    no ``date``."""

    _schema: Any

    @property
    def _validator(self) -> Any:
        return Draft4RequestValidator(self._schema, format_checker=REQUEST_FORMATS)


class JSONBodyValidator(_DateFormats, JSONRequestBodyValidator):  # type: ignore[misc]
    _left_out = False  # no body at all (set per request: Connexion makes a validator each)

    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        _declare(scope, b"application/json")
        # As Connexion tells a missing body: by its length (a JSON null is a body).
        self._left_out = not int(Headers(scope=scope).get("content-length") or 0)
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: Any, scope: Any) -> Any:
        try:
            return await super()._parse(stream, scope=scope)
        except (RecursionError, ValueError, LookupError) as exc:  # LookupError: unknown charset
            raise BadRequestProblem(detail="The request body is not valid JSON.") from exc

    def _validate(self, body: Any) -> Any:
        if self._left_out and not self._required:
            return None  # an optional body left out: Connexion 3.3 refused it as empty
        return super()._validate(body)


class FormBodyValidator(_DateFormats, FormDataValidator):  # type: ignore[misc]
    async def wrap_receive(self, receive: Any, *, scope: Any) -> Any:
        _declare(scope, b"application/x-www-form-urlencoded")
        return await super().wrap_receive(receive, scope=scope)


BODY_VALIDATORS = MediaTypeDict(
    {
        "*/*json": JSONBodyValidator,
        "*/*json;*": JSONBodyValidator,
        "application/x-www-form-urlencoded": FormBodyValidator,
        "multipart/form-data": MultiPartFormDataValidator,
    }
)
