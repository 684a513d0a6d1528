"""Moneyhub's reference data: test banks and standard categories (fixtures/moneyhub/)."""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mockserver.core.sandbox import current_sandbox

MOCK_BANK_ID = "1ffe704d39629a929c8e293880fb449a"
_NAMESPACE = uuid.UUID("6f1c1b1e-58a4-4d0e-9a43-3a0c2a1d5e77")


@cache
def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _fixture(name: str) -> Any:
    return _yaml(current_sandbox().settings.fixtures / "moneyhub" / name)


def banks() -> list[dict[str, Any]]:
    return list(_fixture("banks.yaml"))


def bank(bank_id: str) -> dict[str, Any] | None:
    return next((b for b in banks() if b["id"] == bank_id), None)


def standard_category_id(key: str) -> str:
    return f"std:{uuid.uuid5(_NAMESPACE, key)}"


def category_groups() -> list[dict[str, Any]]:
    return [dict(g) for g in _fixture("categories.yaml")["groups"]]


def standard_categories() -> list[dict[str, Any]]:
    return [
        {
            "categoryId": standard_category_id(c["key"]),
            "name": c["name"],
            "key": c["key"],
            "group": c["group"],
        }
        for c in _fixture("categories.yaml")["categories"]
    ]


def category_for(psu_category: str) -> str:
    """The standard category id of a generated transaction's category."""
    for c in _fixture("categories.yaml")["categories"]:
        if psu_category in c["from"]:
            return standard_category_id(c["key"])
    return standard_category_id("other")
