"""What must never reach a client: traces of the server's insides in bodies or headers."""

from __future__ import annotations

import re
from typing import Any

# Stack traces, file paths, module and library names, SQL, Python exception and object reprs.
TELLTALES = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|lib/python"  # stack traces, source files
    r"|mockserver\.|sqlalchemy|psycopg|sqlite|connexion|starlette|uvicorn|jsonschema|pydantic"
    r"|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b"  # SQL
    r"|\b\w+(Error|Exception|Problem)\b|<class |object at 0x|NoneType|builtins\.",
)
# Words that look like the above but are the providers' documented vocabulary.
ALLOWED = re.compile(
    r"InternalServerError|UK\.OBIE\.UnexpectedError|GeneralError|Internal Server Error"
)


def telltales_in(text: str) -> list[str]:
    return [m.group(0) for m in TELLTALES.finditer(ALLOWED.sub("", text))]


def telltales(response: Any) -> list[str]:
    """Every suspicious fragment of the response's body and headers."""
    headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return telltales_in(f"{headers}\n{response.content.decode('utf-8', errors='replace')}")


def assert_no_internals(response: Any, context: object = "") -> None:
    found = telltales(response)
    assert not found, f"{context}: the response shows the server's insides {found}: {response.text}"
