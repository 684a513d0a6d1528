"""What a provider is to the platform: its key, mounts (spec + base path) and error envelope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockserver.core.errors import Envelope
from mockserver.core.oauth.profile import AuthServerProfile


@dataclass(frozen=True)
class Mount:
    base_path: str
    spec: str  # file name under specs/
    name: str  # short name of this API within the provider, e.g. "aisp"


@dataclass(frozen=True)
class Provider:
    key: str  # ob, fena, moneyhub, mogoplus (admin paths and bodies use these)
    title: str
    prefix: str  # every path under it belongs to this provider, mounted or not
    mounts: tuple[Mount, ...]
    envelope: Envelope
    # FAPI providers echo (or mint) x-fapi-interaction-id on every response.
    fapi_interaction_id: bool = False
    # Error statuses the provider answers with no body at all (OBIE: 401, 404, 405, ...).
    bodiless_statuses: frozenset[int] = frozenset()
    # The provider's authorisation server, where it has one.
    auth_server: AuthServerProfile | None = None
    # Builds its ConsentAdapter from the running Sandbox (what its consent page decides).
    consent_adapter: Callable[[Any], Any] | None = None
    # Told of every payment booked on a PSU's account: (tx, ns, sandbox, account, transaction).
    booking_listener: Callable[..., None] | None = None

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


def provider_for_path(providers: tuple[Provider, ...], path: str) -> Provider | None:
    for provider in providers:
        if provider.owns(path):
            return provider
    return None
