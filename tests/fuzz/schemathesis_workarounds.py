"""Failures that are schemathesis's own mistakes, not the server's, recognised precisely.

schemathesis 4.32's coverage phase draws header values from ``[A-Za-z0-9]`` only (its
``ensure_valid_headers_schema``); a header whose ``pattern`` needs any other character (the
OBIE ``x-fapi-auth-date``: ``Sun, 10 Sep 2017 19:43:31 UTC``) cannot be drawn, and it sends
``0`` instead, still labelled a *positive* case. The server is right to refuse it with its
documented 400, so "schema-valid request rejected" is dropped exactly when a header of the case
breaks its own declared pattern; every other check of that response still runs.
"""

from __future__ import annotations

import re
from typing import Any

from schemathesis import Case

from tests.support.openapi_doc import deref

POSITIVE_REJECTED = "RejectedPositiveData"


def header_breaks_its_pattern(case: Case) -> bool:
    headers = {name.lower(): value for name, value in (case.headers or {}).items()}
    document = case.operation.schema.raw_schema
    for parameter in case.operation.headers:
        schema = deref(document, parameter.definition.get("schema", {}))
        pattern = schema.get("pattern")
        value = headers.get(parameter.name.lower())
        if pattern and isinstance(value, str) and re.search(pattern, value) is None:
            return True
    return False


def keep_failure(context: Any, failure: Any, case: Case, response: Any) -> bool:
    """schemathesis ``filter_failure`` hook: False drops the failure."""
    return not (type(failure).__name__ == POSITIVE_REJECTED and header_breaks_its_pattern(case))
