"""The banks (providers) Fena connects to: fixtures/fena/providers.yaml, read once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mockserver.core.errors import ApiError
from mockserver.core.sandbox import current_sandbox


@cache
def _load(path: Path) -> tuple[dict[str, Any], ...]:
    with path.open(encoding="utf-8") as handle:
        return tuple(yaml.safe_load(handle) or [])


def providers() -> tuple[dict[str, Any], ...]:
    return _load(current_sandbox().settings.fixtures / "fena" / "providers.yaml")


def public(provider: dict[str, Any]) -> dict[str, Any]:
    """The Provider object of GET /providers."""
    return {
        "id": provider["id"],
        "name": provider["name"],
        "active": bool(provider["active"]),
        "sortCodeRange": provider.get("sort_code_range"),
    }


def summary(provider_id: str) -> dict[str, Any]:
    """The provider as a VRP consent or payment shows it (its id alone, if the table lost it)."""
    provider = find(provider_id) or {"id": provider_id, "name": provider_id}
    return {
        "id": provider["id"],
        "name": provider["name"],
        "sortCodeRange": provider.get("sort_code_range"),
    }


def find(provider_id: str) -> dict[str, Any] | None:
    return next((p for p in providers() if p["id"] == provider_id), None)


def usable(provider_id: str, *, vrp: bool = False) -> dict[str, Any]:
    """A provider a new consent may use: known, active and (for VRPs) supporting them."""
    provider = find(provider_id)
    if provider is None:
        raise ApiError(400, f"Unknown provider {provider_id}.", path="provider")
    if not provider["active"]:
        raise ApiError(400, f"Provider {provider_id} is not active.", path="provider")
    if vrp and not provider["vrp"]:
        raise ApiError(400, f"Provider {provider_id} does not support VRPs.", path="provider")
    return provider


def known(provider_id: str) -> dict[str, Any]:
    provider = find(provider_id)
    if provider is None:
        raise ApiError(404, f"Provider {provider_id} not found.", path="providerId")
    return provider
