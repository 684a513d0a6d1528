"""OpenAPI specs: parsed once (C YAML loader), handed to Connexion as dicts, served from bytes.

Connexion 3.3 re-validates and dereferences a spec on every request for ``openapi.json``;
we serve the bytes we cached at start-up instead.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from mockserver.core.jsoncodec import to_bytes

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class LoadedSpec:
    name: str
    base_path: str
    document: dict[str, Any]

    @cached_property
    def json_bytes(self) -> bytes:
        return to_bytes(self.document)

    @cached_property
    def for_connexion(self) -> dict[str, Any]:
        """The document as Connexion is given it: response media types without parameters.

        Connexion 3.3's response validation compares the bare media type of a response
        ("application/json") with the declared ones verbatim, so a spec that declares only
        "application/json; charset=utf-8" fails every response. The served spec keeps the
        original keys.
        """
        document = copy.deepcopy(self.document)
        for item in document.get("paths", {}).values():
            for method in HTTP_METHODS:
                for response in item.get(method, {}).get("responses", {}).values():
                    _strip_media_parameters(response)
        for response in document.get("components", {}).get("responses", {}).values():
            _strip_media_parameters(response)
        return document

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", self.name))

    @property
    def spec_url(self) -> str:
        return f"{self.base_path}/openapi.json"

    def path_methods(self) -> list[tuple[re.Pattern[str], frozenset[str]]]:
        """Each path template as a regex over full request paths, with its methods."""
        out = []
        for template, item in self.document.get("paths", {}).items():
            methods = frozenset(m.upper() for m in item if m in HTTP_METHODS)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(self.base_path + template))
            out.append((re.compile(f"^{pattern}$"), methods))
        return out

    def produced_media_types(self) -> dict[str, frozenset[str]]:
        """Per operationId, the media types its successful responses may have (bare types).

        Operations whose successes have no body (a 204) are left out: any Accept will do.
        """
        out: dict[str, frozenset[str]] = {}
        for item in self.document.get("paths", {}).values():
            for method, operation in item.items():
                if method not in HTTP_METHODS or "operationId" not in operation:
                    continue
                types: set[str] = set()
                for status, response in operation.get("responses", {}).items():
                    if str(status).startswith("2"):
                        response = self._resolve(response)
                        types |= {t.split(";")[0].strip() for t in response.get("content", {})}
                if types:
                    out[operation["operationId"]] = frozenset(types)
        return out

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node


def _strip_media_parameters(response: dict[str, Any]) -> None:
    content = response.get("content")
    if not isinstance(content, dict):
        return
    bare: dict[str, Any] = {}
    for media_type, media in content.items():
        bare.setdefault(media_type.split(";")[0].strip(), media)
    response["content"] = bare


def load_spec(path: Path, base_path: str) -> LoadedSpec:
    text = path.read_text(encoding="utf-8")
    document = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)  # noqa: S506 - CSafeLoader
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    return LoadedSpec(name=path.stem, base_path=base_path, document=document)
