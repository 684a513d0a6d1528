"""What each mounted operation takes, from its spec: body media types, path and query
parameters (local ``$ref`` resolved), for the tests that send it bad input."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from mockserver.core.paths import bundled_dir
from mockserver.core.specs import load_spec
from mockserver.providers import PROVIDERS
from tests.security.operations import Operation
from tests.support.openapi_doc import deref


@dataclass(frozen=True)
class Inputs:
    body_types: tuple[str, ...]  # the request body's media types, as declared
    body_required: bool
    path: tuple[str, ...]  # path parameter names
    query: dict[str, dict[str, Any]]  # query parameter name -> its schema


@cache
def _document(base_path: str) -> dict[str, Any]:
    for provider in PROVIDERS:
        for mount in provider.mounts:
            if mount.base_path == base_path:
                return load_spec(bundled_dir("specs") / mount.spec, base_path).document
    raise LookupError(base_path)


def inputs(operation: Operation) -> Inputs:
    document = _document(operation.base_path)
    item = document["paths"][operation.path]
    spec = item[operation.method.lower()]
    parameters = [
        deref(document, p) for p in [*item.get("parameters", []), *spec.get("parameters", [])]
    ]
    body = deref(document, spec.get("requestBody", {}))
    return Inputs(
        body_types=tuple(body.get("content", {})),
        body_required=bool(body.get("required")),
        path=tuple(p["name"] for p in parameters if p["in"] == "path"),
        query={p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "query"},
    )
